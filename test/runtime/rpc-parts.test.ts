/**
 * The parts of rpc/ on their own, without a peer around them: the call
 * table, the dispatcher, the outbox, flow control, the stream reader, and a
 * peer made with no optional parts (what a browser bundle gets).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, ResponseMessage, WireFormat } from '../../runtime/envelope/message.ts';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import { CallTable, checkTimeout } from '../../runtime/rpc/call-table.ts';
import { PendingCall, ResponseKindError, type PendingEntry } from '../../runtime/rpc/pending-call.ts';
import { Dispatcher } from '../../runtime/rpc/dispatcher.ts';
import { IdTable, type EntryStore } from '../../runtime/rpc/id-table.ts';
import { Credit, CreditLedger } from '../../runtime/rpc/flow-control.ts';
import { IncomingCall } from '../../runtime/rpc/incoming-call.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { Outbox, sendAck, sendError, sendResponse } from '../../runtime/rpc/outbox.ts';
import { createCorePeer, createLeanPeer, usePeerFeatures } from '../../runtime/rpc/peer-core.ts';
import { logLimitFeature } from '../../runtime/rpc/peer.ts';
import { CONNECTION_LOG_LINES, createLogLimiter } from '../../runtime/rpc/log-limit.ts';
import { discoveryFeature } from '../../runtime/rpc/discovery.ts';
import { dispatcherFeature } from '../../runtime/rpc/dispatcher.ts';
import { MapRegistry } from '../../runtime/rpc/map-registry.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { PendingStream, type StreamOwner } from '../../runtime/rpc/stream-reader.ts';
import { streamsFeature } from '../../runtime/rpc/streams.ts';
import { createSystemTargets, systemFeature } from '../../runtime/rpc/system-service.ts';
import type { Peer, Registration } from '../../runtime/rpc/types.ts';
import { eventually } from '../helpers/async-waits.ts';
import { JSON_012, createMessageLinkPair, createScriptedRemote } from '../helpers/message-links.ts';

/** A link that records what is sent (and throws for messages `reject` picks). */
function recordingLink(reject: (message: Message) => boolean = () => false) {
  const sent: Message[] = [];
  return {
    sent,
    link: {
      remote: 'test',
      bufferedAmount: 0,
      start() {},
      // Measures as a real link does, by the JSON text's length; -1 (nothing sent) when over maxBytes.
      send(message: Message, _format: WireFormat, maxBytes?: number): number {
        if (reject(message)) throw new Error('cannot encode');
        const length = JSON.stringify(message).length;
        if (maxBytes !== undefined && length > maxBytes) return -1;
        sent.push(structuredClone(message));
        return length;
      },
      drained: () => Promise.resolve(),
      close() {},
    },
  };
}

const owner = { cancelled: [] as Array<[PendingEntry, SparrowError | undefined]>, cancelEntry(entry: PendingEntry, error: SparrowError | undefined) { this.cancelled.push([entry, error]); } };
const single = (result: unknown): ResponseMessage => ({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result });

