import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SparrowError, isSparrowError } from '../../runtime/errors.ts';
import type { InterceptedCall, Interceptor } from '../../runtime/rpc/types.ts';
import { collect, eventually } from '../helpers/async-waits.ts';
import { createPeerPair } from '../helpers/peers.ts';

/** Records what each interceptor saw, in order, as "direction kind target: outcome". */
function recorder(name: string, seen: string[]): Interceptor {
  const record = async (call: InterceptedCall, next: () => Promise<unknown>): Promise<unknown> => {
    seen.push(`${name} ${call.direction} ${call.kind} ${call.target} in`);
    try {
      const result = await next();
      seen.push(`${name} ${call.direction} ${call.kind} ${call.target} ok ${JSON.stringify(result) ?? 'undefined'}`);
      return result;
    } catch (error) {
      seen.push(`${name} ${call.direction} ${call.kind} ${call.target} failed ${(error as SparrowError).code}`);
      throw error;
    }
  };
  return { outgoing: record, incoming: record };
}

describe('peer: interceptors', () => {
  it('run in order around unary calls on both sides and see params, result and error', async () => {
    const seen: string[] = [];
    const { client, server } = createPeerPair({
      client: { interceptors: [recorder('c1', seen), recorder('c2', seen)] },
      server: { interceptors: [recorder('s', seen)] },
    });
    server.export('add', ({ a, b }) => (a as number) + (b as number));
    server.export('boom', () => {
      throw new SparrowError(ErrorCode.InvalidParams, 'no');
    });
    assert.equal(await client.call('add', { a: 1, b: 2 }), 3);
    await assert.rejects(client.call('boom'), (e) => isSparrowError(e, 'invalid-params'));
    assert.deepEqual(seen, [
      'c1 outgoing call add in',
      'c2 outgoing call add in',
      's incoming call add in',
      's incoming call add ok 3',
      'c2 outgoing call add ok 3',
      'c1 outgoing call add ok 3',
      'c1 outgoing call boom in',
      'c2 outgoing call boom in',
      's incoming call boom in',
      's incoming call boom failed invalid-params',
      'c2 outgoing call boom failed invalid-params',
      'c1 outgoing call boom failed invalid-params',
    ]);
    client.close();
  });

  it('may change params and results, and refuse a call with a typed error on either side', async () => {
    const handled: unknown[] = [];
    const { client, server } = createPeerPair({
      client: {
        interceptors: [
          {
            outgoing: (call, next) => {
              if (call.target === 'forbidden') throw new SparrowError(ErrorCode.PermissionDenied, 'not from here');
              call.params = { ...call.params, token: 'abc' };
              return next().then((result) => `<${String(result)}>`);
            },
          },
        ],
      },
      server: {
        interceptors: [
          {
            incoming: (call, next) => {
              if (call.params.token !== 'abc') throw new SparrowError(ErrorCode.PermissionDenied, 'bad token');
              call.metadata.user = 'alice';
              return next();
            },
          },
        ],
      },
    });
    server.export('echo', (params) => (handled.push(params), params.text));
    server.export('forbidden', () => 'ran');
    assert.equal(await client.call('echo', { text: 'hi' }), '<hi>');
    await assert.rejects(client.call('forbidden'), (e) => isSparrowError(e, 'permission-denied') && /not from here/.test(e.message));
    // A peer without the token is refused by the server's interceptor: the handler never runs.
    const bare = createPeerPair({ server: { interceptors: [{ incoming: (call, next) => (call.params.token === 'abc' ? next() : Promise.reject(new SparrowError(ErrorCode.PermissionDenied, 'bad token'))) }] } });
    bare.server.export('echo', (params) => (handled.push(params), params.text));
    await assert.rejects(bare.client.call('echo', { text: 'x' }), (e) => isSparrowError(e, 'permission-denied'));
    assert.deepEqual(handled, [{ text: 'hi', token: 'abc' }]);
    client.close();
    bare.client.close();
  });

  it('see streams end to end, notifications and callbacks, and leave #sys alone', async () => {
    const seen: string[] = [];
    const { client, server } = createPeerPair({
      client: { interceptors: [recorder('c', seen)] },
      server: { interceptors: [recorder('s', seen)] },
    });
    let noted: unknown;
    server.export('count', ({ n }) => Array.from({ length: n as number }, (_, i) => i), { multipart: true });
    server.export('note', ({ text }) => void (noted = text));
    server.export('progress', async ({ report }) => {
      await (report as (p: object) => Promise<unknown>)({ step: 1 });
      return 'done';
    }, { callbacks: { report: 'request' } });
    await client.remoteFeatures();
    assert.deepEqual(await collect(client.callStream('count', { n: 3 })), [0, 1, 2]);
    client.notify('note', { text: 'hello' });
    await eventually(() => noted === 'hello', 'the notification was handled');
    // An iterable param travels with its call: the callee's pulls are not intercepted one by one.
    server.export('sum', async ({ data }) => {
      let total = 0;
      for await (const n of data as AsyncIterable<number>) total += n;
      return total;
    });
    assert.equal(await client.call('sum', { data: [1, 10, 30, 3] }, { paramKinds: { data: 'iterable' } }), 44);
    assert.deepEqual(seen.filter((line) => line.includes('sum')), ['c outgoing call sum in', 's incoming call sum in', 's incoming call sum ok 44', 'c outgoing call sum ok 44']);
    const steps: unknown[] = [];
    assert.equal(await client.call('progress', { report: (p: unknown) => (steps.push(p), 'ack') }), 'done');
    assert.deepEqual(steps, [{ step: 1 }]);
    await eventually(() => seen.includes('s incoming notify note ok undefined'), 'the server interceptor saw the notification end');
    assert.deepEqual(seen.filter((line) => line.includes('count')), [
      'c outgoing stream count in',
      's incoming stream count in',
      's incoming stream count ok undefined',
      'c outgoing stream count ok undefined',
    ]);
    assert.ok(seen.includes('c outgoing notify note ok undefined'));
    // The server's handler calling back is an incoming callback request on the client.
    assert.ok(seen.includes('c incoming call report ok "ack"'), seen.join('\n'));
    assert.ok(!seen.some((line) => line.includes(' features ')), 'the #sys.features exchange is not intercepted');
    client.close();
  });

  it('a refused outgoing stream fails at its first read; a refused notify is logged, never sent', async () => {
    const refuse: Interceptor = {
      outgoing: async (call, next) => {
        await Promise.resolve();
        if (call.target.startsWith('no')) throw new SparrowError(ErrorCode.PermissionDenied, `${call.target} refused`);
        return next();
      },
    };
    const { client, server, clientLog } = createPeerPair({ client: { interceptors: [refuse] } });
    let notified = false;
    server.export('no_stream', () => [1], { multipart: true });
    server.export('no_note', () => void (notified = true));
    server.export('yes', () => 'y');
    await assert.rejects(client.callStream('no_stream').next(), (e) => isSparrowError(e, 'permission-denied'));
    client.notify('no_note');
    assert.equal(await client.call('yes'), 'y');
    await eventually(() => clientLog.lines.some((line) => line.level === 'warn' && line.message.includes('no_note')), 'the refusal is logged');
    assert.equal(notified, false);
    client.close();
    // After an await, a send failure has nowhere to go but the log.
    client.notify('yes');
    await eventually(() => clientLog.lines.some((line) => line.level === 'warn' && line.message.includes('yes')), 'the late failure is logged');
    // Without an await before next(), a send failure still throws from notify, as without interceptors.
    const seen: string[] = [];
    const sync = createPeerPair({ client: { interceptors: [recorder('c', seen)] } });
    sync.client.close();
    assert.throws(() => sync.client.notify('yes'), (e) => isSparrowError(e, 'connection-closed'));
    await eventually(() => seen.length === 2, 'the interceptor saw the failure');
    assert.deepEqual(seen, ['c outgoing notify yes in', 'c outgoing notify yes failed connection-closed']);
  });

  it('expose identity from the call context when an authentication layer set one', async () => {
    const identities: unknown[] = [];
    const { client, server } = createPeerPair({
      client: { interceptors: [{ outgoing: (call, next) => (identities.push(['out', call.identity]), next()) }] },
      server: { interceptors: [{ incoming: (call, next) => (identities.push(['in', call.identity, call.metadata.remote !== undefined, call.context?.target]), next()) }] },
    });
    server.export('ping2', () => 'pong');
    assert.equal(await client.call('ping2'), 'pong');
    assert.deepEqual(identities, [
      ['out', undefined],
      ['in', undefined, true, 'ping2'],
    ]);
    client.close();
  });
});
