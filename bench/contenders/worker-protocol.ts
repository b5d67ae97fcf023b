/**
 * What the worker rows' two halves (worker.ts in the client process,
 * worker-server.ts in its worker thread) agree on: the rows, the raw port
 * messages, the CPU-bound work of the pool row, and the slice of Comlink
 * they use (declared here, see lib/peer-deps.ts for why).
 */

/** The rows whose server is a worker thread of the client process. */
export type WorkerRow = 'worker+msgpack' | 'raw-port' | 'comlink';

/** raw-port requests, parent → worker (and `echo`, worker → parent, for the callback scenario). */
export type RawRequest =
  | { op: 'add'; id: number; a: number; b: number }
  | { op: 'blob'; id: number; size: number }
  | { op: 'stream'; id: number; n: number }
  | { op: 'callbacks'; id: number; n: number; maxMs: number }
  | { op: 'echo'; id: number; i: number };

/** raw-port answers: `r` for a result, `item` for one stream item before it. */
export type RawReply = { id: number; r: unknown } | { id: number; item: unknown };

/** CPU-bound work for the pool row: `rounds` steps of xorshift32, so nothing can skip it. */
export function spin(rounds: number): number {
  let x = 2463534242;
  for (let k = 0; k < rounds; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

/** An endpoint as Comlink sees one. */
export interface ComlinkEndpoint {
  postMessage(message: unknown, transfer?: unknown[]): void;
}

/** The slice of `comlink` the comlink row uses. */
export interface ComlinkModule {
  expose(value: unknown, endpoint: ComlinkEndpoint): void;
  wrap<T>(endpoint: ComlinkEndpoint): T;
  proxy<T>(value: T): T;
  releaseProxy: symbol;
}

/** `comlink/dist/esm/node-adapter.mjs`: a Node `MessagePort` or `Worker` as a Comlink endpoint. */
export interface NodeAdapterModule {
  default(port: { postMessage(message: unknown): void; on(type: string, listener: (data: unknown) => void): unknown }): ComlinkEndpoint;
}
