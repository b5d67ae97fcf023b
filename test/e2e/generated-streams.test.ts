/**
 * Issue 5 through generated code only: the services of the golden case
 * test/golden/cases/streams, the listener exporting `StreamsServer` and the
 * connector `StreamsClient` (the same members), called with the generated
 * clients in both directions — connector → listener with
 * `createStreamsServerClient`, listener → connector with
 * `createStreamsClientClient` on the peer `listenPeers` made for the
 * connection — over tcp (both layouts), unix, ws and stdio (a child process,
 * connector → child) × j/m/c.
 *
 * One listener per transport; the scenarios of a combination share its
 * connection and run concurrently (so streams, calls and callbacks
 * interleave on it); combinations run one after another (as in the
 * schema-less streams matrix).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_STREAM_WINDOW,
  connectPeer,
  createRegistry,
  isSparrowError,
  listenPeers,
  silentLogger,
  type ChainLayout,
  type Peer,
  type PeerListener,
  type Registry,
  type SerialiserCode,
} from 'sparrow-rpc/node';
import { StoppedAt, createStreamsClientClient, createStreamsServerClient, type News, type StreamsServerClient } from '../golden/cases/streams/expected/main.ts';
import { eventually, settlesAtOnce, sleep, take } from '../helpers/async-waits.ts';
import { assertSameBytes, cachedBytePattern } from '../helpers/byte-pattern.ts';
import { fixtureStdioUrl } from '../helpers/fixture-process.ts';
import { ITEM_BASE, registerClientSide, registerServerSide } from '../helpers/generated-streams.ts';
import { SharedListener, openPeersAtOnce, type ConnectedPeers } from '../helpers/shared-peers.ts';

/** Both generated clients have the same members; scenarios take either. */
type Streams = StreamsServerClient;

/** What a scenario gets: the typed client of the other side, and a way to reach the same callee over another connection. */
interface Caller {
  api: Streams;
  /** Another connection whose callee shares this callee's registration (undefined over stdio). */
  another?: () => Promise<{ api: Streams; disconnect(): void }>;
}

type Scenario = (caller: Caller) => Promise<void>;

const FIXTURE = fileURLToPath(new URL('../fixtures/generated-streams-peer.ts', import.meta.url));
const TIMEOUT = { timeout: 30_000 };
const MIB = 1024 * 1024;
/** How long the slow consumer reads, one item per 10 ms. */
const SLOW_MS = 1000;

let tokens = 0;
const token = (): string => `g${process.pid}-${++tokens}`;
const BINARY_SIZES = [0, 1, 64 * 1024, 4 * MIB];

