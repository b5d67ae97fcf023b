import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
// And the codec parts the Node entry installs: the `b` protocol, the fast framer.
import '../../runtime/envelope/node-parts.ts';
import { SparrowError, isSparrowError } from '../../runtime/errors.ts';
import type { WireFormat } from '../../runtime/envelope/message.ts';
import { createPeer } from '../../runtime/rpc/peer.ts';
import { sleep } from '../helpers/async-waits.ts';
import { JSON_012, createMessageLinkPair, createScriptedRemote, settle } from '../helpers/message-links.ts';
import { createPeerPair, createRecordingLogger } from '../helpers/peers.ts';

const never = () => new Promise<never>(() => {});

describe('peer: timeouts and aborts', () => {
  it('rejects with timeout after the peer default and frees the slot', async () => {
    const { client, server } = createPeerPair({ client: { timeoutMs: 30 } });
    server.export('hang', never);
    const call = client.call('hang');
    let settled = false;
    call.then(() => (settled = true), () => (settled = true));
    // A 25 ms timer started after the call's 30 ms one fires first: the call must still be pending then.
    await sleep(25);
    assert.equal(settled, false, 'no timeout before the 30 ms');
    await assert.rejects(call, (e) => isSparrowError(e, 'timeout'));
    assert.equal(client.pendingCount, 0);
    client.close();
  });

  it('a per-call timeout overrides the default; 0 and Infinity mean none', async () => {
    const { client, server } = createPeerPair({ client: { timeoutMs: 20 } });
    server.export('slow', async () => {
      await settle(50);
      return 'done';
    });
    assert.equal(await client.call('slow', {}, { timeoutMs: 0 }), 'done');
    assert.equal(await client.call('slow', {}, { timeoutMs: Infinity }), 'done');
    await assert.rejects(client.call('slow', {}, { timeoutMs: 5 }), (e) => isSparrowError(e, 'timeout'));
    client.close();
  });

  it('times out a short call among long ones, and staggered timeouts each in turn (one sweep timer per peer)', async () => {
    const { client, server } = createPeerPair({ client: { timeoutMs: 60_000 } });
    server.export('hang', never);
    const long = Array.from({ length: 50 }, () => client.call('hang'));
    for (const call of long) call.catch(() => {});
    const started = Date.now();
    const settledAt: number[] = [];
    const short = [40, 15, 25].map((timeoutMs) =>
      assert.rejects(client.call('hang', {}, { timeoutMs }), (e) => {
        settledAt.push(Date.now() - started);
        return isSparrowError(e, 'timeout');
      }),
    );
    await Promise.all(short);
    assert.equal(settledAt.length, 3);
    assert.ok(settledAt[0]! >= 14 && settledAt[2]! >= 39, `never early: ${settledAt.join(', ')}`);
    assert.deepEqual([...settledAt].sort((a, b) => a - b), settledAt, 'in deadline order');
    assert.equal(client.pendingCount, 50, 'the long calls are still pending');
    client.close();
    await Promise.allSettled(long);
  });

  it('rejects a negative or NaN timeout with invalid-params without sending', async () => {
    const { client, clientLink } = createPeerPair();
    await assert.rejects(client.call('f', {}, { timeoutMs: -1 }), (e) => isSparrowError(e, 'invalid-params'));
    await assert.rejects(client.call('f', {}, { timeoutMs: Number.NaN }), (e) => isSparrowError(e, 'invalid-params'));
    assert.equal(clientLink.sent.length, 0);
    assert.throws(() => createPeer(createMessageLinkPair()[0], { maxPendingCalls: 0 }), (e) => isSparrowError(e, 'invalid-params'));
    client.close();
  });

  it('rejects with aborted for a signal aborted before the call, sending nothing', async () => {
    const { client, clientLink } = createPeerPair();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.call('f', {}, { signal: controller.signal }), (e) => isSparrowError(e, 'aborted'));
    assert.equal(clientLink.sent.length, 0);
    client.close();
  });

  it('rejects with aborted while pending, ignores the late response, and cancels remotely', async () => {
    const { client, server } = createPeerPair();
    let handlerSignal: AbortSignal | undefined;
    let release: (v: string) => void = () => {};
    server.export('wait', (_p, ctx) => {
      handlerSignal = ctx.signal;
      return new Promise<string>((resolve) => (release = resolve));
    });
    await client.remoteFeatures();
    const controller = new AbortController();
    const call = client.call('wait', {}, { signal: controller.signal });
    await settle();
    controller.abort(new Error('user gave up'));
    await assert.rejects(call, (e) => isSparrowError(e, 'aborted') && (e.cause as Error).message === 'user gave up');
    await settle();
    assert.equal(handlerSignal?.aborted, true);
    assert.ok(isSparrowError(handlerSignal?.reason, 'aborted'));
    release('late');
    await settle();
    assert.equal(client.pendingCount, 0);
    assert.equal(server.activeHandlerCount, 0);
    client.close();
  });

  it('does not send #sys.cancel to a peer that did not report the cancel feature', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    const controller = new AbortController();
    const call = peer.call('f', {}, { signal: controller.signal });
    await remote.next();
    controller.abort();
    await assert.rejects(call, (e) => isSparrowError(e, 'aborted'));
    await settle();
    assert.equal(remote.queued.length, 0);
    peer.close();
  });
});

