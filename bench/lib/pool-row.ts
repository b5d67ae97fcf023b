/**
 * The worker pool row: CPU-bound calls (`cpu`, xorshift steps in the
 * worker) through `createWorkerPool` of size 1 and of size 2, each kept
 * busy with 4 calls in flight per worker for a fixed time. The speedup is
 * size 2's calls/s over size 1's, from the same round. It runs in the
 * driver's process, which only waits while the workers compute.
 */
import { createWorkerPool } from '../../runtime/node.ts';
import { benchWorkerOptions } from '../contenders/worker.ts';
import { median } from './stats.ts';

const BOOTSTRAP = new URL('./ts-worker.mjs', import.meta.url);
/** Steps per call: a few ms of work, far above one call's overhead (~0.1 ms). */
export const POOL_ROUNDS = 4_000_000;
const IN_FLIGHT_PER_WORKER = 4;

/** One round: CPU-bound calls/s with a pool of each size. */
export interface PoolRound {
  callsPerSecond: Record<number, number>;
}

async function measure(size: number, ms: number): Promise<number> {
  const pool = await createWorkerPool(BOOTSTRAP, { size, serialiser: 'm', connectTimeoutMs: 30_000, worker: benchWorkerOptions('worker+msgpack') });
  try {
    const call = (): Promise<unknown> => pool.pick().call('cpu', { rounds: POOL_ROUNDS }, { namespace: 'Bench' });
    // Warm-up: every worker compiles the loop.
    await Promise.all(Array.from({ length: size * IN_FLIGHT_PER_WORKER }, call));
    let done = 0;
    const start = performance.now();
    const end = start + ms;
    const lane = async (): Promise<void> => {
      while (performance.now() < end) {
        await call();
        done++;
      }
    };
    await Promise.all(Array.from({ length: size * IN_FLIGHT_PER_WORKER }, lane));
    return (done / (performance.now() - start)) * 1e3;
  } finally {
    await pool.close();
  }
}

/** Measures sizes 1 and 2, `ms` each. */
export async function runPoolRound(ms: number): Promise<PoolRound> {
  return { callsPerSecond: { 1: await measure(1, ms), 2: await measure(2, ms) } };
}

/** The median calls/s per size over rounds, and the speedup of size 2 over size 1. */
export function aggregatePool(rounds: readonly PoolRound[]): { size1: number; size2: number; speedup: number } {
  const size1 = median(rounds.map((round) => round.callsPerSecond[1]!));
  const size2 = median(rounds.map((round) => round.callsPerSecond[2]!));
  return { size1, size2, speedup: size2 / size1 };
}
