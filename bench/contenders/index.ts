/**
 * Every contender the driver knows, in table order. Each entry loads its
 * module only when a child process asks for it, so the driver itself never
 * touches a peer's dependencies.
 */
import type { Contender } from '../lib/types.ts';
import type { WorkerRow } from './worker-protocol.ts';

/** raw: the yardstick; sparrow: the project, with ratios to raw-tcp; peer: other Node.js RPC systems. */
export type ContenderGroup = 'raw' | 'sparrow' | 'peer';

/** One row of the table. */
export interface ContenderEntry {
  /** The row's name, also what to type on the command line to select it. */
  readonly name: string;
  readonly group: ContenderGroup;
  /** One line for the README and `--help`. */
  readonly notes: string;
  /** Builds the contender (in the child process). */
  load(): Promise<Contender>;
}

const raw = (name: string, scheme: 'tcp' | 'unix' | 'ws', notes: string): ContenderEntry => ({
  name,
  group: 'raw',
  notes,
  load: async () => (await import('./raw.ts')).createRawContender(scheme),
});

const sparrow = (scheme: 'tcp' | 'unix' | 'ws' | 'nats', serialiser: 'msgpack' | 'json' | 'cbor', notes: string): ContenderEntry => ({
  name: `${scheme}+${serialiser}`,
  group: 'sparrow',
  notes,
  load: async () => (await import('./sparrow.ts')).createSparrowContender({ scheme, serialiser }),
});

/** A row whose server is a worker thread of the client process (contenders/worker.ts). */
const worker = (name: WorkerRow, group: ContenderGroup, notes: string): ContenderEntry => ({
  name,
  group,
  notes,
  load: async () => (await import('./worker.ts')).createWorkerContender(name),
});

/** The worker rows, also selectable together as the group `workers`. */
export const WORKER_ROWS: readonly WorkerRow[] = ['raw-port', 'worker+msgpack', 'comlink'];

/** All contenders, in table order. */
export const CONTENDERS: readonly ContenderEntry[] = [
  raw('raw-tcp', 'tcp', 'length-prefixed frames over TCP on 127.0.0.1, no serialisation (the limit)'),
  raw('raw-unix', 'unix', 'the same over a Unix socket'),
  raw('raw-ws', 'ws', 'the same frames as WebSocket messages (ws) on 127.0.0.1: the limit of the ws rows'),
  sparrow('tcp', 'msgpack', 'Sparrow over TCP, msgpack'),
  sparrow('tcp', 'json', 'Sparrow over TCP, JSON envelope (bytes in a msgpack payload, never base64)'),
  sparrow('tcp', 'cbor', 'Sparrow over TCP, CBOR'),
  sparrow('unix', 'msgpack', 'Sparrow over a Unix socket, msgpack'),
  sparrow('ws', 'msgpack', 'Sparrow over a WebSocket (ws) on 127.0.0.1, msgpack'),
  sparrow('nats', 'msgpack', 'Sparrow over a NATS session (a nats-server on 127.0.0.1 in the middle), msgpack'),
  {
    name: 'raw-nats',
    group: 'raw',
    notes: "the NATS client's own request/reply through the same nats-server, raw float64/bytes payloads (the limit of nats+msgpack)",
    load: async () => (await import('./raw-nats.ts')).createRawNatsContender(),
  },
  worker('raw-port', 'raw', 'bare postMessage of plain objects to a worker thread, answered by id (the limit of the worker rows)'),
  worker('worker+msgpack', 'sparrow', 'Sparrow to a worker thread over its MessagePort (spawnWorkerPeer), msgpack'),
  {
    name: 'grpc',
    group: 'peer',
    notes: '@grpc/grpc-js + @grpc/proto-loader, protobuf over HTTP/2 cleartext; no server→client calls',
    load: async () => (await import('./grpc.ts')).createGrpcContender(),
  },
  {
    name: 'vscode-jsonrpc',
    group: 'peer',
    notes: 'JSON-RPC 2.0 over TCP; blob as base64',
    load: async () => (await import('./vscode-jsonrpc.ts')).createJsonRpcContender(),
  },
  {
    name: 'ws+birpc',
    group: 'peer',
    notes: 'birpc over ws, msgpackr binary frames',
    load: async () => (await import('./ws-birpc.ts')).createBirpcContender(),
  },
  {
    name: 'capnweb',
    group: 'peer',
    notes: "Cap'n Web over ws (JSON-based)",
    load: async () => (await import('./capnweb.ts')).createCapnwebContender(),
  },
  worker('comlink', 'peer', 'Comlink 4 to a worker thread (Node adapter); stream as a proxied callback per item'),
];

/** The entry called `name`, or undefined. */
export function findContender(name: string): ContenderEntry | undefined {
  return CONTENDERS.find((entry) => entry.name === name);
}
