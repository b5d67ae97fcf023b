import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { SparrowError, isSparrowError } from '../../runtime/errors.ts';
import type { Params } from '../../runtime/envelope/message.ts';
import type { NotifyCallback, RequestCallback } from '../../runtime/rpc/callbacks.ts';
import { createPeer } from '../../runtime/rpc/peer.ts';
import { collect } from '../helpers/async-waits.ts';
import { createMessageLinkPair, createScriptedRemote, settle } from '../helpers/message-links.ts';
import { createPeerPair, createRecordingLogger } from '../helpers/peers.ts';

describe('peer: multipart responses', () => {
  it('streams each item as pm, then pmt', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export(
      'demo_multipart_response',
      function* ({ up_to }) {
        for (let x = 1; x <= (up_to as number); x++) yield [x, x * x + 1];
      },
      { multipart: true },
    );
    assert.deepEqual(await collect(client.callStream('demo_multipart_response', { up_to: 3 })), [[1, 2], [2, 5], [3, 10]]);
    const flags = serverLink.sent.map((s) => s.message as { multipart: boolean; final?: string });
    assert.deepEqual(flags.map((m) => [m.multipart, m.final]), [[true, undefined], [true, undefined], [true, undefined], [true, 'terminator']]);
    client.close();
  });

  it('accepts async generators, promises of iterables and empty streams', async () => {
    const { client, server } = createPeerPair();
    server.export(
      'async',
      async function* () {
        yield 'a';
        await settle(1);
        yield 'b';
      },
      { multipart: true },
    );
    server.export('later', async () => ['x', 'y'], { multipart: true });
    server.export('empty', () => [], { multipart: true });
    assert.deepEqual(await collect(client.callStream('async')), ['a', 'b']);
    assert.deepEqual(await collect(client.callStream('later')), ['x', 'y']);
    assert.deepEqual(await collect(client.callStream('empty')), []);
    client.close();
  });

  it('delivers the items before an error part-way, then rejects with it', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export(
      'fails',
      function* () {
        yield 1;
        yield 2;
        throw new SparrowError('invalid-params', 'up_to too big');
      },
      { multipart: true },
    );
    const stream = client.callStream<number>('fails');
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of stream) seen.push(item);
      })(),
      (e) => isSparrowError(e, 'invalid-params'),
    );
    assert.deepEqual(seen, [1, 2]);
    assert.equal(serverLink.sent.at(-1)!.message.kind, 'exception');
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    client.close();
  });

  it('stops early with break: ignores further parts and cancels the handler remotely', async () => {
    const { client, server } = createPeerPair();
    let finallyRan = false;
    let produced = 0;
    server.export(
      'endless',
      async function* (_p, ctx) {
        try {
          while (!ctx.signal.aborted) {
            produced++;
            yield produced;
            await settle(1);
          }
        } finally {
          finallyRan = true;
        }
      },
      { multipart: true },
    );
    await client.remoteFeatures();
    const seen: number[] = [];
    for await (const item of client.callStream<number>('endless')) {
      seen.push(item);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(client.pendingCount, 0);
    await settle(20);
    assert.equal(finallyRan, true);
    assert.equal(server.activeHandlerCount, 0);
    const producedAtStop = produced;
    await settle(10);
    assert.equal(produced, producedAtStop);
    client.close();
  });

  it('stops with an AbortSignal, rejecting a pending next() with aborted', async () => {
    const { client, server } = createPeerPair();
    server.export(
      'slow',
      async function* () {
        yield 1;
        await new Promise(() => {});
      },
      { multipart: true },
    );
    const controller = new AbortController();
    const stream = client.callStream('slow', {}, { signal: controller.signal });
    assert.deepEqual(await stream.next(), { done: false, value: 1 });
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, (e) => isSparrowError(e, 'aborted'));
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    client.close();
  });

  it('applies the timeout as an idle timeout between parts', async () => {
    const { client, server } = createPeerPair();
    server.export(
      'ticks',
      async function* () {
        for (let i = 0; i < 5; i++) {
          await settle(10);
          yield i;
        }
        await new Promise(() => {});
      },
      { multipart: true },
    );
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of client.callStream<number>('ticks', {}, { timeoutMs: 40 })) seen.push(item);
      })(),
      (e) => isSparrowError(e, 'timeout'),
    );
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    client.close();
  });

  it('fails a stream whose unread parts exceed maxBuffer with limit-exceeded', async () => {
    const { client, server } = createPeerPair();
    server.export('many', () => Array.from({ length: 20 }, (_, i) => i), { multipart: true });
    const stream = client.callStream<number>('many', {}, { maxBuffer: 5 });
    await settle(5);
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of stream) seen.push(item);
      })(),
      (e) => isSparrowError(e, 'limit-exceeded'),
    );
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    client.close();
  });

  it('accepts pmf as the last item, and reports a type mismatch either way as protocol-error', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    const stream = peer.callStream('m');
    await remote.next();
    remote.send({ kind: 'response', to: 1, multipart: true, ack: false, hasResult: true, result: 'apple' });
    remote.send({ kind: 'response', to: 1, multipart: true, final: 'final', ack: false, hasResult: true, result: 'mango' });
    assert.deepEqual(await collect(stream), ['apple', 'mango']);
    const single = peer.call('m');
    await remote.next();
    remote.send({ kind: 'response', to: 2, multipart: true, ack: false, hasResult: true, result: 'apple' });
    await assert.rejects(single, (e) => isSparrowError(e, 'protocol-error'));
    const multi = peer.callStream('m');
    await remote.next();
    remote.send({ kind: 'response', to: 3, multipart: false, ack: false, hasResult: true, result: 'apple' });
    await assert.rejects(multi.next(), (e) => isSparrowError(e, 'protocol-error'));
    peer.close();
  });

  it('reports a multipart handler that returns no iterable as a callee error', async () => {
    const { client, server } = createPeerPair();
    server.export('bad', () => 42, { multipart: true });
    await assert.rejects(client.callStream('bad').next(), (e) => isSparrowError(e, 'callee-error'));
    client.close();
  });
});

