/**
 * createMemoryPeers: a service tested in one process through the public
 * entry, generated client against generated server, both directions, with
 * the real encoding in between.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryPeers, ErrorCode, isSparrowError } from 'sparrow-rpc';
import { msgpackSerialiser } from 'sparrow-rpc/msgpack';
import { demoImplementation } from '../../examples/demo/services.ts';
import { createDemoClient, registerDemo } from '../../examples/generated/index.ts';

const demo = demoImplementation;

describe('createMemoryPeers', () => {
  it('calls a registered service, with callbacks, streams and defaults', async () => {
    const { client, server, close } = createMemoryPeers();
    registerDemo(server, demo);
    const api = createDemoClient(client);
    assert.equal(await api.helloWorld(), 'Hello world!');
    const seen: string[] = [];
    assert.equal(await api.demoProgressUpdate({ data: ['a', 'b'], progress: ({ message }) => void seen.push(message) }), 'Processed 2 items');
    assert.deepEqual(seen, ['Processing a', 'Processing b']);
    const pairs: [number, number][] = [];
    for await (const pair of api.demoMultipartResponse({ upTo: 3 })) pairs.push(pair);
    assert.deepEqual(pairs, [[1, 2], [2, 5], [3, 10]]);
    assert.equal(await api.demoMultipartParam({ data: [1, 10, 30, 3] }), 44);
    await close();
    assert.equal(client.isClosed, true);
    assert.equal(server.isClosed, true);
    await assert.rejects(api.helloWorld(), (error: unknown) => isSparrowError(error) && error.code === ErrorCode.ConnectionClosed);
  });

  it('takes per-side options: msgpack, and bytes split into 3-byte chunks', async () => {
    const { client, server, close } = createMemoryPeers({
      chunk: (bytes) => Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) => bytes.subarray(i * 3, i * 3 + 3)),
      client: { serialisers: [msgpackSerialiser], serialiser: 'm' },
      server: { serialisers: [msgpackSerialiser] },
    });
    registerDemo(server, demo);
    assert.equal(await createDemoClient(client).helloWorld({ name: 'msgpack' }), 'Hello msgpack!');
    await close();
  });

  it('either side may call the other', async () => {
    const { client, server, close } = createMemoryPeers();
    registerDemo(client, demo);
    assert.equal(await createDemoClient(server).helloWorld({ name: 'back' }), 'Hello back!');
    await close();
  });
});
