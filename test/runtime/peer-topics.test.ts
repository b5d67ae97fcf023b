import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { createTopic } from '../../runtime/rpc/topic.ts';
import { eventuallyWithin, take } from '../helpers/async-waits.ts';
import { createPeerPair } from '../helpers/peers.ts';

describe('peer: topics as multipart subscriptions', () => {
  it('delivers every published value to every subscriber, across connections', async () => {
    const ticks = createTopic<number>();
    const registry = createRegistry();
    registry.export('ticks', ticks.handler, { multipart: true });
    const one = createPeerPair({ server: { registry } });
    const two = createPeerPair({ server: { registry } });
    const a = one.client.callStream<number>('ticks');
    const b = two.client.callStream<number>('ticks');
    await eventuallyWithin(200, () => ticks.subscriberCount === 2);
    for (let i = 1; i <= 3; i++) ticks.publish(i);
    assert.deepEqual(await take(a, 3), [1, 2, 3]);
    assert.deepEqual(await take(b, 3), [1, 2, 3]);
    ticks.close();
    assert.deepEqual(await a.next(), { done: true, value: undefined });
    assert.deepEqual(await b.next(), { done: true, value: undefined });
    one.client.close();
    two.client.close();
  });

  it('unsubscribes on cancel (with the cancel feature) and on connection close', async () => {
    const ticks = createTopic<number>();
    const { client, server } = createPeerPair();
    server.export('ticks', ticks.handler, { multipart: true });
    await client.remoteFeatures();
    const stream = client.callStream<number>('ticks');
    await eventuallyWithin(200, () => ticks.subscriberCount === 1);
    ticks.publish(1);
    assert.deepEqual(await take(stream, 1), [1]);
    stream.cancel();
    await eventuallyWithin(200, () => ticks.subscriberCount === 0);
    const again = client.callStream<number>('ticks');
    await eventuallyWithin(200, () => ticks.subscriberCount === 1);
    client.close();
    await assert.rejects(again.next(), (e) => isSparrowError(e, 'connection-closed'));
    await eventuallyWithin(200, () => ticks.subscriberCount === 0);
  });

  it('never lets a slow subscriber hold up the publisher: drop-oldest or close', async () => {
    const dropping = createTopic<number>({ bufferSize: 2 });
    const closing = createTopic<number>({ bufferSize: 2, overflow: 'close' });
    const { client, server } = createPeerPair();
    server.export('dropping', dropping.handler, { multipart: true });
    server.export('closing', closing.handler, { multipart: true });
    const d = client.callStream<number>('dropping');
    const c = client.callStream<number>('closing');
    await eventuallyWithin(200, () => dropping.subscriberCount === 1 && closing.subscriberCount === 1);
    // The first value goes straight to the waiting sender; the rest queue synchronously.
    for (let i = 1; i <= 5; i++) {
      dropping.publish(i);
      closing.publish(i);
    }
    assert.deepEqual(await take(d, 3), [1, 4, 5]);
    await assert.rejects(take(c, 5), (e) => isSparrowError(e, 'limit-exceeded'));
    assert.equal(closing.subscriberCount, 0);
    client.close();
  });
});
