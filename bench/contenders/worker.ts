/**
 * The worker rows: the server is a worker thread that the client process
 * starts (worker-server.ts), so every call crosses a MessagePort instead of
 * a socket. The driver's server process has nothing to serve: it idles,
 * and the worker's memory shows in the client's RSS column.
 *
 * - `worker+msgpack`: Sparrow's `spawnWorkerPeer` and the generated client;
 * - `raw-port`: bare `postMessage` of plain objects, answered by id (the limit);
 * - `comlink`: Comlink 4 with its Node adapter; its stream is a proxied
 *   callback per item, since Comlink has no streams.
 */
import { Worker } from 'node:worker_threads';
import { spawnWorkerPeer } from '../../runtime/node.ts';
import { importPeerDependency } from '../lib/peer-deps.ts';
import type { BenchClient, Contender } from '../lib/types.ts';
import { benchRemoteOver } from './sparrow-adapter.ts';
import { benchClientOf } from './sparrow.ts';
import type { ComlinkModule, NodeAdapterModule, RawReply, RawRequest, WorkerRow } from './worker-protocol.ts';

const BOOTSTRAP = new URL('../lib/ts-worker.mjs', import.meta.url);
const ENTRY = new URL('./worker-server.ts', import.meta.url).href;

/** How a worker of a bench row starts: the runtime's sources, the type-stripping hooks registered inside it. */
export function benchWorkerOptions(row: WorkerRow): { execArgv: string[]; workerData: { entry: string; row: WorkerRow } } {
  return { execArgv: ['--conditions=source'], workerData: { entry: ENTRY, row } };
}

/** A worker row. */
export function createWorkerContender(row: WorkerRow): Contender {
  return {
    // Nothing to serve from the server process: the client starts its own worker.
    startServer: async () => ({ address: 'worker:', close: async () => {} }),
    // Every connect starts a worker of its own: 500 connections would be 500 threads, not one server's load.
    sharedServer: false,
    connect: () => (row === 'worker+msgpack' ? connectSparrow() : row === 'raw-port' ? connectRaw() : connectComlink()),
  };
}

async function connectSparrow(): Promise<BenchClient> {
  const peer = await spawnWorkerPeer(BOOTSTRAP, { serialiser: 'm', connectTimeoutMs: 30_000, worker: benchWorkerOptions('worker+msgpack') });
  return benchClientOf(benchRemoteOver(peer, (i) => i));
}

/** Starts a worker and resolves once it posted `{ ready: true }`. */
function startRawWorker(): Promise<Worker> {
  const worker = new Worker(BOOTSTRAP, benchWorkerOptions('raw-port'));
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve(worker));
  });
}

async function connectRaw(): Promise<BenchClient> {
  const worker = await startRawWorker();
  let nextId = 0;
  const waiting = new Map<number, { resolve(value: unknown): void; item?(item: unknown): void }>();
  worker.on('message', (message: RawReply | RawRequest) => {
    if ('op' in message) {
      // The worker's echo call (callback scenario): answer at once.
      if (message.op === 'echo') worker.postMessage({ id: message.id, r: message.i });
      return;
    }
    const call = waiting.get(message.id);
    if ('item' in message) return call?.item?.(message.item);
    waiting.delete(message.id);
    call?.resolve(message.r);
  });
  const request = <T>(body: Record<string, unknown>, item?: (item: unknown) => void): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      waiting.set(id, item === undefined ? { resolve: resolve as (value: unknown) => void } : { resolve: resolve as (value: unknown) => void, item });
      worker.postMessage({ ...body, id });
    });
  return {
    add: (a, b) => request<number>({ op: 'add', a, b }),
    blob: (size) => request<Uint8Array>({ op: 'blob', size }),
    async stream(n) {
      let count = 0;
      await request({ op: 'stream', n }, () => void count++);
      return count;
    },
    callbacks: (n, maxMs) => request<number>({ op: 'callbacks', n, maxMs }),
    close: async () => void (await worker.terminate()),
  };
}

/** The worker's functions as Comlink's proxy shows them (every call answers with a promise). */
interface ComlinkBench {
  add(a: number, b: number): Promise<number>;
  blob(size: number): Promise<Uint8Array>;
  stream(n: number, onItem: (item: unknown) => void): Promise<number>;
  callbacks(n: number, maxMs: number, echo: (i: number) => number): Promise<number>;
}

async function connectComlink(): Promise<BenchClient> {
  const comlink = await importPeerDependency<ComlinkModule>('comlink');
  const { default: nodeEndpoint } = await importPeerDependency<NodeAdapterModule>('comlink/dist/esm/node-adapter.mjs');
  const worker = new Worker(BOOTSTRAP, benchWorkerOptions('comlink'));
  const remote = comlink.wrap<ComlinkBench>(nodeEndpoint(worker));
  const echo = comlink.proxy((i: number) => i);
  return {
    add: (a, b) => remote.add(a, b),
    blob: (size) => remote.blob(size),
    async stream(n) {
      let count = 0;
      await remote.stream(
        n,
        comlink.proxy(() => void count++),
      );
      return count;
    },
    callbacks: (n, maxMs) => remote.callbacks(n, maxMs, echo),
    close: async () => void (await worker.terminate()),
  };
}