describe('peer: close', () => {
  it('rejects every pending call with connection-closed when the transport closes', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('hang', never);
    const calls = [client.call('hang'), client.call('hang', {}, { timeoutMs: 0 }), client.call('hang', {}, { quiet: true })];
    const stream = client.callStream('hang');
    await settle();
    serverLink.close();
    for (const call of calls) await assert.rejects(call, (e) => isSparrowError(e, 'connection-closed'));
    await assert.rejects(stream.next(), (e) => isSparrowError(e, 'connection-closed'));
    await client.closed;
    assert.equal(client.isClosed, true);
    assert.equal(client.pendingCount, 0);
  });

  it('reports a broken transport with the cause, to onClose listeners and to pending calls', async () => {
    const { client, server, clientLink } = createPeerPair();
    server.export('hang', never);
    const reasons: SparrowError[] = [];
    client.onClose((reason) => reasons.push(reason));
    const call = client.call('hang');
    await settle();
    clientLink.breakWith(new Error('ECONNRESET'));
    await assert.rejects(call, (e) => isSparrowError(e, 'connection-closed') && (e.cause as Error).message === 'ECONNRESET');
    await client.closed;
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!.message, /ECONNRESET/);
  });

  it('close() fails pending calls, aborts running handlers on the other side, and is idempotent', async () => {
    const { client, server } = createPeerPair();
    let signal: AbortSignal | undefined;
    server.export('hang', (_p, ctx) => {
      signal = ctx.signal;
      return never();
    });
    const call = client.call('hang');
    await settle();
    client.close();
    client.close();
    await assert.rejects(call, (e) => isSparrowError(e, 'connection-closed'));
    await server.closed;
    assert.equal(signal?.aborted, true);
    await assert.rejects(client.call('again'), (e) => isSparrowError(e, 'connection-closed'));
    assert.throws(() => client.notify('again'), (e) => isSparrowError(e, 'connection-closed'));
    let late = false;
    client.onClose(() => (late = true));
    await settle();
    assert.equal(late, true);
  });

  it('closes on a fatal protocol error and only logs a non-fatal one', async () => {
    const { client, clientLink, clientLog } = createPeerPair();
    clientLink.protocolError(new SparrowError('protocol-error', 'bad envelope'), false);
    assert.equal(client.isClosed, false);
    assert.ok(clientLog.lines.some((l) => l.level === 'warn' && l.message.includes('bad envelope')));
    const call = client.call('x', {}, { timeoutMs: 0 });
    clientLink.protocolError(new SparrowError('protocol-error', 'chain too long'), true);
    await assert.rejects(call, (e) => isSparrowError(e, 'connection-closed') && e.message.includes('chain too long'));
    assert.equal(client.isClosed, true);
    assert.ok(clientLog.lines.some((l) => l.level === 'error'));
  });

  it('survives garbage from the other side', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const log = createRecordingLogger();
    const peer = createPeer(link, { logger: log });
    peer.export('f', () => 1);
    const remote = createScriptedRemote(remoteLink);
    remote.send({ kind: 'bogus' } as never);
    remote.send({ kind: 'request', id: 1, target: 'f', requestType: 'normal', ack: false, params: 'not a map' as never });
    remote.send({ kind: 'request', id: 2, target: 'f', requestType: 'normal', ack: false, callbackOf: 77 });
    remote.send({ kind: 'notification', target: 'zzz', callbackOf: 77 });
    remote.send({ kind: 'exception', to: 5, ack: false, error: null as never });
    await settle();
    assert.equal(peer.isClosed, false);
    const invalid = await remote.next();
    assert.equal(invalid.kind, 'exception');
    assert.equal((invalid as { error: { type: string } }).error.type, 'InvalidParams');
    const notFound = await remote.next();
    assert.equal(notFound.kind, 'exception');
    peer.close();
  });
});

