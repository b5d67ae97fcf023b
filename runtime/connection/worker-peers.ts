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
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCode, SparrowError } from '../errors.ts';
import { ALL_PEER_FEATURES, setDefaultPeerFeatures, type Peer } from '../rpc/peer.ts';
import { acceptMessagePort, connectMessagePort, type ConnectMessagePortOptions } from '../transport/message-port.ts';
import { openPeer, checkSerialiser, type OpenPeerOptions } from './open-peer.ts';

// On Node every peer has every part: a worker answers whatever its parent calls, and back.
setDefaultPeerFeatures(ALL_PEER_FEATURES);

/** Options of {@link spawnWorkerPeer}: the peer's, the worker's and the start-up limits. */
export interface SpawnWorkerPeerOptions extends OpenPeerOptions {
  /**
   * Passed to `new Worker(url, worker)`: `workerData`, `env`,
   * `resourceLimits`, and `execArgv` — a worker written in TypeScript needs
   * a loader, e.g. `{ execArgv: ['--import', 'tsx'] }`.
   */
  worker?: WorkerOptions;
  /** `connection-failed` when the worker has not called `serveParent` within this many ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Abort starting (the worker is terminated). */
  signal?: AbortSignal;
  /** Chains of at least this many bytes are transferred rather than cloned (default 16 KiB; see transport/message-port.ts). */
  transferThreshold?: number;
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
  const worker = new Worker(url, options.worker);
  // Failures reach the peer through the transport; without a listener of its own an
  // 'error' after the peer closed would be thrown in this thread.
  worker.on('error', () => {});
  const connectOptions: ConnectMessagePortOptions = { scheme: 'worker', remote: `worker ${worker.threadId} (${String(url)})` };
  if (options.connectTimeoutMs !== undefined) connectOptions.timeoutMs = options.connectTimeoutMs;
  if (options.signal !== undefined) connectOptions.signal = options.signal;
  if (options.transferThreshold !== undefined) connectOptions.transferThreshold = options.transferThreshold;
  let peer: Peer;
  try {
    const transport = await connectMessagePort(worker, connectOptions);
    peer = openPeer(transport, options);
  } catch (error) {
    void worker.terminate();
    throw error;
  }
  try {
    // Both ends are Sparrow: learning the features now paces streams by credit from the first call.
    await peer.remoteFeatures();
  } catch (error) {
    peer.close();
    throw new SparrowError(ErrorCode.ConnectionFailed, `${peer.remote} did not answer #sys.features`, { cause: error });
  }
  // However the peer ends, the thread ends with it (it may hold handles of its own).
  void peer.closed.then(() => worker.terminate());
  Object.defineProperty(peer, 'worker', { value: worker, enumerable: true });
  return peer as WorkerPeer;
}

/** Options of {@link serveParent}: the peer's, plus the transfer threshold. */
export interface ServeParentOptions extends OpenPeerOptions {
  /** Chains of at least this many bytes are transferred rather than cloned (default 16 KiB). */
  transferThreshold?: number;
}

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
  const transportOptions = options.transferThreshold === undefined ? { scheme: 'worker', remote: 'parent' } : { scheme: 'worker', remote: 'parent', transferThreshold: options.transferThreshold };
  const peer = openPeer(acceptMessagePort(parentPort, transportOptions), options);
  // Both ends are Sparrow: learning the parent's features at once lets this side cancel what it
  // stops early (a subscription left with `break`) and pace its streams by credit.
  void peer.remoteFeatures();
  return peer;
}
