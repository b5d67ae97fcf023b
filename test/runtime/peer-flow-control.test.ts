/**
 * `#sys.credit` flow control (docs/protocol-extensions.md): the caller's
 * window bounds what a multipart producer may run ahead of its consumer,
 * for plain streams and topics, and nothing changes for a peer that does
 * not know the extension.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import type { NotificationMessage, RequestMessage } from '../../runtime/envelope/message.ts';
import { DEFAULT_STREAM_WINDOW } from '../../runtime/rpc/peer.ts';
import { createTopic } from '../../runtime/rpc/topic.ts';
import { collect, eventuallyWithin } from '../helpers/async-waits.ts';
import { settle } from '../helpers/message-links.ts';
import { createPeerPair } from '../helpers/peers.ts';

function counter(limit: number): { produced: () => number; finallyRan: () => boolean; generator: () => Generator<number> } {
  let produced = 0;
  let finallyRan = false;
  return {
    produced: () => produced,
    finallyRan: () => finallyRan,
    *generator() {
      try {
        while (produced < limit) yield produced++;
      } finally {
        finallyRan = true;
      }
    },
  };
}

describe('peer: #sys.credit flow control', () => {
  it('grants the window before the request, so the callee knows at once (with the batch opt-in)', async () => {
    const { client, server, clientLink } = createPeerPair();
    server.export('items', () => [1, 2, 3], { multipart: true });
    await client.remoteFeatures();
    const before = clientLink.sent.length;
    assert.deepEqual(await collect(client.callStream('items', {}, { window: 8 })), [1, 2, 3]);
    const [grant, request] = clientLink.sent.slice(before).map((s) => s.message);
    assert.deepEqual(grant, { kind: 'notification', target: 'credit', namespace: '#sys', params: { id: (request as RequestMessage).id, n: 8, batch: true } } satisfies NotificationMessage);
    assert.equal(request!.kind, 'request');
    client.close();
  });

  it('pauses the producing iterator at zero credit and resumes as the consumer reads', async () => {
    const { client, server } = createPeerPair();
    const source = counter(10_000);
    server.export('items', source.generator, { multipart: true });
    await client.remoteFeatures();
    const stream = client.callStream<number>('items', {}, { window: 8 });
    await eventuallyWithin(500, () => source.produced() === 8, 'the window is produced');
    await settle(20);
    assert.equal(source.produced(), 8, 'nothing beyond the window');
    // Reading below half the window tops the grant up to the window again.
    for (let i = 0; i < 5; i++) assert.deepEqual(await stream.next(), { done: false, value: i });
    await eventuallyWithin(500, () => source.produced() === 13, 'credit topped up');
    await settle(10);
    assert.equal(source.produced(), 13);
    let expected = 5;
    for await (const item of stream) assert.equal(item, expected++);
    assert.equal(expected, 10_000);
    assert.equal(source.finallyRan(), true);
    client.close();
  });

  it('uses the documented default window and never more than maxBuffer', async () => {
    const { client, server } = createPeerPair();
    const a = counter(100_000);
    const b = counter(100_000);
    server.export('a', a.generator, { multipart: true });
    server.export('b', b.generator, { multipart: true });
    await client.remoteFeatures();
    const sa = client.callStream('a');
    const sb = client.callStream('b', {}, { maxBuffer: 10 });
    await eventuallyWithin(500, () => a.produced() === DEFAULT_STREAM_WINDOW && b.produced() === 10, 'windows produced');
    await settle(20);
    assert.equal(a.produced(), DEFAULT_STREAM_WINDOW);
    assert.equal(b.produced(), 10);
    sa.cancel();
    sb.cancel();
    await eventuallyWithin(500, () => a.finallyRan() && b.finallyRan(), 'cancel closes generators waiting for credit');
    assert.equal(server.activeHandlerCount, 0);
    client.close();
  });

  it('is off without the feature (a reference peer never sees a grant) and with window Infinity', async () => {
    const { client, server, clientLink } = createPeerPair();
    const source = counter(500);
    server.export('items', source.generator, { multipart: true });
    const stream = client.callStream('items');
    await eventuallyWithin(500, () => source.finallyRan(), 'runs to the end unpaced');
    assert.equal(source.produced(), 500);
    assert.equal(clientLink.sent.filter((s) => s.message.kind === 'notification').length, 0);
    stream.cancel();
    await client.remoteFeatures();
    const again = counter(500);
    server.export('again', again.generator, { multipart: true });
    const unpaced = client.callStream('again', {}, { window: Infinity });
    await eventuallyWithin(500, () => again.finallyRan(), 'window Infinity: unpaced');
    unpaced.cancel();
    client.close();
  });

  it('does not time out while the callee waits for this slow consumer', async () => {
    const { client, server } = createPeerPair();
    server.export('items', counter(20).generator, { multipart: true });
    await client.remoteFeatures();
    const stream = client.callStream<number>('items', {}, { window: 4, timeoutMs: 30 });
    await settle(100);
    const items: number[] = [];
    for await (const item of stream) items.push(item);
    assert.equal(items.length, 20);
    client.close();
  });

  it('holds grants for unknown ids in a bounded table', async () => {
    const { client, server } = createPeerPair();
    for (let id = 1_000_000; id < 1_005_000; id++) client.notify('credit', { id, n: 5 }, { namespace: '#sys' });
    // Junk grants are ignored, not trusted.
    for (const n of [0, -1, 1.5, 'x', 2 ** 40]) client.notify('credit', { id: 7, n }, { namespace: '#sys' });
    await settle(5);
    // The streams part's credit ledger holds them (rpc/flow-control.ts).
    const early = (server as unknown as { parts: { streams: { ledger: { early: Map<unknown, number> } } } }).parts.streams.ledger.early;
    assert.equal(early.size, 1024);
    assert.equal(early.has(7), false);
    assert.equal(server.activeHandlerCount, 0);
    client.close();
  });

  it('paces a topic subscriber and keeps the bounded per-subscriber queue (drop-oldest)', async () => {
    const topic = createTopic<number>({ bufferSize: 10 });
    const { client, server } = createPeerPair();
    server.export('ticks', topic.handler, { multipart: true });
    await client.remoteFeatures();
    const stream = client.callStream<number>('ticks', {}, { window: 4 });
    await eventuallyWithin(500, () => topic.subscriberCount === 1, 'subscribed');
    for (let i = 1; i <= 100; i++) {
      topic.publish(i);
      if (i <= 4) await settle(1);
    }
    await settle(10);
    const seen: number[] = [];
    for (let i = 0; i < 14; i++) seen.push((await stream.next()).value as number);
    // 4 in flight on the caller's credit, then the queue's 10 newest.
    assert.deepEqual(seen, [1, 2, 3, 4, ...Array.from({ length: 10 }, (_, k) => 91 + k)]);
    stream.cancel();
    await eventuallyWithin(500, () => topic.subscriberCount === 0, 'unsubscribed');
    client.close();
  });

  it('a paced topic subscriber with overflow close fails with limit-exceeded, others unaffected', async () => {
    const topic = createTopic<number>({ bufferSize: 3, overflow: 'close' });
    const { client, server } = createPeerPair();
    server.export('ticks', topic.handler, { multipart: true });
    await client.remoteFeatures();
    const slow = client.callStream<number>('ticks', {}, { window: 2 });
    const fast = client.callStream<number>('ticks');
    await eventuallyWithin(500, () => topic.subscriberCount === 2, 'subscribed');
    const fastSeen: number[] = [];
    const fastDone = (async () => {
      for await (const item of fast) {
        fastSeen.push(item);
        if (item === 20) break;
      }
    })();
    for (let i = 1; i <= 20; i++) {
      topic.publish(i);
      await settle(1);
    }
    await fastDone;
    assert.deepEqual(fastSeen, Array.from({ length: 20 }, (_, k) => k + 1));
    await assert.rejects(collect(slow), (e) => isSparrowError(e, 'limit-exceeded'));
    client.close();
  });
});