describe('rpc parts: call table', () => {
  it('hands out ids in sequence, finds entries by echoed string ids, and releases them', () => {
    const table = new CallTable({}, silentLogger);
    const a = new PendingCall(owner, 'a');
    const b = new PendingCall(owner, 'b');
    a.id = table.takeId();
    table.add(a, 0, undefined);
    b.id = table.takeId();
    table.add(b, 0, undefined);
    assert.deepEqual([a.id, b.id], [1, 2]);
    assert.equal(table.get('2'), b);
    let closed = 0;
    a.locals = { close: () => void closed++ };
    table.finish(a);
    assert.equal(closed, 1);
    assert.equal(table.has(a), false);
    assert.equal(table.size, 1);
    assert.deepEqual(table.drain(), [b]);
    assert.equal(table.size, 0);
  });

  it('expires an entry through its sweep once its deadline passed, and reports it cancelled', async () => {
    const cancelled: string[] = [];
    const table = new CallTable({}, silentLogger);
    table.onCancel = (entry) => cancelled.push(entry.target);
    const entry = new PendingCall(table, 'slow');
    const failure = entry.promise.then(
      () => undefined,
      (error: unknown) => error,
    );
    entry.id = table.takeId();
    table.add(entry, checkTimeout(1), undefined);
    await eventually(() => cancelled.length === 1, 'the sweep');
    assert.deepEqual(cancelled, ['slow']);
    assert.equal(table.has(entry), false);
    assert.ok((await failure) instanceof SparrowError && ((await failure) as SparrowError).code === ErrorCode.Timeout);
  });

  it('admits a request only under maxPendingCalls, with a live signal and a valid timeout', () => {
    const table = new CallTable({ maxPendingCalls: 1, timeoutMs: 5000 }, silentLogger);
    assert.equal(table.admit('a', {}), 5000);
    assert.equal(table.admit('a', { timeoutMs: Infinity }), 0);
    assert.throws(() => table.admit('a', { timeoutMs: -1 }), (error) => error instanceof SparrowError && error.code === ErrorCode.InvalidParams);
    const controller = new AbortController();
    controller.abort();
    assert.throws(() => table.admit('a', { signal: controller.signal }), (error) => error instanceof SparrowError && error.code === ErrorCode.Aborted);
    const entry = new PendingCall(owner, 'a');
    entry.id = table.takeId();
    table.add(entry, 0, undefined);
    assert.throws(() => table.admit('b', {}), (error) => error instanceof SparrowError && error.code === ErrorCode.LimitExceeded && error.message === 'b: 1 calls are already pending');
    assert.throws(() => new CallTable({ maxPendingCalls: 0 }, silentLogger), (error) => error instanceof SparrowError && error.code === ErrorCode.InvalidParams);
  });

  it('an abort reaches the owner as `aborted`', () => {
    const table = new CallTable({}, silentLogger);
    const controller = new AbortController();
    const entry = new PendingCall(owner, 'aborted');
    entry.id = table.takeId();
    table.add(entry, 0, controller.signal);
    owner.cancelled.length = 0;
    controller.abort();
    assert.equal(owner.cancelled.length, 1);
    assert.equal(owner.cancelled[0]![1]?.code, ErrorCode.Aborted);
  });

  it('rejects timeouts that are not positive, 0 or Infinity', () => {
    assert.equal(checkTimeout(Infinity), 0);
    assert.throws(() => checkTimeout(-1), (error) => error instanceof SparrowError && error.code === ErrorCode.InvalidParams);
  });

  it('says with `details` which answer a plain call or a stream did not expect', async () => {
    const call = new PendingCall(owner, 'c');
    call.onResponse({ kind: 'response', to: 1, multipart: true, ack: false, hasResult: false });
    await assert.rejects(call.promise, (error) => error instanceof ResponseKindError && error.code === ErrorCode.ProtocolError && error.multipart);
    const stream = new PendingStream(owner as unknown as StreamOwner, 's', 10);
    stream.onResponse(single(1));
    await assert.rejects(stream.next(), (error) => error instanceof ResponseKindError && error.code === ErrorCode.ProtocolError && !error.multipart);
  });
});

describe('rpc parts: a stream\'s buffer in bytes', () => {
  const part = (result: unknown): ResponseMessage => ({ kind: 'response', to: 1, multipart: true, ack: false, hasResult: true, result });
  const streamOwner = () => ({
    grants: [] as number[],
    cancelled: [] as Array<SparrowError | undefined>,
    grantCredit(_entry: PendingEntry, n: number) {
      this.grants.push(n);
    },
    cancelEntry(_entry: PendingEntry, error: SparrowError | undefined) {
      this.cancelled.push(error);
    },
  });

  it('paces grants by the bytes items came in: no more in flight than half maxBufferBytes holds', async () => {
    for (const [bytes, grants] of [[1, [6]], [400, [1]]] as const) {
      const owner = streamOwner();
      const stream = new PendingStream(owner, 's', 100, 1000);
      stream.window = 10;
      stream.outstanding = 10;
      for (let k = 0; k < 10; k++) stream.onResponse(part(k), bytes);
      for (let k = 0; k < 10; k++) assert.deepEqual(await stream.next(), { done: false, value: k });
      // Small items: the window's half (6 more when 4 are left). 400-byte items: one at a time (500 bytes fit).
      assert.deepEqual(owner.grants, grants, `${bytes}-byte items`);
    }
  });

  it('fails a stream past maxBufferBytes only beyond flow control: without it, or past the window', () => {
    const unpaced = streamOwner();
    const stream = new PendingStream(unpaced, 's', 100, 1000);
    for (let k = 0; k < 3; k++) stream.onResponse(part(k), 400);
    assert.equal(unpaced.cancelled.length, 1);
    assert.match(unpaced.cancelled[0]!.message, /more than 1000 bytes of unread parts buffered/);
    const paced = streamOwner();
    const within = new PendingStream(paced, 's', 100, 1000);
    within.window = 3;
    within.outstanding = 3;
    for (let k = 0; k < 3; k++) within.onResponse(part(k), 400);
    assert.equal(paced.cancelled.length, 0, 'what was granted is taken');
    within.onResponse(part(3), 400);
    assert.equal(paced.cancelled.length, 1, 'a fourth item was never granted');
  });
});