describe('peer: callbacks', () => {
  it('declares function params in #cb and calls them back as notifications', async () => {
    const { client, server, clientLink, serverLink } = createPeerPair();
    server.export('demo_progress_update', ({ data, progress }) => {
      const items = data as string[];
      for (const item of items) (progress as NotifyCallback)({ message: `did ${item}` });
      return `Processed ${items.length} items`;
    });
    const messages: unknown[] = [];
    const result = await client.call('demo_progress_update', {
      data: ['a', 'b'],
      progress: ({ message }: Params) => void messages.push(message),
    });
    assert.equal(result, 'Processed 2 items');
    assert.deepEqual(messages, ['did a', 'did b']);
    const request = clientLink.sent[0]!.message as { params: unknown; declarations: unknown };
    assert.deepEqual(request.params, { data: ['a', 'b'] });
    assert.deepEqual(request.declarations, { callbacks: ['progress'], iterables: [] });
    const callback = serverLink.sent[0]!.message;
    assert.deepEqual(callback, { kind: 'notification', target: 'progress', callbackOf: 1, params: { message: 'did a' } });
    client.close();
  });

  it('request-style callbacks send r with c and resolve with what the caller returned', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export(
      'ask_twice',
      async ({ ask }) => {
        const a = await (ask as RequestCallback)({ question: 'q1' });
        const b = await (ask as RequestCallback)({ question: 'q2' });
        return `${String(a)} ${String(b)}`;
      },
      { callbacks: { ask: 'request' } },
    );
    const result = await client.call('ask_twice', { ask: async ({ question }: Params) => `answer to ${String(question)}` });
    assert.equal(result, 'answer to q1 answer to q2');
    const callbackRequest = serverLink.sent[0]!.message;
    assert.deepEqual(callbackRequest, { kind: 'request', id: 1, target: 'ask', requestType: 'normal', ack: false, callbackOf: 1, params: { question: 'q1' } });
    client.close();
  });

  it('a caller-side callback that throws reaches the callee as a callee error', async () => {
    const { client, server } = createPeerPair();
    server.export(
      'ask',
      async ({ ask }) => {
        try {
          await (ask as RequestCallback)();
          return 'no error';
        } catch (e) {
          return `${(e as SparrowError).code} ${(e as SparrowError).remoteType ?? ''}`;
        }
      },
      { callbacks: { ask: 'request' } },
    );
    assert.equal(
      await client.call('ask', {
        ask: () => {
          throw new TypeError('no');
        },
      }),
      'callee-error TypeError',
    );
    client.close();
  });

  it('throws invalid-state on the callee side when a callback is used after the call ended', async () => {
    const { client, server } = createPeerPair();
    let keptNotify: NotifyCallback | undefined;
    let keptRequest: RequestCallback | undefined;
    server.export(
      'keep',
      ({ n, r }) => {
        keptNotify = n as NotifyCallback;
        keptRequest = r as RequestCallback;
        return 'ok';
      },
      { callbacks: { r: 'request' } },
    );
    await client.call('keep', { n: () => {}, r: () => 1 });
    assert.throws(() => keptNotify!({}), (e) => isSparrowError(e, 'invalid-state'));
    await assert.rejects(keptRequest!({}), (e) => isSparrowError(e, 'invalid-state'));
    client.close();
  });

  it('answers a callback for a call that is no longer pending with TargetNotFound', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    remote.send({ kind: 'request', id: 4, target: 'ask', requestType: 'quiet', ack: false, callbackOf: 1 });
    const answer = await remote.next();
    assert.equal(answer.kind, 'exception');
    assert.equal((answer as { error: { type: string } }).error.type, 'TargetNotFound');
    peer.close();
  });

  it('answers a quiet callback request (what Python sends) without a result part', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    let asked: unknown;
    const call = peer.call('request_callback', { ask: ({ question }: Params) => ((asked = question), 'reply') });
    await remote.next();
    remote.send({ kind: 'request', id: 1, target: 'ask', requestType: 'quiet', ack: false, callbackOf: 1, params: { question: 'q1' } });
    assert.deepEqual({ ...(await remote.next()), format: undefined }, { kind: 'response', to: 1, multipart: false, ack: false, hasResult: false, format: undefined });
    assert.equal(asked, 'q1');
    remote.send({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: 'callback returned: None' });
    assert.equal(await call, 'callback returned: None');
    peer.close();
  });

  it('paramKinds says how a param travels when detection would guess wrong', async () => {
    const { client, server, clientLink } = createPeerPair();
    server.export('sum', async ({ data }) => {
      let total = 0;
      for await (const n of data as AsyncIterable<number>) total += n;
      return total;
    });
    server.export('echo', ({ f }) => typeof f);
    assert.equal(await client.call('sum', { data: [1, 10, 30, 3] }, { paramKinds: { data: 'iterable' } }), 44);
    assert.equal(await client.call('sum', { data: new Set([1, 2]) }, { paramKinds: { data: 'iterable' } }), 3);
    await assert.rejects(client.call('sum', { data: 5 }, { paramKinds: { data: 'iterable' } }), (e) => isSparrowError(e, 'invalid-params'));
    await assert.rejects(client.call('echo', { f: 5 }, { paramKinds: { f: 'callback' } }), (e) => isSparrowError(e, 'invalid-params'));
    assert.equal(clientLink.sent.filter((s) => s.message.kind === 'request' && s.message.target === 'echo').length, 0);
    client.close();
  });
});

