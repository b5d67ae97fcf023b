/**
 * The "server" of the worker rows: a worker thread started by the client
 * process (contenders/worker.ts), serving the bench over its port to the
 * parent. `workerData.row` picks what serves:
 *
 * - `worker+msgpack`: Sparrow (`serveParent`) with the generated `Bench`
 *   service, as the TCP rows serve it, plus `cpu` for the pool row;
 * - `raw-port`: bare `postMessage` answers to plain-object requests, the
 *   least a port can do (the limit);
 * - `comlink`: the same functions exposed with Comlink over its Node adapter.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveParent } from '../../runtime/node.ts';
import { importPeerDependency } from '../lib/peer-deps.ts';
import { createBenchRegistry } from './sparrow-adapter.ts';
import { createImplementation } from './sparrow.ts';
import { spin, type ComlinkModule, type NodeAdapterModule, type RawRequest, type RawReply, type WorkerRow } from './worker-protocol.ts';

const row = (workerData as { row: WorkerRow }).row;
const port = parentPort!;
const implementation = createImplementation();

if (row === 'worker+msgpack') {
  const registry = createBenchRegistry(implementation);
  registry.export('cpu', ({ rounds }) => spin(rounds as number), { namespace: 'Bench' });
  serveParent({ registry, serialiser: 'm' });
} else if (row === 'raw-port') {
  let echoes = 0;
  const echoWaiters = new Map<number, (value: number) => void>();
  const reply = (message: RawReply): void => port.postMessage(message);
  port.on('message', (data: RawRequest | RawReply) => {
    if (!('op' in data)) {
      // The parent's answer to one of our echo calls.
      if ('r' in data) echoWaiters.get(data.id)?.(data.r as number);
      echoWaiters.delete(data.id);
      return;
    }
    const message = data;
    const { id } = message;
    switch (message.op) {
      case 'add':
        return reply({ id, r: implementation.add(message.a, message.b) });
      case 'blob':
        return reply({ id, r: implementation.blob(message.size) });
      case 'stream':
        for (const item of implementation.stream(message.n) as Iterable<unknown>) port.postMessage({ id, item });
        return reply({ id, r: message.n });
      case 'echo':
        return;
      case 'callbacks':
        void implementation
          .callbacks(message.n, message.maxMs, (i) => {
            const echoId = --echoes;
            port.postMessage({ op: 'echo', id: echoId, i });
            return new Promise<number>((resolve) => echoWaiters.set(echoId, resolve));
          })
          .then((done) => reply({ id, r: done }));
    }
  });
  port.postMessage({ ready: true });
} else {
  const comlink = await importPeerDependency<ComlinkModule>('comlink');
  const { default: nodeEndpoint } = await importPeerDependency<NodeAdapterModule>('comlink/dist/esm/node-adapter.mjs');
  comlink.expose(
    {
      add: (a: number, b: number) => implementation.add(a, b),
      blob: (size: number) => implementation.blob(size),
      // Comlink has no streams: the items go to a proxied callback, one call each. The proxy has a
      // port of its own, so the answer waits for every item's acknowledgement to stay behind them.
      async stream(n: number, onItem: (item: unknown) => Promise<void>) {
        const delivered: Promise<void>[] = [];
        for (const item of implementation.stream(n) as Iterable<unknown>) delivered.push(onItem(item));
        await Promise.all(delivered);
        return n;
      },
      callbacks: (n: number, maxMs: number, echo: (i: number) => Promise<number>) => implementation.callbacks(n, maxMs, echo),
    },
    nodeEndpoint(port),
  );
}