describe('rpc parts: the call table\'s stores', () => {
  for (const [label, create] of [
    ['Map (default)', () => new Map<number, { id: number }>()],
    ['IdTable (Node)', () => new IdTable<{ id: number }>()],
  ] as const) {
    it(`${label}: finds, removes by id, grows, and lists what is left`, () => {
      const store: EntryStore<{ id: number }> = create();
      const entries = Array.from({ length: 200 }, (_, k) => ({ id: k + 1 }));
      for (const entry of entries) store.set(entry.id, entry);
      // An id 64, 128 or 256 ids later shares a slot with an older one in IdTable: both must be found.
      const late = { id: 1 + 256 * 4 };
      store.set(late.id, late);
      assert.equal(store.size, 201);
      assert.equal(store.get(1), entries[0]);
      assert.equal(store.get(late.id), late);
      assert.equal(store.get('1'), undefined);
      assert.equal(store.get(1.5), undefined);
      store.delete(5000);
      assert.equal(store.size, 201, 'an id not in the store removes nothing');
      for (const entry of entries.slice(0, 150)) store.delete(entry.id);
      store.delete(late.id);
      store.delete(late.id);
      assert.equal(store.size, 50, 'removing twice removes once');
      assert.deepEqual([...store.values()].map((entry) => entry.id).sort((a, b) => a - b), entries.slice(150).map((entry) => entry.id));
    });
  }
});

describe('rpc parts: outbox', () => {
  it('sends under the link\'s measured limit, and answers too big with limit-exceeded', () => {
    const { link, sent } = recordingLink();
    const outbox = new Outbox(link, 100, silentLogger);
    assert.equal(sendResponse(outbox, single('x'.repeat(200)), JSON_012), false);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.kind, 'exception');
    assert.equal((sent[0] as { error: { type: string } }).error.type, 'LimitExceeded');
    assert.equal(sendResponse(outbox, single('small'), JSON_012), true);
    assert.equal(outbox.attempt(single([1, 2]), JSON_012, 'an answer'), JSON.stringify(single([1, 2])).length);
    const tooBig = outbox.attempt(single('y'.repeat(200)), JSON_012, 'big');
    assert.ok(tooBig instanceof SparrowError && tooBig.code === ErrorCode.LimitExceeded && tooBig.message === 'big: larger than maxMessageBytes (100); split it or stream it');
    assert.equal(sent.length, 3);
  });

  it('reports a message that does not encode as serialisation-error, and answers a response with it', () => {
    const { link, sent } = recordingLink((message) => message.kind === 'response');
    const outbox = new Outbox(link, 1000, silentLogger);
    const failed = outbox.attempt(single(1), JSON_012, 'an answer');
    assert.ok(failed instanceof SparrowError && failed.code === ErrorCode.SerialisationError);
    assert.equal(sendResponse(outbox, single(1), JSON_012), false);
    assert.deepEqual(sent, [{ kind: 'exception', to: 1, ack: false, error: { cat: 'e', type: 'Error', msg: 'cannot encode' } }]);
  });

  it('falls back to the three reference keys when an exception data does not encode', () => {
    const { link, sent } = recordingLink((message) => message.kind === 'exception' && 'data' in message.error);
    sendError(new Outbox(link, 1000, silentLogger), 1, { cat: 'e', type: 'T', msg: 'm', data: { x: 1 } }, JSON_012);
    assert.deepEqual(sent, [{ kind: 'exception', to: 1, ack: false, error: { cat: 'e', type: 'T', msg: 'm' } }]);
  });

  it('sends nothing once closed', () => {
    const { link, sent } = recordingLink();
    const outbox = new Outbox(link, 1000, silentLogger);
    outbox.closed = true;
    sendAck(outbox, 1, JSON_012);
    assert.equal(sendResponse(outbox, single(1), JSON_012), false);
    assert.deepEqual(sent, []);
  });
});

