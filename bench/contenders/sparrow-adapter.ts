/**
 * The one place where the bench meets Sparrow's API: it serves the bench
 * schema's `Bench` service and connects clients that call it, with the
 * client exporting `BenchClient` for the server's callbacks.
 *
 * Everything else in the Sparrow contender (what the server does, what the
 * client measures) lives in `sparrow.ts` and only sees the two functions
 * below, so moving from the schema-less peer API to generated clients
 * changes this file alone.
 */

/** The serialisers a Sparrow row can use (wire codes m, j, c). */
export type SerialiserName = 'msgpack' | 'json' | 'cbor';

/** One stream item of the bench schema. */
export interface Item {
  i: number;
  v: number;
}

/** What the bench server does, independent of how it is wired (the `Bench` service). */
export interface BenchImplementation {
  add(a: number, b: number): number;
  blob(size: number): Uint8Array;
  stream(n: number): Iterable<Item> | AsyncIterable<Item>;
  /** `echo` calls the connected client's `BenchClient.echo`. */
  callbacks(n: number, maxMs: number, echo: (i: number) => Promise<number>): Promise<number>;
}

/** The `Bench` service as the client sees it. */
export interface BenchRemote {
  add(a: number, b: number): Promise<number>;
  blob(size: number): Promise<Uint8Array>;
  stream(n: number): AsyncIterable<Item>;
  callbacks(n: number, maxMs: number): Promise<number>;
  close(): Promise<void>;
}

/** A listening bench server. */
export interface BenchListener {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `implementation` on `url` (`tcp://127.0.0.1:0`, `unix:///…`,
 * `ws://127.0.0.1:0/`); every accepted connection gets its own peer.
 */
export async function serveBench(url: string, serialiser: SerialiserName, implementation: BenchImplementation): Promise<BenchListener> {
  void url;
  void serialiser;
  void implementation;
  throw notReady();
}

/** Connects to a bench server, exporting `BenchClient.echo` as `echo` for its callbacks. */
export async function connectBench(url: string, serialiser: SerialiserName, echo: (i: number) => number): Promise<BenchRemote> {
  void url;
  void serialiser;
  void echo;
  throw notReady();
}

function notReady(): Error {
  return new Error('the Sparrow runtime has no createPeer yet (runtime/rpc)');
}
