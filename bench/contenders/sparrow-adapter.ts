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

// Relative paths rather than `sparrow/runtime/node`: bench/ has its own
// package.json, which hides the root package from Node's self-reference.
import { connect, createMessageLink, createPeer, createRegistry, listen, type Peer, type SerialiserCode } from '../../runtime/node.ts';

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

/** Wire codes of the serialisers. */
const SERIALISER_CODES: Record<SerialiserName, SerialiserCode> = { msgpack: 'm', json: 'j', cbor: 'c' };
/** The bench schema's wire namespaces: a service's name unless `@namespace` says otherwise. */
const BENCH = { namespace: 'Bench' } as const;
const BENCH_CLIENT = { namespace: 'BenchClient' } as const;

/**
 * Serves `implementation` on `url` (`tcp://127.0.0.1:0`, `unix:///…`,
 * `ws://127.0.0.1:0/`); every accepted connection gets its own peer, all
 * sharing one registry.
 */
export async function serveBench(url: string, serialiser: SerialiserName, implementation: BenchImplementation): Promise<BenchListener> {
  const registry = createRegistry();
  registry.export('add', ({ a, b }) => implementation.add(a as number, b as number), BENCH);
  registry.export('blob', ({ size }) => implementation.blob(size as number), BENCH);
  registry.export('stream', ({ n }) => implementation.stream(n as number), { ...BENCH, multipart: true });
  registry.export(
    'callbacks',
    ({ n, max_ms }, ctx) => implementation.callbacks(n as number, max_ms as number, (i) => ctx.peer.call<number>('echo', { i }, BENCH_CLIENT)),
    BENCH,
  );
  const peers = new Set<Peer>();
  const listener = await listen(url, (transport) => {
    const peer = createPeer(createMessageLink(transport), { registry, serialiser: SERIALISER_CODES[serialiser] });
    peers.add(peer);
    peer.onClose(() => peers.delete(peer));
  });
  return {
    url: listener.url,
    async close() {
      for (const peer of peers) peer.close();
      await listener.close();
    },
  };
}

/** Connects to a bench server, exporting `BenchClient.echo` as `echo` for its callbacks. */
export async function connectBench(url: string, serialiser: SerialiserName, echo: (i: number) => number): Promise<BenchRemote> {
  const peer = createPeer(createMessageLink(await connect(url)), { serialiser: SERIALISER_CODES[serialiser] });
  peer.export('echo', ({ i }) => echo(i as number), BENCH_CLIENT);
  return {
    add: (a, b) => peer.call<number>('add', { a, b }, BENCH),
    blob: (size) => peer.call<Uint8Array>('blob', { size }, BENCH),
    stream: (n) => peer.callStream<Item>('stream', { n }, BENCH),
    callbacks: (n, maxMs) => peer.call<number>('callbacks', { n, max_ms: maxMs }, BENCH),
    async close() {
      peer.close();
      await peer.closed;
    },
  };
}
