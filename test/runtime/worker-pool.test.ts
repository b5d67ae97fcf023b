/**
 * createWorkerPool over real worker_threads (test/fixtures/worker-streams-peer.ts):
 * calls spread over every worker, a killed worker fails only its own calls
 * and is replaced, a topic the parent publishes reaches every worker
 * (replacements too), and close() leaves no thread running.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ErrorCode, createRegistry, createTopic, createWorkerPool, isSparrowError, silentLogger, type WorkerPool, type WorkerPoolOptions } from 'sparrow-rpc/node';
import { createStreamsServerClient } from '../golden/cases/streams/expected/main.ts';
import { eventually } from '../helpers/async-waits.ts';

const FIXTURE = new URL('../fixtures/worker-streams-peer.ts', import.meta.url).href;
/** Node 20: a bootstrap registers tsx in each worker (see worker-peers.test.ts). */
const BOOTSTRAP = new URL('../fixtures/tsx-worker.mjs', import.meta.url);
const TIMEOUT = { timeout: 60_000 };

function pool(options: WorkerPoolOptions = {}): Promise<WorkerPool> {
  return createWorkerPool(BOOTSTRAP, {
    logger: silentLogger,
    connectTimeoutMs: 30_000,
    ...options,
    worker: { execArgv: ['--conditions=source'], workerData: { entry: FIXTURE } },
  });
}

let tokens = 0;
const token = (): string => `p${process.pid}-${++tokens}`;

describe('createWorkerPool', () => {
  it('spreads concurrent calls over every worker, least-pending first', TIMEOUT, async () => {
    const workers = await pool({ size: 3 });
    try {
      const threads = await Promise.all(Array.from({ length: 30 }, () => workers.pick().call<number>('test.thread')));
      const counts = new Map<number, number>();
      for (const thread of threads) counts.set(thread, (counts.get(thread) ?? 0) + 1);
      assert.deepEqual(new Set(counts.keys()), new Set(workers.peers.map((peer) => peer.worker.threadId)));
      assert.deepEqual([...counts.values()], [10, 10, 10], 'equal loads take turns');
    } finally {
      await workers.close();
    }
  });

  it('a killed worker fails only its own calls and is replaced; later calls succeed', TIMEOUT, async () => {
    const workers = await pool({ size: 2 });
    try {
      const [first, second] = [workers.pick(), workers.pick()];
      assert.notEqual(first, second, 'the second pick goes to the idle worker');
      const doomedId = token();
      const survivorId = token();
      const controller = new AbortController();
      const doomed = createStreamsServerClient(first).wait({ token: doomedId });
      const survivor = createStreamsServerClient(second).wait({ token: survivorId }, { signal: controller.signal });
      await eventually(async () => (await createStreamsServerClient(second).probe({ token: survivorId })).includes('started'), 'the survivor call runs');
      const killedThread = first.worker.threadId;
      void first.call('test.crash').catch(() => {});
      await assert.rejects(doomed, (error) => isSparrowError(error, ErrorCode.ConnectionClosed));
      // The other worker's call is untouched: still running, and it answers its own cancellation.
      assert.deepEqual(await createStreamsServerClient(second).probe({ token: survivorId }), ['started']);
      controller.abort();
      await assert.rejects(survivor, (error) => isSparrowError(error, ErrorCode.Aborted));
      await eventually(() => workers.peers.length === 2, 'the replacement serves', 30_000);
      const threads = workers.peers.map((peer) => peer.worker.threadId);
      assert.ok(!threads.includes(killedThread), 'the dead worker is gone');
      const answered = await Promise.all(Array.from({ length: 4 }, () => workers.pick().call<number>('test.thread')));
      assert.deepEqual(new Set(answered), new Set(threads), 'calls after the replacement reach both workers');
    } finally {
      await workers.close();
    }
  });

  it("a topic the parent publishes reaches every worker's subscriber, a replacement worker's too", TIMEOUT, async () => {
    // The pool's registry is every worker peer's: a topic exported on it fans out across the pool.
    const registry = createRegistry();
    const news = createTopic<number>();
    registry.export('parent.news', news.handler, { multipart: true });
    const workers = await pool({ size: 3, registry });
    try {
      const collectFromEach = async (values: number[]): Promise<unknown[][]> => {
        const collecting = workers.peers.map((peer) => peer.call<unknown[]>('test.collect', { topic: 'parent.news', count: values.length }));
        await eventually(() => news.subscriberCount === workers.peers.length, 'every worker subscribed');
        for (const value of values) news.publish(value);
        return Promise.all(collecting);
      };
      assert.deepEqual(await collectFromEach([1, 2, 3]), [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);

      const killed = workers.peers[0]!;
      void killed.call('test.crash').catch(() => {});
      await killed.closed;
      await eventually(() => workers.peers.length === 3 && !workers.peers.includes(killed), 'the replacement serves', 30_000);
      await eventually(() => news.subscriberCount === 0, 'the finished subscriptions ended');
      assert.deepEqual(await collectFromEach([4, 5]), [[4, 5], [4, 5], [4, 5]]);
    } finally {
      await workers.close();
      news.close();
    }
  });

  it('defaults to availableParallelism() workers and closes cleanly, leaving no thread running', TIMEOUT, async () => {
    const workers = await pool();
    assert.equal(workers.size, availableParallelism());
    assert.equal(workers.peers.length, availableParallelism());
    const peers = workers.peers;
    await workers.close();
    // A worker's threadId becomes -1 once its thread has ended.
    assert.deepEqual(peers.map((peer) => peer.worker.threadId), peers.map(() => -1));
    assert.ok(peers.every((peer) => peer.isClosed));
    assert.throws(() => workers.pick(), (error) => isSparrowError(error, ErrorCode.ConnectionClosed));
    await workers.close();
  });

  it('rejects a size that is not a positive integer', async () => {
    await assert.rejects(pool({ size: 0 }), (error) => isSparrowError(error, ErrorCode.InvalidParams));
  });
});