const SCENARIOS: Record<string, Scenario> = {
  async 'early break of a stream cancels it remotely and its generator finally runs'({ api }) {
    const id = token();
    const seen: number[] = [];
    for await (const n of api.count({ n: 1_000_000, token: id })) {
      seen.push(n);
      if (seen.length === 5) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    await eventually(async () => (await api.probe({ token: id })).includes('finally'), 'the generator finally');
  },

  async 'abort mid-stream settles the pending next at once; the callee sees ctx.signal and finally'({ api }) {
    const id = token();
    const controller = new AbortController();
    const stream = api.endless({ token: id }, { signal: controller.signal })[Symbol.asyncIterator]();
    assert.deepEqual(await take(stream, 3), [0, 1, 2]);
    const pending = stream.next();
    controller.abort();
    assert.equal(await settlesAtOnce(pending), true);
    await pending.then(
      (step) => assert.ok(step.done === true || typeof step.value === 'number'),
      (error: unknown) => assert.ok(isSparrowError(error, 'aborted'), String(error)),
    );
    await eventually(async () => {
      const events = await api.probe({ token: id });
      return events.includes('aborted') && events.includes('finally');
    }, 'ctx.signal and finally on the callee');
  },

  async 'abort mid-call rejects aborted at once and fires the callee ctx.signal'({ api }) {
    const id = token();
    const controller = new AbortController();
    const call = api.wait({ token: id }, { signal: controller.signal });
    await eventually(async () => (await api.probe({ token: id })).includes('started'), 'the handler started');
    controller.abort();
    assert.equal(await settlesAtOnce(call), true);
    await assert.rejects(call, (e) => isSparrowError(e, 'aborted'));
    await eventually(async () => (await api.probe({ token: id })).includes('aborted'), 'ctx.signal aborted');
  },

  async 'a typed error mid-stream arrives as the generated class after the items before it'({ api }) {
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const n of api.failAfter({ n: 3 })) seen.push(n);
      })(),
      (e) => e instanceof StoppedAt && e.fields.after === 3 && e.fields.reason === 'stopped' && e.message === 'stopped after 3',
    );
    assert.deepEqual(seen, [0, 1, 2]);
  },

  async 'stream items with int64 and bytes decode to bigint and Uint8Array'({ api }) {
    const items = [];
    for await (const item of api.items({ n: 20, size: 33 })) items.push(item);
    assert.equal(items.length, 20);
    items.forEach((item, k) => {
      assert.equal(item.n, ITEM_BASE + BigInt(k));
      assertSameBytes(item.data, cachedBytePattern(33, k + 1), `item ${k}`);
    });
  },

  async 'callbacks of both kinds are plain functions'({ api }) {
    const seen: number[] = [];
    assert.equal(await api.withProgress({ n: 5, progress: ({ i }) => void seen.push(i) }), 5);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(await api.withRequestCb({ n: 4, ask: ({ i }) => i * 10 }), 60);
    assert.equal(await api.withRequestCb({ n: 3, ask: async ({ i }) => (await sleep(1), i + 1) }), 6);
  },

  async 'a callback invoked after its call ended fails with invalid-state on the callee'({ api }) {
    const id = token();
    let called = false;
    assert.equal(await api.lateCallback({ token: id, progress: () => void (called = true) }), 'done');
    await eventually(async () => (await api.probe({ token: id })).length > 0, 'the late callback attempt');
    assert.deepEqual(await api.probe({ token: id }), ['invalid-state']);
    assert.equal(called, false);
  },

  async 'iterable params from sync and async sources'({ api }) {
    function* numbers(): Generator<number> {
      for (let i = 1; i <= 100; i++) yield i;
    }
    async function* later(): AsyncGenerator<number> {
      for (let i = 1; i <= 20; i++) {
        if (i % 5 === 0) await sleep(1);
        yield i;
      }
    }
    assert.equal(await api.sum({ nums: numbers() }), 5050n);
    assert.equal(await api.sum({ nums: later() }), 210n);
    assert.equal(await api.sum({ nums: [1, 2, 3] }), 6n);
    assert.equal(await api.sum({ nums: [] }), 0n);
  },

  async 'nested calls: each handler calls back into its caller while its own call is pending'({ api }) {
    assert.equal(await api.nested({ depth: 6 }), 6);
  },

  async 'concurrent interleaved streams on one connection'({ api }) {
    const lengths = Array.from({ length: 6 }, (_, k) => 300 + k * 100);
    const streams = lengths.map((n) => api.count({ n, token: token() })[Symbol.asyncIterator]());
    const seen: number[][] = streams.map(() => []);
    // Round-robin, one item at a time, so their parts interleave.
    for (let open = streams.length; open > 0; ) {
      open = 0;
      for (const [k, stream] of streams.entries()) {
        const step = await stream.next();
        if (step.done !== true) {
          seen[k]!.push(step.value);
          open++;
        }
      }
    }
    seen.forEach((items, k) => assert.deepEqual(items, Array.from({ length: lengths[k]! }, (_, i) => i)));
  },

  async 'notify is delivered without an answer'({ api }) {
    const id = token();
    api.note({ token: id, text: 'one' });
    api.note({ token: id, text: 'two' });
    await eventually(async () => (await api.probe({ token: id })).length === 2, 'both notes');
    assert.deepEqual(await api.probe({ token: id }), ['one', 'two']);
  },

  async 'topic: several subscribers see every value once, in order; one disconnecting is dropped'({ api, another }) {
    const room = token();
    const extra = another === undefined ? [] : [await another(), await another()];
    try {
      const inbox: number[][] = [];
      const subscribe = (client: Streams): (() => void) => {
        const box: number[] = [];
        inbox.push(box);
        return client.news.subscribe((value: News) => {
          if (value.room === room) box.push(value.seq);
        });
      };
      const unsubscribes = [subscribe(api), ...extra.map((e) => subscribe(e.api))];
      // Without other connections the extra subscriptions share this one.
      while (unsubscribes.length < 3) unsubscribes.push(subscribe(api));
      await eventually(async () => (await api.subscribers()) === 3, 'three subscribers');
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      assert.equal(await api.broadcast({ room, from: 1, to: 10 }), 10);
      await eventually(() => inbox.every((box) => box.length >= 10), 'every subscriber got 1..10');
      for (const box of inbox) assert.deepEqual(box, range(1, 10));

      // The last leaves: by disconnecting when it has its own connection, else by unsubscribing.
      const leaver = inbox.length - 1;
      if (extra.length > 0) extra.pop()!.disconnect();
      else unsubscribes[leaver]!();
      await eventually(async () => (await api.subscribers()) === 2, 'the leaver dropped');
      await api.broadcast({ room, from: 11, to: 30 });
      await eventually(() => inbox.slice(0, leaver).every((box) => box.length >= 30), 'the others got 11..30');
      await sleep(20);
      inbox.slice(0, leaver).forEach((box) => assert.deepEqual(box, range(1, 30)));
      assert.deepEqual(inbox[leaver], range(1, 10), 'nothing reaches the leaver');

      for (const [k, unsubscribe] of unsubscribes.entries()) if (k !== leaver) unsubscribe();
      await eventually(async () => (await api.subscribers()) === 0, 'everyone unsubscribed');
    } finally {
      for (const e of extra) e.disconnect();
    }
  },

  async 'slow consumer (10 ms per item) holds a 1,000,000-item producer to window + consumed'({ api }) {
    const id = token();
    let consumed = 0;
    const started = Date.now();
    for await (const n of api.count({ n: 1_000_000, token: id })) {
      assert.equal(n, consumed);
      consumed++;
      // Read for the time box and at least 20 items, so a loaded machine cannot end the run before the window matters;
      // a stalled stream fails through the call's idle timeout instead.
      if (Date.now() - started >= SLOW_MS && consumed >= 20) break;
      await sleep(10);
    }
    const produced = Number(await api.produced({ token: id }));
    assert.ok(produced >= consumed, `produced ${produced} ≥ consumed ${consumed}`);
    assert.ok(produced <= DEFAULT_STREAM_WINDOW + consumed + 2, `produced ${produced} ≤ window ${DEFAULT_STREAM_WINDOW} + consumed ${consumed} + 2`);
    await eventually(async () => (await api.probe({ token: id })).includes('finally'), 'the producer stopped');
  },

  async 'binary 0 B, 1 B, 64 KiB, 4 MiB byte-identical as params, results, stream items, iterable params and callback params'({ api }) {
    for (const size of BINARY_SIZES) assertSameBytes(await api.echo({ data: cachedBytePattern(size, 3) }), cachedBytePattern(size, 3), `echo ${size} B`);
    assertSameBytes(await api.makeBlob({ size: 4 * MIB, seed: 5 }), cachedBytePattern(4 * MIB, 5), 'a 4 MiB result');
    const parts: Uint8Array[] = [];
    for await (const part of api.blobParts({ sizes: BINARY_SIZES })) parts.push(part);
    assert.equal(parts.length, BINARY_SIZES.length);
    parts.forEach((part, k) => assertSameBytes(part, cachedBytePattern(BINARY_SIZES[k]!, k + 1), `stream item ${k}`));
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const size of BINARY_SIZES) yield cachedBytePattern(size, 11);
    }
    assert.equal(await api.totalLength({ chunks: chunks() }), BigInt(BINARY_SIZES.reduce((a, b) => a + b, 0)));
    for (const size of [0, 1, 64 * 1024]) {
      let got: Uint8Array | undefined;
      const length = await api.bytesCallback({
        size,
        sink: ({ data }) => {
          got = data;
          return data.byteLength;
        },
      });
      assert.equal(length, size);
      assertSameBytes(got!, cachedBytePattern(size, 7), `callback param ${size} B`);
    }
  },
};

