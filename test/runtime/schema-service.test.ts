import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_PEER_FEATURES,
  SchemaError,
  createClient,
  createRegistry,
  defineService,
  isSparrowError,
  registerService,
  sessionFeature,
  type PeerOptions,
  type ServiceDescriptor,
  type SchemaErrorOptions,
} from 'sparrow-rpc';
import { createPeerPair } from '../helpers/peers.ts';
import { settle } from '../helpers/message-links.ts';

class NotFound extends SchemaError<{ id: string }> {
  override readonly name = 'NotFound';
  constructor(fields: { id: string }, message?: string, options?: SchemaErrorOptions) {
    super('NotFound', fields, message, options);
  }
}

const descriptor: ServiceDescriptor = {
  name: 'Things',
  package: 't',
  namespace: 'things',
  types: {
    't.NotFound': { kind: 'error', name: 'NotFound', fields: [{ name: 'id', type: 'string' }] },
    't.Item': { kind: 'struct', name: 'Item', fields: [{ name: 'big_id', ts: 'bigId', type: 'int64' }, { name: 'data', type: 'bytes' }] },
  },
  methods: [
    { kind: 'call', name: 'hello', params: [{ name: 'name', type: 'string', default: 'world' }], result: 'string' },
    { kind: 'call', name: 'get', params: [{ name: 'id', type: 'string' }], result: 't.Item', throws: ['t.NotFound'] },
    { kind: 'call', name: 'echo_item', ts: 'echoItem', params: [{ name: 'item', type: 't.Item' }], result: 't.Item' },
    { kind: 'call', name: 'fail', params: [], result: 'void' },
    { kind: 'call', name: 'reset', params: [], result: 'void', auth: ['admin'] },
    { kind: 'call', name: 'count', params: [{ name: 'up_to', ts: 'upTo', type: 'int32' }], result: 'int32', stream: true },
    { kind: 'call', name: 'sum', params: [{ name: 'data', kind: 'stream', type: 'int32' }], result: 'int32' },
    {
      kind: 'call',
      name: 'progress',
      params: [
        { name: 'n', type: 'int32' },
        { name: 'tick', kind: 'callback', type: 'void', params: [{ name: 'i', type: 'int32' }], result: 'void' },
        { name: 'ask', kind: 'callback', type: 'void', params: [{ name: 'q', type: 'string' }], result: 'bool' },
      ],
      result: 'string',
    },
    { kind: 'notify', name: 'log', params: [{ name: 'line', type: 'string' }] },
    { kind: 'topic', name: 'changes', type: 't.Item' },
  ],
};

interface Item {
  bigId: bigint;
  data: Uint8Array;
}
interface Client {
  hello(args?: { name?: string }): Promise<string>;
  get(args: { id: string }): Promise<Item>;
  echoItem(args: { item: Item }): Promise<Item>;
  fail(): Promise<void>;
  reset(): Promise<void>;
  count(args: { upTo: number }): AsyncIterable<number>;
  sum(args: { data: Iterable<number> }): Promise<number>;
  progress(args: { n: number; tick: (a: { i: number }) => void; ask: (a: { q: string }) => boolean }): Promise<string>;
  log(args: { line: string }): void;
  changes: { subscribe(handler: (item: Item) => void): () => void };
}

const Things = defineService<Client, unknown>(descriptor, { 't.NotFound': NotFound });

function setup(authorize?: () => boolean, server?: PeerOptions) {
  const pair = createPeerPair(server === undefined ? {} : { server });
  const logged: string[] = [];
  const registration = registerService<{ changes: { publish(item: Item): void } }>(
    pair.server,
    Things,
    {
      hello: ({ name }: { name: string }) => `Hello ${name}!`,
      get: ({ id }: { id: string }) => {
        if (id === 'x') throw new NotFound({ id }, `no ${id}`);
        return { bigId: 2n ** 60n + 1n, data: new Uint8Array([1, 2, 3]) };
      },
      echoItem: ({ item }: { item: Item }) => item,
      fail: () => {
        throw new TypeError('boom');
      },
      reset: () => undefined,
      *count({ upTo }: { upTo: number }) {
        for (let i = 1; i <= upTo; i++) yield i;
      },
      sum: async ({ data }: { data: AsyncIterable<number> }) => {
        let total = 0;
        for await (const n of data) total += n;
        return total;
      },
      progress: async ({ n, tick, ask }: { n: number; tick: (a: { i: number }) => void; ask: (a: { q: string }) => Promise<boolean> }) => {
        for (let i = 0; i < n; i++) tick({ i });
        return (await ask({ q: 'ok?' })) ? 'yes' : 'no';
      },
      log: ({ line }: { line: string }) => void logged.push(line),
    },
    authorize === undefined ? {} : { authorize },
  );
  return { ...pair, client: createClient(pair.client, Things), raw: pair.client, registration, logged };
}

