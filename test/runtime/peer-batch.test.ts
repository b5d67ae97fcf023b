/**
 * Batched multipart parts (feature `batch`, docs/protocol-extensions.md):
 * only a caller that opted in through its initial `#sys.credit` grant gets
 * them (a reference caller's traffic is byte for byte what it was), credit
 * still counts items, an async producer's items are never held back, and a
 * hostile batch fails the stream with a typed error without hurting the peer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { encodeMessage } from '../../runtime/envelope/codec.ts';
import type { Message, NotificationMessage, RequestMessage, ResponseMessage, WireFormat } from '../../runtime/envelope/message.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { createPeer } from '../../runtime/rpc/peer.ts';
import { createMemoryTransportPair } from '../../runtime/transport/memory.ts';
import { collect, eventuallyWithin } from '../helpers/async-waits.ts';
import { createMessageLinkPair, createScriptedRemote, settle } from '../helpers/message-links.ts';
import { createPeerPair } from '../helpers/peers.ts';
import { toHex } from '../helpers/vectors.ts';

const FORMATS: readonly WireFormat[] = [
  { layout: '0.1.2', serialiser: 'j', protocol: '.5' },
  { layout: '0.1.2', serialiser: 'm', protocol: '.5' },
  { layout: 'next', serialiser: 'c', protocol: '.5' },
];

/**
 * A raw caller (as a reference peer would be) talking to a Sparrow callee
 * over the real codec: `send` writes encoded messages, `chains` holds every
 * chain the callee wrote, as bytes.
 */
function rawCaller(format: WireFormat): { send(message: Message): void; chains: Uint8Array[] } {
  const [callerSide, calleeSide] = createMemoryTransportPair();
  const chains: Uint8Array[] = [];
  callerSide.start({ onData: (bytes) => void chains.push(Uint8Array.from(bytes)), onClose: () => {} });
  const callee = createPeer(createMessageLink(calleeSide), { logger: silentLogger });
  callee.export('count', function* ({ n }) {
    for (let i = 0; i < (n as number); i++) yield { i };
  }, { multipart: true });
  return { send: (message) => callerSide.send(encodeMessage(message, format)), chains };
}

/** One part per item, exactly as an unbatched callee encodes them, then the terminator. */
function unbatchedAnswer(id: number, n: number, format: WireFormat): string[] {
  const parts: ResponseMessage[] = Array.from({ length: n }, (_, i) => ({ kind: 'response', to: id, multipart: true, ack: false, hasResult: true, result: { i } }));
  parts.push({ kind: 'response', to: id, multipart: true, final: 'terminator', ack: false, hasResult: false });
  return parts.map((part) => toHex(encodeMessage(part, format)));
}

const request = (n: number): RequestMessage => ({ kind: 'request', id: 1, target: 'count', requestType: 'normal', ack: false, params: { n } });
const grant = (params: Record<string, unknown>): NotificationMessage => ({ kind: 'notification', target: 'credit', namespace: '#sys', params });

describe('peer: batched parts only for a caller that opted in', () => {
  for (const format of FORMATS) {
    const label = `${format.serialiser} ${format.layout}`;

    it(`${label}: a reference caller (no credit) gets one part per item, byte for byte as before`, async () => {
      const caller = rawCaller(format);
      caller.send(request(20));
      await eventuallyWithin(500, () => Buffer.concat(caller.chains).length >= unbatchedAnswer(1, 20, format).join('').length / 2, 'the whole answer');
      assert.equal(toHex(Buffer.concat(caller.chains)), unbatchedAnswer(1, 20, format).join(''));
    });

    it(`${label}: a grant without batch: true (or with a non-boolean) keeps one part per item`, async () => {
      for (const params of [{ id: 1, n: 100 }, { id: 1, n: 100, batch: 'yes' }, { id: 1, n: 100, batch: 1 }]) {
        const caller = rawCaller(format);
        caller.send(grant(params));
        caller.send(request(20));
        await eventuallyWithin(500, () => Buffer.concat(caller.chains).length >= unbatchedAnswer(1, 20, format).join('').length / 2, 'the whole answer');
        assert.equal(toHex(Buffer.concat(caller.chains)), unbatchedAnswer(1, 20, format).join(''));
      }
    });

    it(`${label}: a grant with batch: true gets lists of items, still bounded by the credit`, async () => {
      const caller = rawCaller(format);
      caller.send(grant({ id: 1, n: 8, batch: true }));
      caller.send(request(20));
      await settle(20);
      const expected: ResponseMessage = { kind: 'response', to: 1, multipart: true, ack: false, hasResult: true, result: Array.from({ length: 8 }, (_, i) => ({ i })) };
      // A sync producer fills the credit in one batch, then waits for more.
      assert.equal(toHex(Buffer.concat(caller.chains)), toHex(encodeMessage(expected, format)));
    });
  }
});