describe('rpc parts: dispatcher', () => {
  const format: WireFormat = JSON_012;
  function dispatcher(registrations: (registry: ReturnType<typeof createRegistry>) => void, maxConcurrentHandlers = 10) {
    const { link, sent } = recordingLink();
    const registry = createRegistry();
    registrations(registry);
    const outbox = new Outbox(link, 1_000_000, silentLogger);
    const system = createSystemTargets({ cancel: () => {}, credit: () => {} });
    const d = new Dispatcher({ peer: {} as Peer, outbox, logger: silentLogger, system, registries: [registry], maxConcurrentHandlers, callerIdentity: 'me', parts: {}, use: () => {} });
    const request = (target: string, params: Record<string, unknown> = {}, id = 1) =>
      d.onRequest({ kind: 'request', id, target, requestType: 'normal', ack: false, params, format });
    return { d, sent, request };
  }

  it('answers an unknown target with TargetNotFound and a known one with its result', () => {
    const { sent, request } = dispatcher((r) => r.export('add', ({ a, b }) => (a as number) + (b as number)));
    request('nope');
    request('add', { a: 2, b: 3 }, 2);
    assert.equal((sent[0] as { error: { type: string } }).error.type, 'TargetNotFound');
    assert.deepEqual(sent[1], { kind: 'response', to: 2, multipart: false, ack: false, hasResult: true, result: 5 });
  });

  it('looks up #sys before the registries', () => {
    const { sent, request } = dispatcher(() => {});
    request('ping');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.kind, 'exception');
    const { d } = dispatcher(() => {});
    assert.equal(d.lookup('#sys', 'ping')?.namespace, '#sys');
  });

  it('runs the @auth guard, then the validation hook, then the handler', async () => {
    const order: string[] = [];
    const { sent, request } = dispatcher((r) => {
      r.export('open', (params) => (order.push('handler'), params['n']), {
        guard: async (ctx) => void order.push(`guard ${String(ctx.callerIdentity)}`),
        decodeParams: (params) => (order.push('decode'), { n: (params['n'] as number) * 10 }),
      });
      r.export('closed', () => order.push('never'), {
        guard: () => {
          throw new SparrowError(ErrorCode.PermissionDenied, 'no');
        },
      });
    });
    request('open', { n: 4 }, 1);
    request('closed', {}, 2);
    await eventually(() => sent.length === 2, 'both answers');
    assert.deepEqual(order, ['guard me', 'decode', 'handler']);
    const byId = new Map(sent.map((m) => [(m as { to: number }).to, m]));
    assert.equal((byId.get(1) as ResponseMessage).result, 40);
    assert.equal((byId.get(2) as { error: { type: string } }).error.type, 'PermissionDenied');
  });

  it('refuses beyond maxConcurrentHandlers, and multipart answers without the streams part', async () => {
    const { sent, request, d } = dispatcher((r) => {
      r.export('wait', () => new Promise(() => {}));
      r.export('items', () => [1, 2], { multipart: true });
    }, 1);
    request('wait', {}, 1);
    request('wait', {}, 2);
    assert.equal(d.activeHandlerCount, 1);
    assert.equal((sent[0] as { error: { type: string } }).error.type, 'LimitExceeded');
    const other = dispatcher((r) => r.export('items', () => [1, 2], { multipart: true }));
    other.request('items');
    await eventually(() => other.sent.length === 1, 'the answer');
    assert.match((other.sent[0] as { error: { msg: string } }).error.msg, /streams feature/);
  });

  it('cancels a running call by id (its signal aborts)', async () => {
    let signal: AbortSignal | undefined;
    const { d, request, sent } = dispatcher((r) => r.export('long', (_p, ctx) => ((signal = ctx.signal), new Promise(() => {}))));
    request('long', {}, 7);
    assert.ok(d.incomingCall(7) !== undefined);
    d.cancel(7);
    assert.equal(signal?.aborted, true);
    assert.equal(d.incomingCall(7), undefined);
    assert.deepEqual(sent, []);
  });
});