describe('schema service glue', () => {
  it('calls with defaults applied', async () => {
    const { client } = setup();
    assert.equal(await client.hello(), 'Hello world!');
    assert.equal(await client.hello({ name: 'Ann' }), 'Hello Ann!');
  });

  it('refuses bad params from a schema-less caller with invalid-params before user code', async () => {
    const { raw } = setup();
    await assert.rejects(raw.call('hello', { name: 5 }, { namespace: 'things' }), (e: unknown) => isSparrowError(e, 'invalid-params') && e.remoteType === 'InvalidParams');
    await assert.rejects(raw.call('get', {}, { namespace: 'things' }), (e: unknown) => isSparrowError(e, 'invalid-params') && /missing required param id/.test(e.message));
  });

  it('int64 as bigint and bytes round-trip, struct keys renamed on the wire', async () => {
    const { client, raw } = setup();
    const item = await client.get({ id: 'a' });
    assert.equal(item.bigId, 2n ** 60n + 1n);
    assert.deepEqual([...item.data], [1, 2, 3]);
    const wire = await raw.call<Record<string, unknown>>('get', { id: 'a' }, { namespace: 'things' });
    assert.equal(wire['big_id'], 2n ** 60n + 1n);
    const echoed = await client.echoItem({ item: { bigId: -5n, data: new Uint8Array([9]) } });
    assert.equal(echoed.bigId, -5n);
  });

  it('typed errors come back as the generated class; undeclared ones as callee errors', async () => {
    const { client, raw } = setup();
    await assert.rejects(client.get({ id: 'x' }), (e: unknown) => e instanceof NotFound && e.fields.id === 'x' && e.message === 'no x' && e.code === 'callee-error');
    await assert.rejects(raw.call('get', { id: 'x' }, { namespace: 'things' }), (e: unknown) => isSparrowError(e, 'callee-error') && e.remoteType === 'NotFound' && e.data?.['id'] === 'x');
    await assert.rejects(client.fail(), (e: unknown) => isSparrowError(e, 'callee-error') && !(e instanceof SchemaError) && e.remoteType === 'TypeError');
  });

  it('@auth fails closed, and the hook can allow', async () => {
    await assert.rejects(setup().client.reset(), (e: unknown) => isSparrowError(e, 'permission-denied'));
    await assert.rejects(setup(() => false).client.reset(), (e: unknown) => isSparrowError(e, 'permission-denied'));
    await setup(() => true).client.reset();
  });

  it('@auth admits, by default, a caller whose identity is in one of the groups', async () => {
    const as = (groups: string[]): PeerOptions => ({ features: [...ALL_PEER_FEATURES, sessionFeature], authenticate: () => ({ subject: 'ann', groups }) });
    await setup(undefined, as(['staff', 'admin'])).client.reset();
    await assert.rejects(setup(undefined, as(['staff'])).client.reset(), (e: unknown) => isSparrowError(e, 'permission-denied'));
    // A hook replaces the group rule.
    await assert.rejects(setup(() => false, as(['admin'])).client.reset(), (e: unknown) => isSparrowError(e, 'permission-denied'));
  });

  it('stream results, stream params and both callback styles', async () => {
    const { client } = setup();
    const items: number[] = [];
    for await (const n of client.count({ upTo: 3 })) items.push(n);
    assert.deepEqual(items, [1, 2, 3]);
    assert.equal(await client.sum({ data: [1, 10, 30, 3] }), 44);
    const ticks: number[] = [];
    assert.equal(await client.progress({ n: 2, tick: ({ i }) => void ticks.push(i), ask: () => true }), 'yes');
    assert.deepEqual(ticks, [0, 1]);
  });

  it('notify and topics', async () => {
    const { client, logged, registration } = setup();
    client.log({ line: 'hi' });
    const seen: bigint[] = [];
    const unsubscribe = client.changes.subscribe((item) => void seen.push(item.bigId));
    await settle(20);
    registration.topics.changes.publish({ bigId: 7n, data: new Uint8Array() });
    await settle(20);
    unsubscribe();
    assert.deepEqual(logged, ['hi']);
    assert.deepEqual(seen, [7n]);
  });

  it('#sys.describe lists the registered services, on the peer and on a shared registry', async () => {
    const { raw } = setup();
    const answer = await raw.call<{ services: ServiceDescriptor[] }>('describe', {}, { namespace: '#sys' });
    assert.deepEqual(answer.services.map((s) => s.name), ['Things']);
    assert.ok((await raw.remoteFeatures()).has('describe'));
    const registry = createRegistry();
    registerService(registry, defineService({ ...descriptor, name: 'Shared', methods: [] }), {});
    const pair = createPeerPair({ server: { registry } });
    const shared = await pair.client.call<{ services: ServiceDescriptor[] }>('describe', {}, { namespace: '#sys' });
    assert.deepEqual(shared.services.map((s) => s.name), ['Shared']);
  });
});
