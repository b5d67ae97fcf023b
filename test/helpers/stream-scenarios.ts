/**
 * The end-to-end stream scenarios (issue 5), each a function of the calling
 * peer: the other side exports `exportStreamTargets`. Run by the stream
 * matrix over every transport, serialiser and layout, in both directions.
 */
import assert from 'node:assert/strict';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import type { Peer } from '../../runtime/rpc/peer.ts';
import { eventually, settlesAtOnce, sleep, take } from './async-waits.ts';
import { assertSameBytes, cachedBytePattern } from './byte-pattern.ts';

/** What a scenario gets besides the calling peer. */
export interface ScenarioContext {
  /** Opens another connection to the same callee (listener side only); undefined when there is none (stdio, or the callee is the connector). */
  connectAnother?: () => Promise<Peer>;
}

export type Scenario = (caller: Peer, context: ScenarioContext) => Promise<void>;

let tokens = 0;
function token(): string {
  return `t${process.pid}-${++tokens}`;
}

async function probe(caller: Peer, id: string): Promise<string[]> {
  return caller.call<string[]>('probe', { token: id });
}

const MIB = 1024 * 1024;
const OVER_LIMIT = 11 * MIB;

export const SCENARIOS: Record<string, Scenario> = {
  async 'early break cancels the stream remotely (generator finally runs)'(caller) {
    const id = token();
    const seen: number[] = [];
    for await (const item of caller.callStream<number>('count', { n: 1_000_000, token: id })) {
      seen.push(item);
      if (seen.length === 5) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    await eventually(async () => (await probe(caller, id)).includes('finally'), 'the generator finally');
  },

  async 'abort mid-stream settles at once and stops the callee'(caller) {
    const id = token();
    const controller = new AbortController();
    const stream = caller.callStream<number>('endless', { token: id }, { signal: controller.signal });
    assert.deepEqual(await take(stream, 3), [0, 1, 2]);
    const pending = stream.next();
    controller.abort();
    assert.equal(await settlesAtOnce(pending), true, 'the pending next() settles at once');
    await pending.then(
      (step) => assert.ok(step.done === true || typeof step.value === 'number'),
      (error: unknown) => assert.ok(isSparrowError(error, 'aborted'), String(error)),
    );
    await eventually(async () => {
      const events = await probe(caller, id);
      return events.includes('aborted') && events.includes('finally');
    }, 'ctx.signal and finally on the callee');
  },

  async 'abort mid-call settles at once and fires ctx.signal on the callee'(caller) {
    const id = token();
    const controller = new AbortController();
    const call = caller.call('wait', { token: id }, { signal: controller.signal });
    await eventually(async () => (await probe(caller, id)).includes('started'), 'the handler started');
    controller.abort();
    assert.equal(await settlesAtOnce(call), true);
    await assert.rejects(call, (e) => isSparrowError(e, 'aborted'));
    await eventually(async () => (await probe(caller, id)).includes('aborted'), 'ctx.signal aborted');
  },

  async 'an error mid-stream arrives after the items before it'(caller) {
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of caller.callStream<number>('fail_after', { n: 3 })) seen.push(item);
      })(),
      (e) => isSparrowError(e, 'invalid-params') && /stopped after 3/.test(e.message),
    );
    assert.deepEqual(seen, [0, 1, 2]);
  },

  async 'callbacks: notification style and request style'(caller) {
    const seen: number[] = [];
    assert.equal(await caller.call('with_progress', { n: 5, progress: ({ i }: { i: number }) => void seen.push(i) }), 5);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(await caller.call('with_request_cb', { n: 4, ask: ({ i }: { i: number }) => i * 10 }), 60);
  },

  async 'a callback used after the call ended fails with invalid-state on the callee'(caller) {
    const id = token();
    let called = false;
    assert.equal(await caller.call('late_callback', { token: id, progress: () => void (called = true) }), 'done');
    await eventually(async () => (await probe(caller, id)).length > 0, 'the late callback attempt');
    assert.deepEqual(await probe(caller, id), ['invalid-state']);
    assert.equal(called, false);
  },

  async 'iterable params from sync and async sources'(caller) {
    function* numbers(): Generator<number> {
      for (let i = 1; i <= 100; i++) yield i;
    }
    async function* later(): AsyncGenerator<number> {
      for (let i = 1; i <= 20; i++) {
        if (i % 5 === 0) await sleep(1);
        yield i;
      }
    }
    assert.equal(await caller.call('sum', { nums: numbers() }), 5050);
    assert.equal(await caller.call('sum', { nums: later() }), 210);
    assert.equal(await caller.call('sum', { nums: [1, 2, 3] }, { paramKinds: { nums: 'iterable' } }), 6);
  },

  async 'nested calls alternate sides while each call is pending'(caller) {
    assert.equal(await caller.call('nested', { depth: 6 }), 6);
  },

  async 'concurrent interleaved streams on one connection'(caller) {
    const streams = Array.from({ length: 6 }, (_, k) => caller.callStream<number>('count', { n: 500 + k * 100, token: token() }));
    // Read them round-robin, one item at a time, so their parts interleave.
    const seen: number[][] = streams.map(() => []);
    let open = streams.length;
    while (open > 0) {
      open = 0;
      for (let k = 0; k < streams.length; k++) {
        const step = await streams[k]!.next();
        if (step.done !== true) {
          seen[k]!.push(step.value);
          open++;
        }
      }
    }
    seen.forEach((items, k) => assert.deepEqual(items, Array.from({ length: 500 + k * 100 }, (_, i) => i)));
  },

  async 'topic: several subscribers each see every value once, in order; one disconnecting is dropped'(caller, context) {
    const room = token();
    const subscribe = (peer: Peer) => peer.callStream<number>('subscribe', { room });
    const count = () => caller.call<number>('subscribers', { room });
    const values = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const extra = context.connectAnother === undefined ? [] : [await context.connectAnother(), await context.connectAnother()];
    try {
      const streams = [subscribe(caller), ...extra.map(subscribe)];
      // Without other connections, extra subscriptions share this one.
      while (streams.length < 3) streams.push(subscribe(caller));
      await eventually(async () => (await count()) === 3, 'three subscribers');
      await caller.call('publish', { room, values: values(1, 10) });
      for (const stream of streams) assert.deepEqual(await take(stream, 10), values(1, 10));
      // One leaves: by disconnecting when it has its own connection, else by cancel.
      const leaving = streams.pop()!;
      if (extra.length > 0) extra.pop()!.close();
      else leaving.cancel();
      await eventually(async () => (await count()) === 2, 'the leaver dropped');
      await caller.call('publish', { room, values: values(11, 30) });
      for (const stream of streams) assert.deepEqual(await take(stream, 20), values(11, 30));
      if (context.connectAnother !== undefined) {
        // A reconnecting subscriber can subscribe again.
        const again = await context.connectAnother();
        extra.push(again);
        streams.push(subscribe(again));
        await eventually(async () => (await count()) === 3, 'the resubscriber');
        await caller.call('publish', { room, values: values(31, 35) });
        for (const stream of streams) assert.deepEqual(await take(stream, 5), values(31, 35));
      }
      // Unsubscribe via cancel.
      for (const stream of streams) stream.cancel();
      await eventually(async () => (await count()) === 0, 'everyone unsubscribed');
    } finally {
      for (const peer of extra) peer.close();
    }
  },

  async 'binary: 0 B to several MiB, byte-identical in params, results, parts and callback params'(caller) {
    for (const size of [0, 1, 1000, 65_536, 4 * MIB]) {
      const data = cachedBytePattern(size, 3);
      assertSameBytes(await caller.call('echo', { data }), data, `echo ${size} B`);
    }
    assertSameBytes(await caller.call('make_blob', { size: 3 * MIB, seed: 5 }), cachedBytePattern(3 * MIB, 5), 'a 3 MiB result');
    const sizes = [0, 10, 300_000, 2 * MIB];
    const parts = [];
    for await (const part of caller.callStream('blob_parts', { sizes })) parts.push(part);
    assert.equal(parts.length, sizes.length);
    parts.forEach((part, k) => assertSameBytes(part, cachedBytePattern(sizes[k]!, k + 1), `part ${k}`));
    for (const size of [0, 100_000, MIB]) {
      let got: unknown;
      const length = await caller.call('bytes_callback', {
        size,
        sink: ({ data }: { data: Uint8Array }) => {
          got = data;
          return data.byteLength;
        },
      });
      assert.equal(length, size);
      assertSameBytes(got, cachedBytePattern(size, 7), `callback param ${size} B`);
    }
  },

  async 'binary beyond the chain limit: limit-exceeded, never a dropped connection'(caller) {
    const big = cachedBytePattern(OVER_LIMIT, 9);
    await assert.rejects(caller.call('echo', { data: big }), (e) => isSparrowError(e, 'limit-exceeded'));
    await assert.rejects(caller.call('make_blob', { size: OVER_LIMIT, seed: 9 }), (e) => isSparrowError(e, 'limit-exceeded'));
    const seen: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of caller.callStream('blob_parts', { sizes: [10, OVER_LIMIT, 10] })) seen.push(part);
      })(),
      (e) => isSparrowError(e, 'limit-exceeded'),
    );
    assert.equal(seen.length, 1);
    assert.equal(await caller.call('ping', undefined, { namespace: '#sys' }), 'pong');
  },
};