describe('rpc parts: flow control', () => {
  const call = (id: number) => new IncomingCall({} as Peer, 't', '', id, JSON_012, undefined, false, undefined);

  it('holds early grants in a bounded table and paces only a multipart answer with them', () => {
    const running = new Map<number, IncomingCall>();
    const ledger = new CreditLedger((id) => running.get(id as number));
    for (let id = 1; id <= 1100; id++) ledger.onCredit(id, 5, false);
    const early = (ledger as unknown as { early: Map<unknown, unknown> }).early;
    assert.equal(early.size, 1024);
    assert.equal(early.has(1), false);
    ledger.onCredit(1100, 3, true);
    const multipart = call(1100);
    ledger.claim(multipart, true);
    assert.equal((multipart.pacer as Credit).credit, 8);
    assert.equal((multipart.pacer as Credit).batch, false);
    const plain = call(1099);
    ledger.claim(plain, false);
    assert.equal(plain.pacer, undefined);
    assert.equal(early.has(1099), false);
  });

  it('a grant resumes a waiting sender; a stop does too', async () => {
    const credit = new Credit(0, false);
    const waited = credit.granted();
    credit.grant(2);
    await waited;
    assert.equal(credit.credit, 2);
    const again = credit.granted();
    credit.stop();
    await again;
  });
});

describe('rpc parts: a peer without optional parts', () => {
  it('calls and answers plainly, reports only cancel and describe, and refuses streams and callbacks', async () => {
    const [a, b] = createMessageLinkPair();
    const lean = createCorePeer(a, { logger: silentLogger });
    const remote = createScriptedRemote(b);
    remote.send({ kind: 'request', id: 1, target: 'features', namespace: '#sys', requestType: 'normal', ack: false });
    const features = (await remote.next()) as ResponseMessage;
    assert.deepEqual(features.result, ['cancel', 'describe']);
    await assert.rejects(lean.call('f', { cb: () => {} }), (error) => error instanceof SparrowError && error.code === ErrorCode.Unsupported);
    await assert.rejects(lean.callStream('s').next(), (error) => error instanceof SparrowError && error.code === ErrorCode.Unsupported);
    remote.send({ kind: 'request', id: 2, target: 'x', requestType: 'normal', ack: false, declarations: { callbacks: ['cb'], iterables: [] } });
    lean.export('x', () => 1);
    const refused = (await remote.next()) as { kind: string; error: { type: string } };
    assert.equal(refused.error.type, 'InvalidParams');
    usePeerFeatures(lean, [streamsFeature]);
    remote.send({ kind: 'request', id: 3, target: 'features', namespace: '#sys', requestType: 'normal', ack: false });
    assert.deepEqual(((await remote.next()) as ResponseMessage).result, ['batch', 'cancel', 'credit', 'describe']);
    lean.close();
  });

  it('installs the parts a registration needs when it is first called', async () => {
    const [a, b] = createMessageLinkPair();
    const registry = createRegistry();
    registry.export('items', () => [1, 2], { multipart: true, features: [streamsFeature] });
    const lean = createCorePeer(a, { logger: silentLogger, registry });
    const remote = createScriptedRemote(b);
    remote.send({ kind: 'request', id: 1, target: 'items', requestType: 'normal', ack: false });
    const parts = [await remote.next(), await remote.next(), await remote.next()] as ResponseMessage[];
    assert.deepEqual(parts.map((p) => [p.multipart, p.final, p.result]), [[true, undefined, 1], [true, undefined, 2], [true, 'terminator', undefined]]);
    lean.close();
  });
});

