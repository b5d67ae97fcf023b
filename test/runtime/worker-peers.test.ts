/**
 * spawnWorkerPeer / serveParent over real worker_threads: the generated
 * `StreamsServer` in the worker (test/fixtures/worker-streams-peer.ts), the
 * generated `StreamsClient` on the parent, called both ways with every
 * kind of member, in each of the three serialisers; then the failures:
 * a worker that dies mid-call fails everything pending with
 * `connection-closed`, one that never serves fails the spawn with
 * `connection-failed`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_STREAM_WINDOW,
  ErrorCode,
  isSparrowError,
  serveParent,
  silentLogger,
  spawnWorkerPeer,
  type SerialiserCode,
  type SpawnWorkerPeerOptions,
  type WorkerPeer,
} from 'sparrow-rpc/node';
import { StoppedAt, createStreamsServerClient } from '../golden/cases/streams/expected/main.ts';
import { eventually, sleep, take } from '../helpers/async-waits.ts';
import { assertSameBytes, bytePattern } from '../helpers/byte-pattern.ts';
import { registerClientSide } from '../helpers/generated-streams.ts';

const FIXTURE = new URL('../fixtures/worker-streams-peer.ts', import.meta.url).href;
/**
 * How a TypeScript worker runs on Node 20: `--conditions=source` in its
 * execArgv (the runtime's sources), and a bootstrap that registers tsx in
 * the worker before it loads the entry (tsx's `--import` hook skips worker
 * threads on Node 20).
 */
const BOOTSTRAP = new URL('../fixtures/tsx-worker.mjs', import.meta.url);
const EXEC_ARGV = ['--conditions=source'];
const TIMEOUT = { timeout: 60_000 };
const MIB = 1024 * 1024;

function spawn(workerData: Record<string, unknown> = {}, options: SpawnWorkerPeerOptions = {}): Promise<WorkerPeer> {
  return spawnWorkerPeer(BOOTSTRAP, { logger: silentLogger, connectTimeoutMs: 30_000, ...options, worker: { execArgv: EXEC_ARGV, workerData: { entry: FIXTURE, ...workerData } } });
}

const closed = (error: unknown): boolean => isSparrowError(error, ErrorCode.ConnectionClosed);
const failed = (error: unknown): boolean => isSparrowError(error, ErrorCode.ConnectionFailed);

/** Resolves with the worker's exit code once its thread has ended. */
function exited(peer: WorkerPeer): Promise<number> {
  return new Promise((resolve) => peer.worker.once('exit', resolve));
}

let tokens = 0;
const token = (): string => `w${process.pid}-${++tokens}`;

describe('worker peers: everything over worker_threads', () => {
  for (const serialiser of ['j', 'm', 'c'] as SerialiserCode[]) {
    it(`serialiser ${serialiser}: calls both ways, stream with credit, iterable param, callbacks, cancellation, typed error, topic, bytes`, TIMEOUT, async () => {
      const peer = await spawn({ serialiser }, { serialiser });
      registerClientSide(peer);
      const api = createStreamsServerClient(peer);
      try {
        // Parent → worker → parent → …: each handler calls back while its own call is pending.
        assert.equal(await api.nested({ depth: 5 }), 5);
        assert.equal(peer.format.serialiser, serialiser);

        // A stream held to window + consumed by a consumer that reads slowly.
        const id = token();
        let consumed = 0;
        for await (const n of api.count({ n: 1_000_000, token: id })) {
          assert.equal(n, consumed);
          if (++consumed === 40) break;
          await sleep(2);
        }
        const produced = Number(await api.produced({ token: id }));
        assert.ok(produced >= consumed && produced <= DEFAULT_STREAM_WINDOW + consumed + 2, `produced ${produced}, consumed ${consumed}`);
        await eventually(async () => (await api.probe({ token: id })).includes('finally'), 'the producer stopped');

        // Iterable params, sync and async.
        async function* later(): AsyncGenerator<number> {
          for (let i = 1; i <= 20; i++) {
            if (i % 5 === 0) await sleep(1);
            yield i;
          }
        }
        assert.equal(await api.sum({ nums: [1, 2, 3] }), 6n);
        assert.equal(await api.sum({ nums: later() }), 210n);

        // Callbacks of both kinds.
        const seen: number[] = [];
        assert.equal(await api.withProgress({ n: 4, progress: ({ i }) => void seen.push(i) }), 4);
        assert.deepEqual(seen, [0, 1, 2, 3]);
        assert.equal(await api.withRequestCb({ n: 4, ask: async ({ i }) => i * 10 }), 60);

        // Cancellation reaches the worker's handler.
        const waitId = token();
        const controller = new AbortController();
        const call = api.wait({ token: waitId }, { signal: controller.signal });
        await eventually(async () => (await api.probe({ token: waitId })).includes('started'), 'the handler started');
        controller.abort();
        await assert.rejects(call, (error) => isSparrowError(error, ErrorCode.Aborted));
        await eventually(async () => (await api.probe({ token: waitId })).includes('aborted'), 'ctx.signal aborted in the worker');

        // A typed error after the items before it.
        const items: number[] = [];
        await assert.rejects(
          (async () => {
            for await (const n of api.failAfter({ n: 3 })) items.push(n);
          })(),
          (error) => error instanceof StoppedAt && error.fields.after === 3,
        );
        assert.deepEqual(items, [0, 1, 2]);

        // A topic the worker publishes reaches the parent's subscriber, in order.
        const room = token();
        const news: number[] = [];
        const unsubscribe = api.news.subscribe((value) => {
          if (value.room === room) news.push(value.seq);
        });
        await eventually(async () => (await api.subscribers()) === 1, 'the subscription reached the worker');
        assert.equal(await api.broadcast({ room, from: 1, to: 5 }), 5);
        await eventually(() => news.length === 5, 'five values');
        assert.deepEqual(news, [1, 2, 3, 4, 5]);
        unsubscribe();

        // Bytes, large ones transferred: the caller's own array stays usable (never detached).
        const big = bytePattern(4 * MIB, 3);
        assertSameBytes(await api.echo({ data: big }), bytePattern(4 * MIB, 3), 'a 4 MiB echo');
        assert.equal(big.byteLength, 4 * MIB, 'the parameter was not transferred away');
        assertSameBytes(await api.makeBlob({ size: MIB, seed: 5 }), bytePattern(MIB, 5), 'a 1 MiB result');
        const parts: Uint8Array[] = [];
        for await (const part of api.blobParts({ sizes: [0, 1, 64 * 1024] })) parts.push(part);
        parts.forEach((part, k) => assertSameBytes(part, bytePattern([0, 1, 64 * 1024][k]!, k + 1), `stream item ${k}`));
        let got: Uint8Array | undefined;
        assert.equal(await api.bytesCallback({ size: 64 * 1024, sink: ({ data }) => ((got = data), data.byteLength) }), 64 * 1024);
        assertSameBytes(got!, bytePattern(64 * 1024, 7), 'a callback param');
      } finally {
        const exit = exited(peer);
        peer.close();
        await peer.closed;
        await exit;
      }
    });
  }

  it('closing the parent peer ends the worker thread', TIMEOUT, async () => {
    const peer = await spawn();
    const api = createStreamsServerClient(peer);
    assert.equal(await api.nested({ depth: 0 }), 0);
    const exit = exited(peer);
    peer.close();
    await exit;
    await assert.rejects(api.nested({ depth: 0 }), closed);
  });
});