describe('peer: iterable params', () => {
  const sum = async ({ data }: Params): Promise<number> => {
    let total = 0;
    for await (const n of data as AsyncIterable<number>) total += n;
    return total;
  };

  it('pulls from a sync generator with payload-less callback requests, ending with pt', async () => {
    const { client, server, clientLink, serverLink } = createPeerPair();
    server.export('demo_multipart_param', sum);
    function* nums() {
      yield* [1, 10, 30, 3];
    }
    assert.equal(await client.call('demo_multipart_param', { data: nums() }), 44);
    assert.deepEqual((clientLink.sent[0]!.message as { declarations: unknown }).declarations, { callbacks: [], iterables: ['data'] });
    assert.equal('params' in clientLink.sent[0]!.message, false);
    const pulls = serverLink.sent.filter((s) => s.message.kind === 'request').map((s) => s.message);
    assert.equal(pulls.length, 5);
    assert.deepEqual(pulls[0], { kind: 'request', id: 1, target: 'data', requestType: 'normal', ack: false, callbackOf: 1 });
    const last = clientLink.sent.filter((s) => s.message.kind === 'response').at(-1)!.message;
    assert.deepEqual(last, { kind: 'response', to: 5, multipart: false, ack: false, hasResult: false, final: 'terminator' });
    client.close();
  });

  it('pulls from an async generator and from any async iterable', async () => {
    const { client, server } = createPeerPair();
    server.export('sum', sum);
    async function* nums() {
      for (const n of [5, 6]) {
        await settle(1);
        yield n;
      }
    }
    assert.equal(await client.call('sum', { data: nums() }), 11);
    const asyncIterable = { async *[Symbol.asyncIterator]() { yield 1; yield 2; } };
    assert.equal(await client.call('sum', { data: asyncIterable }), 3);
    client.close();
  });

  it('reports an error thrown by the caller iterator to the callee as x', async () => {
    const { client, server } = createPeerPair();
    server.export('sum', sum);
    function* broken() {
      yield 1;
      throw new RangeError('ran out');
    }
    await assert.rejects(client.call('sum', { data: broken() }), (e) => isSparrowError(e, 'callee-error') && e.message === 'ran out');
    client.close();
  });

  it('closes the caller iterator when the callee stops early and the call ends', async () => {
    const { client, server } = createPeerPair();
    server.export('first', async ({ data }) => {
      for await (const n of data as AsyncIterable<number>) return n;
      return undefined;
    });
    let closed = false;
    function* nums() {
      try {
        yield 7;
        yield 8;
      } finally {
        closed = true;
      }
    }
    assert.equal(await client.call('first', { data: nums() }), 7);
    assert.equal(closed, true);
    client.close();
  });

  it('accepts pf as the last item', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const got: number[] = [];
    peer.export('sum', async ({ nums }) => {
      for await (const n of nums as AsyncIterable<number>) got.push(n);
      return got.length;
    });
    const remote = createScriptedRemote(remoteLink);
    remote.send({ kind: 'request', id: 1, target: 'sum', requestType: 'normal', ack: false, declarations: { callbacks: [], iterables: ['nums'] } });
    const pull1 = await remote.next();
    assert.deepEqual({ ...pull1, format: undefined }, { kind: 'request', id: 1, target: 'nums', requestType: 'normal', ack: false, callbackOf: 1, format: undefined });
    remote.send({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: 4 });
    await remote.next();
    remote.send({ kind: 'response', to: 2, multipart: false, final: 'final', ack: false, hasResult: true, result: 5 });
    const done = await remote.next();
    assert.deepEqual({ ...done, format: undefined }, { kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: 2, format: undefined });
    assert.deepEqual(got, [4, 5]);
    peer.close();
  });

  it('fails pulls after the call ended with invalid-state', async () => {
    const { client, server } = createPeerPair();
    let kept: AsyncIterable<number> | undefined;
    server.export('keep', ({ data }) => {
      kept = data as AsyncIterable<number>;
      return 'ok';
    });
    await client.call('keep', { data: [1, 2] }, { paramKinds: { data: 'iterable' } });
    await assert.rejects(kept![Symbol.asyncIterator]().next(), (e) => isSparrowError(e, 'invalid-state'));
    client.close();
  });
});