describe('peer: limits', () => {
  it('rejects calls beyond maxPendingCalls with limit-exceeded, without sending', async () => {
    const { client, server, clientLink } = createPeerPair({ client: { maxPendingCalls: 2 } });
    server.export('hang', never);
    const first = client.call('hang');
    const second = client.call('hang');
    await assert.rejects(client.call('hang'), (e) => isSparrowError(e, 'limit-exceeded'));
    assert.equal(clientLink.sent.length, 2);
    client.close();
    await assert.rejects(first);
    await assert.rejects(second);
  });

  it('answers requests beyond maxConcurrentHandlers with LimitExceeded and drops excess notifications', async () => {
    const { client, server, serverLog } = createPeerPair({ server: { maxConcurrentHandlers: 2 } });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let notified = 0;
    server.export('wait', async () => {
      await gate;
      return 'ok';
    });
    server.export('note', () => void notified++);
    const a = client.call('wait');
    const b = client.call('wait');
    await assert.rejects(client.call('wait'), (e) => isSparrowError(e, 'limit-exceeded') && e.remoteType === 'LimitExceeded');
    client.notify('note');
    await settle();
    assert.equal(notified, 0);
    assert.ok(serverLog.lines.some((l) => l.level === 'warn' && l.message.includes('note')));
    release();
    assert.deepEqual(await Promise.all([a, b]), ['ok', 'ok']);
    assert.equal(await client.call('wait'), 'ok');
    assert.equal(server.activeHandlerCount, 0);
    client.close();
  });
});

describe('peer: format adoption (§8)', () => {
  it('a connector starts in its configured serialiser and layout (default j, 0.1.2)', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    void peer.call('a', {}, { timeoutMs: 0 }).catch(() => {});
    assert.deepEqual((await remote.next()).format, JSON_012);
    peer.close();
    const [link2, remoteLink2] = createMessageLinkPair();
    const peer2 = createPeer(link2, { logger: createRecordingLogger(), serialiser: 'c', layout: 'next' });
    const remote2 = createScriptedRemote(remoteLink2);
    void peer2.call('a', {}, { timeoutMs: 0 }).catch(() => {});
    assert.deepEqual((await remote2.next()).format, { layout: 'next', serialiser: 'c', protocol: '.5' });
    peer2.close();
  });

  it('answers in the request format exactly and adopts it for calls it starts afterwards', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    peer.export('hello', () => 'hi');
    const remote = createScriptedRemote(remoteLink);
    const mixed: WireFormat = { layout: 'next', serialiser: 'm', payloadSerialiser: 'j', protocol: '.5' };
    remote.send({ kind: 'request', id: 1, target: 'hello', requestType: 'normal', ack: false }, mixed);
    const response = await remote.next();
    assert.deepEqual(response.format, mixed);
    assert.deepEqual(peer.format, { layout: 'next', serialiser: 'm', protocol: '.5' });
    void peer.call('back', {}, { timeoutMs: 0 }).catch(() => {});
    assert.deepEqual((await remote.next()).format, { layout: 'next', serialiser: 'm', protocol: '.5' });
    // A notification is a top-level call too.
    remote.send({ kind: 'notification', target: 'nothing', params: {} }, { layout: '0.1.2', serialiser: 'c', protocol: '.5' });
    await settle();
    assert.deepEqual(peer.format, { layout: '0.1.2', serialiser: 'c', protocol: '.5' });
    peer.close();
  });

  it('does not adopt from callback calls or from the basic encoder', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    const call = peer.call('work', { progress: () => {} });
    await remote.next();
    remote.send({ kind: 'notification', target: 'progress', callbackOf: 1, params: {} }, { layout: 'next', serialiser: 'm', protocol: '.5' });
    remote.send({ kind: 'request', id: 9, target: 'ping', namespace: '#sys', requestType: 'normal', ack: false }, { layout: '0.1.2', serialiser: 'j', protocol: 'b' });
    const pong = await remote.next();
    assert.equal(pong.format.protocol, 'b');
    assert.deepEqual(peer.format, JSON_012);
    remote.send({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: false });
    assert.equal(await call, null);
    peer.close();
  });
});
