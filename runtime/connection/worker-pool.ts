/**
 * A pool of worker peers (spawnWorkerPeer) running the same entry: `pick()`
 * hands out the worker with the fewest pending requests, so calls spread
 * over every core. A stream, an iterable param or a call with callbacks is
 * one call on the peer it was made on, so it stays on that worker.
 *
 * A worker that dies fails only its own calls (`connection-closed`) and is
 * replaced by a fresh one; calls picked after that go to the survivors and
 * then to the replacement.
 */
import { availableParallelism } from 'node:os';
import { ErrorCode, SparrowError } from '../errors.ts';
import { spawnWorkerPeer, type SpawnWorkerPeerOptions, type WorkerPeer } from './worker-peers.ts';

/** Options of {@link createWorkerPool}: every worker's spawn options, plus the size. */
export interface WorkerPoolOptions extends SpawnWorkerPeerOptions {
  /** How many workers (default `availableParallelism()`). */
  size?: number;
}

/** A running pool. */
export interface WorkerPool {
  /** The number of workers the pool keeps. */
  readonly size: number;
  /** The workers' peers that are open now (fewer than `size` while one is being replaced). */
  readonly peers: readonly WorkerPeer[];
  /**
   * The open peer with the fewest pending requests (ties in turn). Make
   * one call, stream or callback call on it, e.g. through a generated client:
   * `createHashClient(pool.pick()).hash(...)`.
   * @throws SparrowError `connection-closed` when the pool is closed or no worker is open.
   */
  pick(): WorkerPeer;
  /** Closes every peer and resolves once every worker thread has ended. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `size` workers running `url` (each calls `serveParent`) and
 * resolves once all serve.
 *
 * Rejects with `invalid-params` for a size that is not a positive integer,
 * and with the first spawn's failure (`connection-failed`…), after ending
 * the workers that did start.
 */
export async function createWorkerPool(url: URL | string, options: WorkerPoolOptions = {}): Promise<WorkerPool> {
  const { size = availableParallelism(), ...spawnOptions } = options;
  if (!Number.isInteger(size) || size < 1) throw new SparrowError(ErrorCode.InvalidParams, `worker pool size must be a positive integer, got ${size}`);
  const live: WorkerPeer[] = [];
  const starting = new Set<Promise<unknown>>();
  let closing = false;
  let turn = 0;

  const add = (peer: WorkerPeer): void => {
    live.push(peer);
    void peer.closed.then(() => {
      const index = live.indexOf(peer);
      if (index >= 0) live.splice(index, 1);
      // A worker that died is replaced; one closed by close() is not.
      if (!closing) start().catch((error: unknown) => spawnOptions.logger?.warn(`worker pool: a replacement worker failed to start`, error));
    });
  };
  const start = (): Promise<void> => {
    const spawning = spawnWorkerPeer(url, spawnOptions).then((peer) => {
      if (closing) peer.close();
      else add(peer);
    });
    starting.add(spawning);
    void spawning.then(
      () => starting.delete(spawning),
      () => starting.delete(spawning),
    );
    return spawning;
  };

  const close = async (): Promise<void> => {
    closing = true;
    await Promise.allSettled([...starting]);
    const peers = live.splice(0);
    for (const peer of peers) peer.close();
    await Promise.all(peers.map((peer) => peer.worker.terminate()));
  };

  const first = await Promise.allSettled(Array.from({ length: size }, start));
  const failure = first.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) {
    await close();
    throw failure.reason;
  }

  return {
    size,
    get peers() {
      return [...live];
    },
    pick() {
      if (closing || live.length === 0) throw new SparrowError(ErrorCode.ConnectionClosed, closing ? 'the worker pool is closed' : 'no worker of the pool is open');
      let best: WorkerPeer | undefined;
      // Start the scan one further each time, so equal loads take turns.
      const offset = turn++ % live.length;
      for (let k = 0; k < live.length; k++) {
        const peer = live[(offset + k) % live.length]!;
        if (best === undefined || peer.pendingCount < best.pendingCount) best = peer;
      }
      return best!;
    },
    close,
  };
}
