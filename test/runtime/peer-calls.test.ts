import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { ErrorCode, SparrowError, fromWireError, isSparrowError, toWireError } from '../../runtime/errors.ts';
import { createPeer } from '../../runtime/rpc/peer.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { JSON_012, createMessageLinkPair, createScriptedRemote, settle } from '../helpers/message-links.ts';
import { createPeerPair, createRecordingLogger } from '../helpers/peers.ts';

describe('peer: calls', () => {
  it('calls in both directions with named params', async () => {
    const { client, server } = createPeerPair();
    server.export('add', ({ a, b }) => (a as number) + (b as number));
    client.export('greet', ({ name }) => `hi ${String(name)}`);
    assert.equal(await client.call('add', { a: 2, b: 3 }), 5);
    assert.equal(await server.call('greet', { name: 'Bill' }), 'hi Bill');
    client.close();
  });

  it('maps results and failures inside the call (mapResult, mapError), and a throwing mapResult rejects with what it threw', async () => {
    const { client, server } = createPeerPair();
    server.export('add', ({ a, b }) => (a as number) + (b as number));
    server.export('boom', () => {
      throw new Error('bad');
    });
    const double = (value: unknown): unknown => (value as number) * 2;
    const wrap = (error: SparrowError): unknown => ({ wrapped: error.code });
    assert.equal(await client.call('add', { a: 2, b: 3 }, { mapResult: double, mapError: wrap }), 10);
    await assert.rejects(client.call('boom', {}, { mapResult: double, mapError: wrap }), (error: unknown) => (error as { wrapped?: string }).wrapped === 'callee-error');
    await assert.rejects(client.call('missing', {}, { mapError: wrap }), (error: unknown) => (error as { wrapped?: string }).wrapped === 'target-not-found');
    const refuse = new Error('not a number');
    await assert.rejects(
      client.call('add', { a: 1, b: 1 }, { mapResult: () => { throw refuse; }, mapError: wrap }),
      (error: unknown) => error === refuse,
    );
    client.close();
  });

  it('keeps ids per side and matches interleaved responses to their calls', async () => {
    const { client, server, clientLink, serverLink } = createPeerPair();
    server.export('slow', async ({ ms, v }) => {
      await settle(ms as number);
      return v;
    });
    client.export('echo', ({ v }) => v);
    const results = await Promise.all([
      client.call('slow', { ms: 20, v: 'a' }),
      client.call('slow', { ms: 1, v: 'b' }),
      server.call('echo', { v: 'c' }),
      client.call('slow', { ms: 5, v: 'd' }),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c', 'd']);
    const clientIds = clientLink.sent.filter((s) => s.message.kind === 'request').map((s) => (s.message as { id: number }).id);
    const serverIds = serverLink.sent.filter((s) => s.message.kind === 'request').map((s) => (s.message as { id: number }).id);
    assert.deepEqual(clientIds, [1, 2, 3]);
    assert.deepEqual(serverIds, [1]);
    client.close();
  });

  it('resolves null (the callee\'s None) for a handler that returns nothing and sends no result part', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('nothing', () => undefined);
    assert.equal(await client.call('nothing'), null);
    const response = serverLink.sent.find((s) => s.message.kind === 'response')!.message;
    assert.deepEqual(response, { kind: 'response', to: 1, multipart: false, ack: false, hasResult: false });
    client.close();
  });

  it('omits an empty params map on requests and always sends one on notifications', async () => {
    const { client, server, clientLink } = createPeerPair();
    server.export('f', () => 1);
    let seen: unknown;
    server.export('log', (params) => {
      seen = params;
    });
    await client.call('f', {});
    client.notify('log');
    await settle();
    assert.equal('params' in clientLink.sent[0]!.message, false);
    assert.deepEqual((clientLink.sent[1]!.message as { params: unknown }).params, {});
    assert.deepEqual(seen, {});
    client.close();
  });

  it('delivers notifications and never answers them, not even for unknown targets', async () => {
    const { client, server, serverLink } = createPeerPair();
    const lines: unknown[] = [];
    server.export('log', ({ line }) => void lines.push(line));
    client.notify('log', { line: 'one' });
    client.notify('nope', { line: 'two' });
    client.notify('log', { line: 'three' });
    await settle();
    assert.deepEqual(lines, ['one', 'three']);
    assert.equal(serverLink.sent.length, 0);
    client.close();
  });

  it('logs a failing notification handler as a warning and keeps going', async () => {
    const { client, server, serverLog } = createPeerPair();
    server.export('boom', () => {
      throw new Error('bad');
    });
    client.notify('boom', {});
    await settle();
    assert.ok(serverLog.lines.some((l) => l.level === 'warn' && l.message.includes('boom')));
    client.close();
  });

  it('quiet requests resolve with undefined and send no result part', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('f', () => 'ignored');
    assert.equal(await client.call('f', {}, { quiet: true }), undefined);
    const request = serverLink.other!.sent[0]!.message;
    assert.equal((request as { requestType: string }).requestType, 'quiet');
    assert.equal((serverLink.sent[0]!.message as { hasResult: boolean }).hasResult, false);
    client.close();
  });

  it('quiet requests still report errors', async () => {
    const { client, server } = createPeerPair();
    server.export('f', () => {
      throw new RangeError('nope');
    });
    await assert.rejects(client.call('f', {}, { quiet: true }), (e) => isSparrowError(e, 'callee-error') && e.remoteType === 'RangeError');
    client.close();
  });

  it('acknowledged requests call onAck before the result arrives', async () => {
    const { client, server, serverLink } = createPeerPair();
    const order: string[] = [];
    server.export('f', async () => {
      await settle(5);
      order.push('handler done');
      return 'ok';
    });
    const result = await client.call('f', {}, { onAck: () => order.push('ack') });
    order.push(`result ${String(result)}`);
    assert.deepEqual(order, ['ack', 'handler done', 'result ok']);
    assert.deepEqual(serverLink.sent[0]!.message, { kind: 'ack', to: 1 });
    client.close();
  });

  it('does not acknowledge a request for an unknown target; answers TargetNotFound', async () => {
    const { client, serverLink } = createPeerPair();
    let acked = false;
    await assert.rejects(client.call('nope', {}, { onAck: () => (acked = true) }), (e) => isSparrowError(e, 'target-not-found'));
    assert.equal(acked, false);
    assert.deepEqual(serverLink.sent.map((s) => s.message.kind), ['exception']);
    client.close();
  });

  it('answers an unknown target with x {cat r, TargetNotFound, "target <t> not found"}', async () => {
    const { client, serverLink } = createPeerPair();
    await assert.rejects(client.call('no_such_function'), (e) => {
      assert.ok(isSparrowError(e, 'target-not-found'));
      assert.equal(e.remoteType, 'TargetNotFound');
      assert.equal(e.message, 'target no_such_function not found');
      return true;
    });
    assert.deepEqual(serverLink.sent[0]!.message, {
      kind: 'exception',
      to: 1,
      ack: false,
      error: { cat: 'r', type: 'TargetNotFound', msg: 'target no_such_function not found' },
    });
    client.close();
  });

  it('names the namespace of an unknown target outside the default one', async () => {
    const { client, server } = createPeerPair();
    server.export('get', () => 1, { namespace: 'notes' });
    await assert.rejects(client.call('gett', {}, { namespace: 'notes' }), (e) => isSparrowError(e, 'target-not-found') && e.message === 'target gett not found in namespace notes');
    client.close();
  });

  it("sends a caller error from a handler's own call as that handler's failure (cat e), not as the caller's", async () => {
    const { client, server, serverLink } = createPeerPair();
    // `put` calls the client back; the client exports no `show`.
    server.export('put', async (_params, ctx) => {
      await ctx.peer.call('show', {});
    });
    // A caller error the handler raises itself stays the caller's.
    server.export('check', () => {
      throw new SparrowError(ErrorCode.TargetNotFound, 'no such key');
    });
    await assert.rejects(client.call('put'), (e) => {
      assert.ok(isSparrowError(e, 'callee-error'));
      assert.equal(e.remoteType, 'TargetNotFound');
      assert.equal(e.message, 'a call made while handling this request failed: target show not found');
      return true;
    });
    const answer = serverLink.sent.map((s) => s.message).find((m) => m.kind === 'exception');
    assert.deepEqual(answer, { kind: 'exception', to: 1, ack: false, error: { cat: 'e', type: 'TargetNotFound', msg: 'a call made while handling this request failed: target show not found' } });
    await assert.rejects(client.call('check'), (e) => isSparrowError(e, 'target-not-found') && e.message === 'no such key');
    client.close();
  });

  it('reads an unsolicited ack (the reference bug for unknown targets) as target-not-found', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    const call = peer.call('no_such_function', {});
    const request = await remote.next();
    assert.equal(request.kind, 'request');
    remote.send({ kind: 'ack', to: 1 });
    await assert.rejects(call, (e) => isSparrowError(e, 'target-not-found') && e.message.includes('no_such_function'));
    peer.close();
  });

  it('keeps waiting after a solicited ack', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    let acks = 0;
    const call = peer.call('hello_world', undefined, { onAck: () => acks++ });
    const request = await remote.next();
    assert.equal((request as { ack: boolean }).ack, true);
    remote.send({ kind: 'ack', to: 1 });
    remote.send({ kind: 'ack', to: 1 });
    await settle();
    remote.send({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: 'Hello world!' });
    assert.equal(await call, 'Hello world!');
    assert.equal(acks, 1);
    peer.close();
  });

  it('drops responses for unknown ids with a debug line', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const log = createRecordingLogger();
    const peer = createPeer(link, { logger: log });
    const remote = createScriptedRemote(remoteLink);
    remote.send({ kind: 'response', to: 99, multipart: false, ack: false, hasResult: true, result: 1 });
    remote.send({ kind: 'exception', to: 98, ack: false, error: { cat: 'e', type: 'X', msg: '' } });
    remote.send({ kind: 'ack', to: 97 });
    await settle();
    assert.equal(log.lines.filter((l) => l.level === 'debug').length, 3);
    assert.equal(peer.isClosed, false);
    peer.close();
  });

  it('finds calls whose id the other side echoes as a numeric string', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    const call = peer.call('f');
    await remote.next();
    remote.send({ kind: 'response', to: '1', multipart: false, ack: false, hasResult: true, result: 7 });
    assert.equal(await call, 7);
    peer.close();
  });
});

