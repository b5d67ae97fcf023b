/**
 * The one place where the bench meets Sparrow's API: it serves the bench
 * schema's `Bench` service and connects clients that call it, with the
 * client exporting `BenchClient` for the server's callbacks.
 *
 * It uses the code `sparrowc gen` wrote from `schemas/bench.sparrow` into
 * `generated/` (`createBenchClient`, `registerBench`, `registerBenchClient`),
 * with validation on, as users run it. `SPARROW_BENCH_API` picks another
 * wiring, for comparisons only: `novalidate` = the generated code with
 * `validate: false` on both sides; `schemaless` = the plain peer API
 * (`peer.call`, `registry.export`).
 *
 * Everything else in the Sparrow contender (what the server does, what the
 * client measures) lives in `sparrow.ts` and only sees the two functions
 * below.
 */

// Relative paths rather than `sparrow-rpc/node`: bench/ has its own
// package.json, which hides the root package from Node's self-reference
// (hence also `sparrowc gen --runtime-import ../../runtime/index.ts`, see README).
import { connect, createMessageLink, createPeer, createRegistry, listen, type Peer, type Registry, type SerialiserCode } from '../../runtime/node.ts';
import { createBenchClient, createBenchClientClient, registerBench, registerBenchClient } from '../generated/index.ts';

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
export const SERIALISER_CODES: Record<SerialiserName, SerialiserCode> = { msgpack: 'm', json: 'j', cbor: 'c' };
/** The bench schema's wire namespaces: a service's name unless `@namespace` says otherwise. */
const BENCH = { namespace: 'Bench' } as const;
const BENCH_CLIENT = { namespace: 'BenchClient' } as const;

/** How the Sparrow rows reach Sparrow's API (env `SPARROW_BENCH_API`). */
type Api = 'generated' | 'novalidate' | 'schemaless';
const API: Api = ((): Api => {
  const value = process.env['SPARROW_BENCH_API'] ?? 'generated';
  if (value !== 'generated' && value !== 'novalidate' && value !== 'schemaless') {
    throw new Error(`SPARROW_BENCH_API must be generated, novalidate or schemaless (got ${value})`);
  }
  return value;
})();
/** Client and registration options of the generated code. */
const GENERATED_OPTIONS = { validate: API !== 'novalidate' } as const;

/** The `Bench` service over `implementation`, as a registry every peer of a server shares. */
export function createBenchRegistry(implementation: BenchImplementation): Registry {
  const registry = createRegistry();
  if (API === 'schemaless') {
    registry.export('add', ({ a, b }) => implementation.add(a as number, b as number), BENCH);
    registry.export('blob', ({ size }) => implementation.blob(size as number), BENCH);
    registry.export('stream', ({ n }) => implementation.stream(n as number), { ...BENCH, multipart: true });
    registry.export(
      'callbacks',
      ({ n, max_ms }, ctx) => implementation.callbacks(n as number, max_ms as number, (i) => ctx.peer.call<number>('echo', { i }, BENCH_CLIENT)),
      BENCH,
    );
  } else {
    registerBench(
      registry,
      {
        add: ({ a, b }) => implementation.add(a, b),
        blob: ({ size }) => implementation.blob(size),
        stream: ({ n }) => implementation.stream(n),
        callbacks({ n, maxMs }, ctx) {
          // A generated client of the caller's BenchClient, as a handler would make one.
          const caller = createBenchClientClient(ctx.peer, GENERATED_OPTIONS);
          return implementation.callbacks(n, maxMs, (i) => caller.echo({ i }));
        },
      },
      GENERATED_OPTIONS,
    );
  }
  return registry;
}

/**
 * Serves `implementation` on `url` (`tcp://127.0.0.1:0`, `unix:///…`,
 * `ws://127.0.0.1:0/`); every accepted connection gets its own peer, all
 * sharing one registry.
 */
export async function serveBench(url: string, serialiser: SerialiserName, implementation: BenchImplementation): Promise<BenchListener> {
  const registry = createBenchRegistry(implementation);
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
  // What a real client does once after connecting: learn whether the server
  // takes `cancel` and `credit`; from then on streams are flow-controlled.
  await peer.remoteFeatures();
  return benchRemoteOver(peer, echo);
}

/** The `Bench` service through `peer` (connected, features known), exporting `BenchClient.echo` on it. */
export function benchRemoteOver(peer: Peer, echo: (i: number) => number): BenchRemote {
  const close = async (): Promise<void> => {
    peer.close();
    await peer.closed;
  };
  if (API === 'schemaless') {
    peer.export('echo', ({ i }) => echo(i as number), BENCH_CLIENT);
    return {
      add: (a, b) => peer.call<number>('add', { a, b }, BENCH),
      blob: (size) => peer.call<Uint8Array>('blob', { size }, BENCH),
      stream: (n) => peer.callStream<Item>('stream', { n }, BENCH),
      callbacks: (n, maxMs) => peer.call<number>('callbacks', { n, max_ms: maxMs }, BENCH),
      close,
    };
  }
  registerBenchClient(peer, { echo: ({ i }) => echo(i) }, GENERATED_OPTIONS);
  const bench = createBenchClient(peer, GENERATED_OPTIONS);
  return {
    add: (a, b) => bench.add({ a, b }),
    blob: (size) => bench.blob({ size }),
    stream: (n) => bench.stream({ n }),
    callbacks: (n, maxMs) => bench.callbacks({ n, maxMs }),
    close,
  };
}
