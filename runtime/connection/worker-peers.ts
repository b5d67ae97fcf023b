/**
 * Peers between a Node thread and the `worker_threads` workers it starts,
 * over the MessagePort transport (transport/message-port.ts): the parent
 * calls {@link spawnWorkerPeer}, the worker calls {@link serveParent}. Each
 * gets a normal full peer: generated clients and `register…` functions work
 * unchanged on both ends, in both directions.
 *
 * Failures are typed. A worker that throws before it serves, exits or never
 * calls `serveParent` within `connectTimeoutMs` fails the spawn with
 * `connection-failed`. Once it serves, an uncaught throw in the worker, its
 * exit or `terminate()` closes the peer at once: every pending call, stream
 * and callback fails with `connection-closed`.
 */
// Node only: Node's platform (every serialiser by default), as the Node entry installs it.
import '../platform/node.ts';
// On Node every peer has every part (a worker answers whatever its parent calls, and back), every link its budgets.
import './node-parts.ts';
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Peer } from '../rpc/peer.ts';
import { checkSerialiser } from './open-peer.ts';
import { connectPortPeer, servePort, type ConnectPortPeerOptions, type ServePortOptions } from './port-peers.ts';


/** Options of {@link spawnWorkerPeer}: a port peer's (`connectTimeoutMs`, `signal`, `transferThreshold`…), plus the worker's. */
export interface SpawnWorkerPeerOptions extends Omit<ConnectPortPeerOptions, 'scheme' | 'remote'> {
  /**
   * Passed to `new Worker(url, worker)`: `workerData`, `env`,
   * `resourceLimits`, and `execArgv` — a worker written in TypeScript needs
   * a loader, e.g. `{ execArgv: ['--import', 'tsx'] }`.
   */
  worker?: WorkerOptions;
}

/** The parent's peer of one worker; closing it terminates the worker. */
export interface WorkerPeer extends Peer {
  /** The worker thread (`threadId`, `terminate()`…). */
  readonly worker: Worker;
}

/**
 * Starts a worker thread running `url` (which must call {@link serveParent})
 * and returns the peer talking to it, once it has answered `#sys.features`
 * (so streams are paced by credit from the first call). Closing the peer
 * terminates the worker.
 *
 * Rejects with `connection-failed` when the worker cannot start, throws or
 * exits before it serves, or does not serve within `connectTimeoutMs`;
 * `aborted` when `signal` fires; and the errors of `openPeer` for bad
 * options (`invalid-params`, `unsupported`). The worker is terminated in
 * every one of these cases.
 */
export async function spawnWorkerPeer(url: URL | string, options: SpawnWorkerPeerOptions = {}): Promise<WorkerPeer> {
  checkSerialiser(options);
  const { worker: workerOptions, ...peerOptions } = options;
  const worker = new Worker(url, workerOptions);
  // Failures reach the peer through the transport; without a listener of its own an
  // 'error' after the peer closed would be thrown in this thread.
  worker.on('error', () => {});
  let peer: Peer;
  try {
    peer = await connectPortPeer(worker, { scheme: 'worker', remote: `worker ${worker.threadId} (${String(url)})`, ...peerOptions });
  } catch (error) {
    void worker.terminate();
    throw error;
  }
  // However the peer ends, the thread ends with it (it may hold handles of its own).
  void peer.closed.then(() => worker.terminate());
  Object.defineProperty(peer, 'worker', { value: worker, enumerable: true });
  return peer as WorkerPeer;
}

/** Options of {@link serveParent}: a served port peer's (the peer's, plus `transferThreshold`). */
export type ServeParentOptions = Omit<ServePortOptions, 'scheme' | 'remote'>;

/**
 * In a worker thread: the peer talking to the parent that spawned it with
 * {@link spawnWorkerPeer}. Export services on it (or pass a `registry`) and
 * call the parent back through it. Call it once, early: the parent's spawn
 * waits for it. When the parent closes, the peer closes and stops listening,
 * so the worker can end once nothing else keeps it alive.
 * @throws SparrowError `invalid-state` outside a worker thread; the errors of
 *   `openPeer` for bad options.
 */
export function serveParent(options: ServeParentOptions = {}): Peer {
  if (parentPort === null) throw new SparrowError(ErrorCode.InvalidState, 'serveParent() runs only inside a worker thread');
  return servePort(parentPort, { scheme: 'worker', remote: 'parent', ...options });
}