describe('peer: nested calls', () => {
  it('a handler calls back into its caller while its own call is pending (reverse_call)', async () => {
    const { client, server } = createPeerPair();
    client.export('display_chat_message', ({ msg }) => `client saw: ${String(msg)}`);
    server.export('reverse_call', async ({ text }, ctx) => {
      const reply = await ctx.peer.call('display_chat_message', { msg: text });
      return `server got back: ${String(reply)}`;
    });
    assert.equal(await client.call('reverse_call', { text: 'hi' }), 'server got back: client saw: hi');
    client.close();
  });

  it('deep ping-pong recursion across both sides', async () => {
    const { client, server } = createPeerPair();
    const bounce = async ({ n }: Params, ctx: { peer: { call: (t: string, p: Params) => Promise<unknown> } }): Promise<unknown> =>
      (n as number) === 0 ? 'bottom' : ctx.peer.call('bounce', { n: (n as number) - 1 });
    client.export('bounce', bounce);
    server.export('bounce', bounce);
    assert.equal(await client.call('bounce', { n: 10 }), 'bottom');
    client.close();
  });

  it('a callback that calls the callee again while both calls are pending', async () => {
    const { client, server } = createPeerPair();
    server.export('double', ({ n }) => (n as number) * 2);
    server.export(
      'work',
      async ({ step }) => {
        const a = await (step as RequestCallback)({ n: 1 });
        return a;
      },
      { callbacks: { step: 'request' } },
    );
    const result = await client.call('work', { step: ({ n }: Params) => client.call('double', { n }) });
    assert.equal(result, 2);
    client.close();
  });
});
