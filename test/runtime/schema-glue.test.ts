/**
 * The parts of the service glue (runtime/schema/definition.ts) and the one
 * codec's error paths: a definition carries only the parts generated code
 * gives it, a scalar schema works with none, a member whose part is
 * missing fails when the client is built, and a refusal deep inside a value
 * names its whole path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callbacksFeature,
  createClient,
  decodeFields,
  decodeValue,
  defineServiceWith,
  isSparrowError,
  registerService,
  scalarCodec,
  streamGlue,
  streamsFeature,
  valueCodec,
  type CallDesc,
  type ServiceDescriptor,
  type TypeTable,
} from 'sparrow-rpc';
import { createPeerPair } from '../helpers/peers.ts';

const types: TypeTable = {
  'p.Item': { kind: 'struct', name: 'Item', fields: [{ name: 'id', type: 'int32' }] },
  'p.Bag': { kind: 'struct', name: 'Bag', fields: [{ name: 'items', type: ['list', 'p.Item'] }, { name: 'by_name', ts: 'byName', type: ['map', 'string', 'p.Item'], optional: true }] },
};

const greeter: ServiceDescriptor = {
  name: 'Greeter',
  package: 'g',
  namespace: 'greeter',
  types: {},
  methods: [{ kind: 'call', name: 'hello', params: [{ name: 'name', type: 'string', default: 'world' }, { name: 'times', type: 'uint8', optional: true }], result: 'string' }],
};

describe('schema glue parts', () => {
  it('a schema of strings runs with no part at all; numbers need only the scalarCodec: no streams, no peer parts', async () => {
    const { client: plainClient, server: plainServer } = createPeerPair();
    const strings = defineServiceWith<{ hello(args?: { name?: string }): Promise<string> }, unknown>({ ...greeter, methods: [{ ...greeter.methods[0]!, params: [{ name: 'name', type: 'string', default: 'world' }] } as CallDesc] }, {});
    assert.deepEqual(strings.features, []);
    registerService(plainServer, strings, { hello: ({ name }: { name: string }) => `Hello ${name}!` });
    assert.equal(await createClient(plainClient, strings).hello(), 'Hello world!');
    await assert.rejects(plainClient.call('hello', { name: 5 }, { namespace: 'greeter' }), (e: unknown) => isSparrowError(e, 'invalid-params') && e.message === 'name: expected string, got integer 5');
    assert.throws(() => createClient(plainClient, defineServiceWith(greeter, {})), (e: unknown) => isSparrowError(e, 'invalid-state') && e.message === '"uint8" needs the scalarCodec');
    plainClient.close();
    plainServer.close();
    const definition = defineServiceWith<{ hello(args?: { name?: string; times?: number }): Promise<string> }, unknown>(greeter, { codec: scalarCodec });
    assert.deepEqual(definition.features, []);
    const { client, server } = createPeerPair();
    registerService(server, definition, { hello: ({ name, times }: { name: string; times?: number }) => `Hello ${name}!`.repeat(times ?? 1) });
    const greet = createClient(client, definition);
    assert.equal(await greet.hello(), 'Hello world!');
    assert.equal(await greet.hello({ name: 'Ann', times: 2 }), 'Hello Ann!Hello Ann!');
    await assert.rejects(client.call('hello', { times: 300 }, { namespace: 'greeter' }), (e: unknown) => isSparrowError(e, 'invalid-params') && e.message === 'times: 300 is out of range for uint8');
    client.close();
    server.close();
  });

  it('the peer parts come with the glue parts that need them', () => {
    assert.deepEqual(defineServiceWith(greeter, { streams: streamGlue }).features, [streamsFeature]);
    assert.notEqual(streamsFeature, callbacksFeature);
  });

  it('a member whose part is missing fails when the client is built, naming the part', () => {
    const { client, server } = createPeerPair();
    const streaming = defineServiceWith({ ...greeter, methods: [{ kind: 'call', name: 'count', params: [], result: 'int32', stream: true }] }, {});
    assert.throws(() => createClient(client, streaming), (e: unknown) => isSparrowError(e, 'invalid-state') && /count needs the streamGlue/.test(e.message));
    const listing = defineServiceWith({ ...greeter, methods: [{ kind: 'call', name: 'list', params: [], result: ['list', 'string'] }] }, {});
    assert.throws(() => createClient(client, listing), (e: unknown) => isSparrowError(e, 'invalid-state') && /needs the valueCodec/.test(e.message));
    assert.doesNotThrow(() => createClient(client, defineServiceWith(listing.descriptor, { codec: valueCodec })));
    client.close();
    server.close();
  });

  it('scalarCodec knows the scalars only; int64 is the value codec\'s', () => {
    assert.equal(scalarCodec.decoder('float64', {}, {})(2n), 2);
    assert.throws(() => scalarCodec.decoder('int64', {}, {}), (e: unknown) => isSparrowError(e, 'invalid-state'));
    assert.equal(valueCodec.decoder('int64', {}, {})(5), 5n);
  });
});

describe('one codec: the path of a refusal deep inside a value', () => {
  const message = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      assert.ok(isSparrowError(error, 'invalid-params'), String(error));
      return error.message;
    }
    return assert.fail('not refused');
  };

  it('names every list index, map key and field on the way', () => {
    const bag = { items: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 'x' }] };
    assert.equal(message(() => decodeValue('p.Bag', bag, types, 'params.bag')), 'params.bag.items[3].id: expected int32, got string');
    assert.equal(message(() => decodeFields([{ name: 'bag', type: 'p.Bag' }], { bag }, types, '')), 'bag.items[3].id: expected int32, got string');
    assert.equal(message(() => decodeValue('p.Bag', { items: [], by_name: { 'a b': { id: 2 ** 40 } } }, types, 'v')), 'v.by_name["a b"].id: 1099511627776 is out of range for int32');
    assert.equal(message(() => decodeValue('p.Bag', { items: [{}] }, types, 'v')), 'v.items[0]: missing required field id');
    assert.equal(message(() => decodeFields([{ name: 'bag', type: 'p.Bag' }], {}, types, '')), 'missing required param bag');
  });

  it('a valid value after a refused one decodes (no path left behind)', () => {
    const decode = (value: unknown): unknown => decodeValue(['list', 'p.Item'], value, types, 'r');
    assert.throws(() => decode([{ id: 'x' }]));
    assert.deepEqual(decode([{ id: 1 }]), [{ id: 1 }]);
    assert.equal(message(() => decode([{ id: 1 }, { id: null }])), 'r[1].id: expected int32, got null');
  });
});