describe('peer: batched streams between two Sparrow peers', () => {
  it('a stream opted in when the other side lists batch, and not otherwise', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('count', function* ({ n }) {
      for (let i = 0; i < (n as number); i++) yield i;
    }, { multipart: true });
    // Before remoteFeatures(): no credit, so no batches.
    assert.deepEqual(await collect(client.callStream('count', { n: 5 })), [0, 1, 2, 3, 4]);
    const unbatched = serverLink.sent.map((s) => s.message).filter((m) => m.kind === 'response' && m.multipart && m.final === undefined);
    assert.deepEqual(unbatched.map((m) => (m as ResponseMessage).result), [0, 1, 2, 3, 4]);
    await client.remoteFeatures();
    serverLink.sent.length = 0;
    assert.deepEqual(await collect(client.callStream('count', { n: 5 })), [0, 1, 2, 3, 4]);
    const batched = serverLink.sent.map((s) => s.message).filter((m) => m.kind === 'response' && m.multipart && m.final === undefined);
    assert.deepEqual(batched.map((m) => (m as ResponseMessage).result), [[0, 1, 2, 3, 4]]);
    // window: Infinity turns flow control, and with it batching, off for one stream.
    serverLink.sent.length = 0;
    assert.deepEqual(await collect(client.callStream('count', { n: 3 }, { window: Infinity })), [0, 1, 2]);
    assert.equal(serverLink.sent.filter((s) => s.message.kind === 'response' && s.message.multipart && s.message.final === undefined).length, 3);
    client.close();
  });

  it('null items arrive as undefined, as they do unbatched', async () => {
    const { client, server } = createPeerPair();
    server.export('holes', () => [1, null, undefined, 2], { multipart: true });
    await client.remoteFeatures();
    assert.deepEqual(await collect(client.callStream('holes')), [1, undefined, undefined, 2]);
    client.close();
  });

  it('credit still counts items: a slow consumer holds the producer to consumed + window', async () => {
    const { client, server, serverLink } = createPeerPair();
    let produced = 0;
    server.export('count', function* () {
      for (;;) yield produced++;
    }, { multipart: true });
    await client.remoteFeatures();
    const stream = client.callStream<number>('count', {}, { window: 16 });
    for (let consumed = 0; consumed < 40; consumed++) {
      assert.deepEqual(await stream.next(), { done: false, value: consumed });
      await settle();
      assert.ok(produced <= consumed + 1 + 16, `produced ${produced} after ${consumed + 1} read`);
    }
    const parts = serverLink.sent.filter((s) => s.message.kind === 'response' && s.message.multipart && s.message.final === undefined);
    assert.ok(parts.every((s) => Array.isArray((s.message as ResponseMessage).result)));
    stream.cancel();
    client.close();
  });

  it("an async producer's item is never held back waiting for the next one", async () => {
    const { client, server } = createPeerPair();
    let release: (() => void) | undefined;
    server.export('ping_pong', async function* () {
      for (let i = 0; i < 5; i++) {
        yield i;
        // The next item only comes once the caller has read this one: a batch that waited would deadlock.
        await new Promise<void>((resolve) => (release = resolve));
      }
    }, { multipart: true });
    await client.remoteFeatures();
    const seen: number[] = [];
    for await (const item of client.callStream<number>('ping_pong')) {
      seen.push(item);
      release?.();
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    client.close();
  });

  it('an async producer whose items are ready at once still batches them', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('quick', async function* () {
      for (let i = 0; i < 200; i++) yield i;
    }, { multipart: true });
    await client.remoteFeatures();
    const items = await collect(client.callStream<number>('quick'));
    assert.deepEqual(items, Array.from({ length: 200 }, (_, i) => i));
    const parts = serverLink.sent.filter((s) => s.message.kind === 'response' && s.message.multipart && s.message.final === undefined);
    assert.ok(parts.length < 20, `${parts.length} parts for 200 items`);
    client.close();
  });

  it('an error part-way arrives after every item gathered before it', async () => {
    const { client, server } = createPeerPair();
    server.export('fails', function* () {
      yield 1;
      yield 2;
      throw new Error('broken producer');
    }, { multipart: true });
    await client.remoteFeatures();
    const seen: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of client.callStream('fails')) seen.push(item);
      })(),
      (error) => isSparrowError(error, 'callee-error') && /broken producer/.test(error.message),
    );
    assert.deepEqual(seen, [1, 2]);
    client.close();
  });
});