describe('worker peers: failures are typed', () => {
  /** Starts a call, a stream and a callback call that all stay pending, then kills the worker with `kill`. */
  async function pendingThenKilled(kill: (peer: WorkerPeer) => void): Promise<void> {
    const peer = await spawn();
    registerClientSide(peer);
    const api = createStreamsServerClient(peer);
    const waitId = token();
    const call = api.wait({ token: waitId });
    await eventually(async () => (await api.probe({ token: waitId })).includes('started'), 'the call is running');
    const stream = api.endless({ token: token() })[Symbol.asyncIterator]();
    assert.deepEqual(await take(stream, 2), [0, 1]);
    // A callback the parent never answers: the worker's handler waits on it.
    let asked!: () => void;
    const askedOnce = new Promise<void>((resolve) => (asked = resolve));
    const withCallback = api.withRequestCb({ n: 1, ask: () => (asked(), new Promise<number>(() => {})) });
    await askedOnce;
    const outcomes = Promise.allSettled([call, withCallback, (async () => { for (;;) await stream.next(); })()]);
    const exit = exited(peer);
    kill(peer);
    const settled = await outcomes;
    for (const outcome of settled) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(closed(outcome.reason), String(outcome.reason));
    }
    await peer.closed;
    assert.equal(peer.isClosed, true);
    await exit;
    await assert.rejects(api.nested({ depth: 0 }), closed);
  }

  it('a top-level throw in the worker mid-call fails every pending call, stream and callback with connection-closed', TIMEOUT, () =>
    pendingThenKilled((peer) => void peer.call('test.crash').catch(() => {})),
  );

  it('a worker that exits mid-call fails everything pending with connection-closed', TIMEOUT, () =>
    pendingThenKilled((peer) => void peer.call('test.exit').catch(() => {})),
  );

  it('terminating the worker fails everything pending with connection-closed', TIMEOUT, () =>
    pendingThenKilled((peer) => void peer.worker.terminate()),
  );

  it('a worker that throws before serving fails the spawn with connection-failed', TIMEOUT, async () => {
    await assert.rejects(spawn({ mode: 'throw' }), (error) => failed(error) && /worker failed while starting/.test(String((error as Error).message)));
  });

  it('a worker that exits before serving fails the spawn with connection-failed', TIMEOUT, async () => {
    await assert.rejects(spawn({ mode: 'exit' }), failed);
  });

  it('a worker that never serves fails the spawn with connection-failed at the connect timeout', TIMEOUT, async () => {
    await assert.rejects(spawn({ mode: 'silent' }, { connectTimeoutMs: 1500 }), (error) => failed(error) && /timed out/.test((error as Error).message));
  });

  it('serveParent outside a worker thread is invalid-state', () => {
    assert.throws(() => serveParent(), (error) => isSparrowError(error, ErrorCode.InvalidState));
  });
});