describe('rpc parts: a peer without the dispatcher (a client that exported nothing)', () => {
  it('answers every request not-found, #sys included, and notifications not at all: a calling page carries no #sys answers', async () => {
    const [a, b] = createMessageLinkPair();
    const bare = createLeanPeer(a, { logger: silentLogger });
    const remote = createScriptedRemote(b);
    remote.send({ kind: 'notification', target: 'ping', namespace: '#sys', params: {} });
    for (const [id, target, namespace] of [[1, 'ping', '#sys'], [2, 'features', '#sys'], [3, 'describe', '#sys'], [4, 'add', 'maths']] as const) {
      remote.send({ kind: 'request', id, target, namespace, requestType: 'normal', ack: false });
      const missing = (await remote.next()) as { kind: string; to: number; error: { type: string; msg: string } };
      assert.deepEqual([missing.kind, missing.to, missing.error.type, missing.error.msg], ['exception', id, 'TargetNotFound', `target ${target} not found in namespace ${namespace}`]);
    }
    bare.close();
  });

  it('with systemFeature, still answers ping, features and describe as the dispatcher would, not-found otherwise', async () => {
    const [a, b] = createMessageLinkPair();
    const lean = createLeanPeer(a, { logger: silentLogger, features: [systemFeature] });
    const remote = createScriptedRemote(b);
    remote.send({ kind: 'request', id: 1, target: 'ping', namespace: '#sys', requestType: 'normal', ack: true });
    assert.deepEqual(Object.entries(await remote.next()).filter(([key]) => key !== 'format'), [['kind', 'ack'], ['to', 1]]);
    assert.equal(((await remote.next()) as ResponseMessage).result, 'pong');
    remote.send({ kind: 'request', id: 2, target: 'features', namespace: '#sys', requestType: 'normal', ack: false });
    assert.deepEqual(((await remote.next()) as ResponseMessage).result, ['cancel', 'describe']);
    remote.send({ kind: 'request', id: 3, target: 'describe', namespace: '#sys', requestType: 'normal', ack: false });
    assert.deepEqual(((await remote.next()) as ResponseMessage).result, { services: [], targets: [] });
    remote.send({ kind: 'request', id: 4, target: 'ping', namespace: '#sys', requestType: 'quiet', ack: false });
    assert.equal(((await remote.next()) as ResponseMessage).hasResult, false);
    remote.send({ kind: 'request', id: 5, target: 'add', namespace: 'maths', requestType: 'normal', ack: true });
    const missing = (await remote.next()) as { kind: string; to: number; error: { type: string; msg: string } };
    assert.deepEqual([missing.kind, missing.to, missing.error.type, missing.error.msg], ['exception', 5, 'TargetNotFound', 'target add not found in namespace maths']);
    remote.send({ kind: 'request', id: 6, target: 'nothing', namespace: '#sys', requestType: 'normal', ack: false });
    assert.equal(((await remote.next()) as { error: { type: string } }).error.type, 'TargetNotFound');
    lean.close();
  });

  it('refuses export without the dispatcher part, and serves once it has it', async () => {
    const [a, b] = createMessageLinkPair();
    const lean = createLeanPeer(a, { logger: silentLogger, describe: false, features: [systemFeature] });
    assert.throws(() => lean.export('x', () => 1), (error) => error instanceof SparrowError && error.code === ErrorCode.Unsupported && /dispatcher/.test(error.message));
    const remote = createScriptedRemote(b);
    remote.send({ kind: 'request', id: 1, target: 'features', namespace: '#sys', requestType: 'normal', ack: false });
    assert.deepEqual(((await remote.next()) as ResponseMessage).result, ['cancel']);
    usePeerFeatures(lean, [dispatcherFeature]);
    lean.export('x', () => 1);
    remote.send({ kind: 'request', id: 2, target: 'x', requestType: 'normal', ack: false });
    assert.equal(((await remote.next()) as ResponseMessage).result, 1);
    lean.close();
  });

  it('serves a registry from createRegistry (it carries the dispatcher); refuses one that does not', async () => {
    const [a, b] = createMessageLinkPair();
    const registry = createRegistry();
    registry.export('y', () => 2);
    const lean = createLeanPeer(a, { logger: silentLogger, registry });
    const remote = createScriptedRemote(b);
    remote.send({ kind: 'request', id: 1, target: 'y', requestType: 'normal', ack: false });
    assert.equal(((await remote.next()) as ResponseMessage).result, 2);
    lean.close();
    const [c] = createMessageLinkPair();
    assert.throws(() => createLeanPeer(c, { logger: silentLogger, registry: new MapRegistry() }), (error) => error instanceof SparrowError && error.code === ErrorCode.Unsupported);
  });
});