describe('peer: errors', () => {
  it('sends invalid-params as cat r InvalidParams and maps it back', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('divide', ({ a, b }) => {
      if (b === 0) throw new SparrowError('invalid-params', 'b must not be 0');
      return (a as number) / (b as number);
    });
    await assert.rejects(client.call('divide', { a: 1, b: 0 }), (e) => {
      assert.ok(isSparrowError(e, 'invalid-params'));
      assert.equal(e.message, 'b must not be 0');
      assert.equal(e.remoteType, 'InvalidParams');
      return true;
    });
    assert.deepEqual((serverLink.sent[0]!.message as { error: unknown }).error, { cat: 'r', type: 'InvalidParams', msg: 'b must not be 0' });
    client.close();
  });

  it('sends any other Error as cat e with its name and message', async () => {
    const { client, server, serverLink } = createPeerPair();
    class RuntimeError extends Error {
      override name = 'RuntimeError';
    }
    server.export('bug', () => {
      throw new RuntimeError('a == 11 is a server bug');
    });
    await assert.rejects(client.call('bug'), (e) => {
      assert.ok(isSparrowError(e, 'callee-error'));
      assert.equal(e.remoteType, 'RuntimeError');
      assert.equal(e.message, 'a == 11 is a server bug');
      return true;
    });
    assert.deepEqual((serverLink.sent[0]!.message as { error: unknown }).error, { cat: 'e', type: 'RuntimeError', msg: 'a == 11 is a server bug' });
    client.close();
  });

  it('always sends msg, even for an error without a message or a thrown non-error', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('empty', () => {
      throw new Error();
    });
    server.export('string', () => {
      throw 'just a string';
    });
    await assert.rejects(client.call('empty'), (e) => isSparrowError(e, 'callee-error') && e.message === '');
    await assert.rejects(client.call('string'), (e) => isSparrowError(e, 'callee-error') && e.message === 'just a string');
    assert.deepEqual((serverLink.sent[0]!.message as { error: unknown }).error, { cat: 'e', type: 'Error', msg: '' });
    assert.deepEqual((serverLink.sent[1]!.message as { error: unknown }).error, { cat: 'e', type: 'Error', msg: 'just a string' });
    client.close();
  });

  it('carries typed errors with their data map', async () => {
    const { client, server, serverLink } = createPeerPair();
    server.export('get_blob', ({ id }) => {
      throw new SparrowError('callee-error', `no blob ${String(id)}`, { remoteType: 'NotFound', data: { id } });
    });
    await assert.rejects(client.call('get_blob', { id: 'x1' }), (e) => {
      assert.ok(isSparrowError(e, 'callee-error'));
      assert.equal(e.remoteType, 'NotFound');
      assert.deepEqual(e.data, { id: 'x1' });
      return true;
    });
    assert.deepEqual((serverLink.sent[0]!.message as { error: unknown }).error, { cat: 'e', type: 'NotFound', msg: 'no blob x1', data: { id: 'x1' } });
    client.close();
  });

  it('maps every wire category and type to its code', () => {
    const cases: Array<[unknown, string, string]> = [
      [{ cat: 'r', type: 'InvalidParams', msg: 'm' }, 'invalid-params', 'InvalidParams'],
      [{ cat: 'r', type: 'TargetNotFound', msg: 'm' }, 'target-not-found', 'TargetNotFound'],
      [{ cat: 'r', type: 'PermissionDenied', msg: 'm' }, 'permission-denied', 'PermissionDenied'],
      [{ cat: 'r', type: 'LimitExceeded', msg: 'm' }, 'limit-exceeded', 'LimitExceeded'],
      [{ cat: 'r', type: 'NotAuthorised', msg: 'm' }, 'caller-error', 'NotAuthorised'],
      [{ cat: 'r', type: 'toString', msg: 'm' }, 'caller-error', 'toString'],
      [{ cat: 'e', type: 'RuntimeError', msg: 'm' }, 'callee-error', 'RuntimeError'],
      [{ cat: 't', type: 'BrokenPipe', msg: 'm' }, 'callee-error', 'BrokenPipe'],
      [{ cat: 'e', type: 'KeyError' }, 'callee-error', 'KeyError'],
      ['garbage', 'callee-error', ''],
    ];
    for (const [wire, code, type] of cases) {
      const error = fromWireError(wire);
      assert.equal(error.code, code, JSON.stringify(wire));
      assert.equal(error.remoteType, type);
      assert.equal(typeof error.message, 'string');
    }
    assert.deepEqual(fromWireError({ cat: 'e', type: 'X', msg: 'm', details: 'd', value: 3, data: { a: 1 } }).data, { a: 1 });
  });

  it('maps every code to a wire category and never produces cat t', () => {
    const codes = ['invalid-params', 'target-not-found', 'caller-error', 'callee-error', 'permission-denied', 'timeout', 'aborted', 'connection-closed', 'connection-failed', 'protocol-error', 'limit-exceeded', 'invalid-state', 'serialisation-error', 'unsupported'] as const;
    for (const code of codes) {
      const wire = toWireError(new SparrowError(code, 'msg'));
      assert.notEqual(wire.cat, 't');
      assert.equal(wire.msg, 'msg');
      // Round trip keeps the code for the caller-side ones.
      if (['invalid-params', 'target-not-found', 'permission-denied', 'limit-exceeded', 'caller-error', 'callee-error'].includes(code)) {
        assert.equal(fromWireError(wire).code, code);
      } else {
        assert.equal(wire.cat, 'e');
      }
    }
    assert.equal(toWireError(new SparrowError('timeout', 'x')).type, 'Timeout');
    assert.equal(toWireError(new SparrowError('connection-closed', 'x')).type, 'ConnectionClosed');
    assert.deepEqual(toWireError(new SparrowError('caller-error', 'x', { remoteType: 'Nope' })), { cat: 'r', type: 'Nope', msg: 'x' });
  });

  it('answers with an exception when the result cannot be encoded', async () => {
    const { client, server } = createPeerPair();
    server.export('fn', () => () => 1);
    await assert.rejects(client.call('fn'), (e) => isSparrowError(e, 'callee-error'));
    client.close();
  });

  it('rejects a call whose params cannot be encoded, without sending anything', async () => {
    const { client, clientLink } = createPeerPair();
    await assert.rejects(client.call('f', { when: Symbol('x') }), (e) => isSparrowError(e, 'serialisation-error'));
    assert.equal(clientLink.sent.length, 0);
    assert.equal(client.pendingCount, 0);
    client.close();
  });
});