function describeScenarios(label: string, caller: () => Caller): void {
  for (const [name, scenario] of Object.entries(SCENARIOS)) it(`${label}: ${name}`, TIMEOUT, () => scenario(caller()));
}

const SERIALISERS: SerialiserCode[] = ['j', 'm', 'c'];

describe('generated streams: StreamsServer / StreamsClient end to end', () => {
  const socketDir = mkdtempSync(join(tmpdir(), 'sparrow-gen-streams-'));
  after(() => rmSync(socketDir, { recursive: true, force: true }));

  const transports: { scheme: string; url: string; layouts: ChainLayout[] }[] = [
    { scheme: 'tcp', url: 'tcp://127.0.0.1:0', layouts: ['0.1.2', 'next'] },
    { scheme: 'unix', url: `unix:${join(socketDir, 'generated.sock')}`, layouts: ['0.1.2'] },
    { scheme: 'ws', url: 'ws://127.0.0.1:0/', layouts: ['next'] },
  ];

  for (const { scheme, url, layouts } of transports) {
    describe(scheme, () => {
      const shared = new SharedListener<PeerListener>();
      const registry = createRegistry();
      registerServerSide(registry);
      before(() => shared.start((onPeer) => listenPeers(url, { registry, logger: silentLogger, onPeer })));
      const connectPair = (connectorRegistry: Registry, serialiser: SerialiserCode, layout: ChainLayout) =>
        shared.connect((address) => connectPeer(address, { serialiser, layout, registry: connectorRegistry, logger: silentLogger }));
      after(() => shared.listener.close());

      for (const serialiser of SERIALISERS) {
        for (const layout of layouts) {
          describe(`${serialiser} ${layout}`, { concurrency: true }, () => {
            const connectorRegistry = createRegistry();
            registerClientSide(connectorRegistry);
            let pair: ConnectedPeers;
            before(async () => {
              pair = await connectPair(connectorRegistry, serialiser, layout);
            });
            after(() => pair.connector.close());

            describeScenarios('connector → listener', () => ({
              api: createStreamsServerClient(pair.connector),
              another: async () => {
                const { connector } = await connectPair(createRegistry(), serialiser, layout);
                return { api: createStreamsServerClient(connector), disconnect: () => connector.close() };
              },
            }));
            describeScenarios('listener → connector', () => ({
              api: createStreamsClientClient(pair.accepted),
              // Another connector answering from the same registration: its accepted peer subscribes.
              another: async () => {
                const { accepted } = await connectPair(connectorRegistry, serialiser, layout);
                return { api: createStreamsClientClient(accepted), disconnect: () => accepted.close() };
              },
            }));
          });
        }
      }
    });
  }

  describe('stdio (child process)', () => {
    // Start every child at once: their start-up (loading tsx) is the slow part.
    const child = openPeersAtOnce(SERIALISERS, async (serialiser) => {
      const registry = createRegistry();
      registerClientSide(registry);
      const peer = await connectPeer(fixtureStdioUrl(FIXTURE), { serialiser, layout: 'next', registry, logger: silentLogger });
      await peer.remoteFeatures();
      return peer;
    });
    for (const serialiser of SERIALISERS) {
      describe(`${serialiser} next`, { concurrency: true }, () => {
        let peer: Peer;
        before(async () => {
          peer = await child(serialiser);
        });
        describeScenarios('connector → child listener', () => ({ api: createStreamsServerClient(peer) }));
      });
    }
  });
});