describe('peer: a hostile batch fails the stream with protocol-error, never the peer', () => {
  /** A Sparrow caller and a scripted callee that claims the batch feature. */
  async function hostile(): Promise<{ client: ReturnType<typeof createPeer>; remote: ReturnType<typeof createScriptedRemote> }> {
    const [clientLink, remoteLink] = createMessageLinkPair();
    const client = createPeer(clientLink, { logger: silentLogger });
    const remote = createScriptedRemote(remoteLink);
    const features = client.remoteFeatures();
    const asked = await remote.next();
    assert.equal(asked.kind, 'request');
    remote.send({ kind: 'response', to: (asked as RequestMessage).id, multipart: false, ack: false, hasResult: true, result: ['batch', 'cancel', 'credit'] });
    await features;
    return { client, remote };
  }

  /** Opens a stream with window 8; returns it and its request id, after the grant {batch: true}. */
  async function open(client: ReturnType<typeof createPeer>, remote: ReturnType<typeof createScriptedRemote>) {
    const stream = client.callStream<number>('s', {}, { window: 8 });
    const credit = (await remote.next()) as NotificationMessage;
    const req = (await remote.next()) as RequestMessage;
    assert.deepEqual(credit.params, { id: req.id, n: 8, batch: true });
    return { stream, id: req.id };
  }

  const part = (to: number, result: unknown): ResponseMessage => ({ kind: 'response', to, multipart: true, ack: false, hasResult: true, result });

  it('a part that is not a list: the items before it, then protocol-error, and the callee is cancelled', async () => {
    const { client, remote } = await hostile();
    const { stream, id } = await open(client, remote);
    remote.send(part(id as number, [1, 2]));
    remote.send(part(id as number, 'not a list'));
    assert.deepEqual(await stream.next(), { done: false, value: 1 });
    assert.deepEqual(await stream.next(), { done: false, value: 2 });
    await assert.rejects(stream.next(), (error) => isSparrowError(error, 'protocol-error'));
    const cancel = (await remote.next()) as NotificationMessage;
    assert.deepEqual([cancel.target, cancel.params], ['cancel', { id }]);
    assert.equal(client.isClosed, false);
    client.close();
  });

  it('a list beyond the credit granted fails the stream at once, however long', async () => {
    for (const length of [9, 1_000_000]) {
      const { client, remote } = await hostile();
      const { stream, id } = await open(client, remote);
      remote.send(part(id as number, Array.from({ length }, (_, i) => i)));
      await assert.rejects(stream.next(), (error) => isSparrowError(error, 'protocol-error') && /granted/.test(error.message));
      const cancel = (await remote.next()) as NotificationMessage;
      assert.deepEqual([cancel.target, cancel.params], ['cancel', { id }]);
      // The peer still works: a new stream is served normally.
      const next = await open(client, remote);
      remote.send(part(next.id as number, [7]));
      remote.send({ kind: 'response', to: next.id, multipart: true, final: 'terminator', ack: false, hasResult: false });
      assert.deepEqual(await collect(next.stream), [7]);
      client.close();
    }
  });

  it('a part without payload on a batched stream is not a list either', async () => {
    const { client, remote } = await hostile();
    const { stream, id } = await open(client, remote);
    remote.send({ kind: 'response', to: id, multipart: true, ack: false, hasResult: false });
    await assert.rejects(stream.next(), (error) => isSparrowError(error, 'protocol-error'));
    client.close();
  });
});