describe('rpc parts: discovery', () => {
  it('without the part remoteFeatures() rejects (unsupported, naming the part) and a given-up call sends no cancel; with it, cancels follow the listed features', async () => {
    const [a, b] = createMessageLinkPair();
    const bare = createLeanPeer(a, { logger: silentLogger });
    const remote = createScriptedRemote(b);
    await assert.rejects(bare.remoteFeatures(), (error) => error instanceof SparrowError && error.code === ErrorCode.Unsupported && /discoveryFeature/.test(error.message));
    const controller = new AbortController();
    const aborted = bare.call('slow', {}, { signal: controller.signal });
    assert.equal(((await remote.next()) as { target: string }).target, 'slow');
    controller.abort();
    await assert.rejects(aborted, (error) => error instanceof SparrowError && error.code === ErrorCode.Aborted);
    usePeerFeatures(bare, [discoveryFeature]);
    const features = bare.remoteFeatures();
    assert.equal(bare.remoteFeatures(), features);
    const asked = (await remote.next()) as { id: number; target: string; namespace: string };
    assert.deepEqual([asked.target, asked.namespace], ['features', '#sys']);
    remote.send({ kind: 'response', to: asked.id, multipart: false, ack: false, hasResult: true, result: ['cancel'] });
    assert.deepEqual([...(await features)], ['cancel']);
    const second = new AbortController();
    const cancelled = bare.call('slower', {}, { signal: second.signal });
    const request = (await remote.next()) as { id: number };
    second.abort();
    await assert.rejects(cancelled, (error) => error instanceof SparrowError && error.code === ErrorCode.Aborted);
    // The first abort sent nothing: the next message is the second's cancel.
    const cancel = (await remote.next()) as { kind: string; target: string; namespace: string; params: unknown };
    assert.deepEqual([cancel.kind, cancel.target, cancel.namespace, cancel.params], ['notification', 'cancel', '#sys', { id: request.id }]);
    bare.close();
  });
});

describe('rpc parts: the log limiter', () => {
  /** A logger that records the lines it gets. */
  const recording = () => {
    const lines: string[] = [];
    const write = (message: string) => void lines.push(message);
    return { lines, logger: { debug: write, info: write, warn: write, error: write } };
  };
  const dropped = new SparrowError(ErrorCode.ProtocolError, 'bad chain');

  it('without the part a peer logs every protocol error, and refuses protocolLogLimiter (unsupported, naming the part)', () => {
    const [a] = createMessageLinkPair();
    const { lines, logger } = recording();
    const bare = createLeanPeer(a, { logger });
    for (let k = 0; k < 8; k++) a.protocolError(dropped, false);
    assert.equal(lines.length, 8);
    assert.equal(lines[0], `message from ${a.remote} dropped: bad chain`);
    bare.close();
    const [c] = createMessageLinkPair();
    assert.throws(
      () => createLeanPeer(c, { logger, protocolLogLimiter: createLogLimiter() }),
      (error) => error instanceof SparrowError && error.code === ErrorCode.Unsupported && /logLimitFeature/.test(error.message),
    );
  });

  it('with the part, lets CONNECTION_LOG_LINES through per window, under the listener\'s limiter, and says how many it dropped', () => {
    const [a] = createMessageLinkPair();
    const { lines, logger } = recording();
    const listener = { open: false, allow() { return this.open; }, takeSuppressed: () => 0 };
    const peer = createLeanPeer(a, { logger, features: [logLimitFeature], protocolLogLimiter: listener });
    for (let k = 0; k < 3; k++) a.protocolError(dropped, false);
    assert.deepEqual(lines, [], 'the listener said no');
    listener.open = true;
    for (let k = 0; k < 8; k++) a.protocolError(dropped, false);
    assert.equal(lines.length, CONNECTION_LOG_LINES);
    assert.equal(lines[0], `message from ${a.remote} dropped: bad chain (3 similar lines suppressed)`);
    assert.equal(lines[1], `message from ${a.remote} dropped: bad chain`);
    peer.close();
  });
});

// Registration is part of the public contract: the hooks are optional fields.
const _registration: Registration = { namespace: '', name: 'n', handler: () => 1, multipart: false, callbacks: undefined };
void _registration;