describe('peer: namespaces and #sys', () => {
  it('routes by namespace', async () => {
    const { client, server } = createPeerPair();
    server.export('add', ({ a, b }) => (a as number) + (b as number), { namespace: 'maths' });
    server.export('add', () => 'default namespace');
    assert.equal(await client.call('add', { a: 1, b: 2 }, { namespace: 'maths' }), 3);
    assert.equal(await client.call('add', { a: 1, b: 2 }), 'default namespace');
    await assert.rejects(client.call('add', {}, { namespace: 'other' }), (e) => isSparrowError(e, 'target-not-found'));
    client.close();
  });

  it('answers #sys.ping with "pong" and #sys.features with its extensions', async () => {
    const { client, server } = createPeerPair();
    assert.equal(await client.call('ping', undefined, { namespace: '#sys' }), 'pong');
    assert.equal(await server.call('ping', undefined, { namespace: '#sys' }), 'pong');
    assert.deepEqual(await client.call('features', undefined, { namespace: '#sys' }), ['batch', 'cancel', 'credit', 'describe']);
    assert.deepEqual([...(await client.remoteFeatures())], ['batch', 'cancel', 'credit', 'describe']);
    await assert.rejects(client.call('nope', undefined, { namespace: '#sys' }), (e) => isSparrowError(e, 'target-not-found'));
    client.close();
  });

  it('refuses user exports in #sys and duplicate exports', () => {
    const { client } = createPeerPair();
    assert.throws(() => client.export('ping', () => 1, { namespace: '#sys' }), (e) => isSparrowError(e, 'unsupported'));
    client.export('f', () => 1);
    assert.throws(() => client.export('f', () => 2), (e) => isSparrowError(e, 'invalid-state'));
    client.close();
  });

  it('looks up its own exports first, then a shared registry; unexport removes', async () => {
    const registry = createRegistry();
    registry.export('shared', () => 'from registry');
    registry.export('both', () => 'from registry');
    const { client, server } = createPeerPair({ server: { registry } });
    const unexport = server.export('both', () => 'own');
    assert.equal(await client.call('shared'), 'from registry');
    assert.equal(await client.call('both'), 'own');
    unexport();
    assert.equal(await client.call('both'), 'from registry');
    assert.deepEqual([...registry.entries()].map((r) => r.name), ['shared', 'both']);
    client.close();
  });

  it('gives handlers a context with peer, target, namespace, id, format and callerIdentity', async () => {
    const { client, server } = createPeerPair({ server: { callerIdentity: { user: 'ann' } } });
    let seen: Record<string, unknown> = {};
    server.export(
      'who',
      (_params, ctx) => {
        seen = { peer: ctx.peer, target: ctx.target, namespace: ctx.namespace, id: ctx.id, format: ctx.format, identity: ctx.callerIdentity, aborted: ctx.signal.aborted };
        return null;
      },
      { namespace: 'ns' },
    );
    await client.call('who', {}, { namespace: 'ns' });
    assert.equal(seen['peer'], server);
    assert.deepEqual({ ...seen, peer: undefined }, {
      peer: undefined,
      target: 'who',
      namespace: 'ns',
      id: 1,
      format: { layout: '0.1.2', serialiser: 'j', protocol: '.5' },
      identity: { user: 'ann' },
      aborted: false,
    });
    client.close();
  });

  it('reports no remote features for a reference peer (bare ack or not found)', async () => {
    const [link, remoteLink] = createMessageLinkPair();
    const peer = createPeer(link, { logger: createRecordingLogger() });
    const remote = createScriptedRemote(remoteLink);
    const features = peer.remoteFeatures();
    const request = await remote.next();
    assert.deepEqual({ ...request, format: undefined }, { kind: 'request', id: 1, target: 'features', namespace: '#sys', requestType: 'normal', ack: false, format: undefined });
    remote.send({ kind: 'ack', to: 1 }, JSON_012);
    assert.equal((await features).size, 0);
    assert.equal(peer.remoteFeatures(), peer.remoteFeatures());
    peer.close();
  });
});
