/**
 * End to end: the code generated from schemas/demo.sparrow (the committed
 * golden) over real TCP sockets, with a typed client, a registered
 * implementation and a schema-less caller for bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, createMessageLink, createPeer, createRegistry, isSparrowError, listen, type Peer } from 'sparrow-rpc/node';
import { Forbidden, NotFound } from '../golden/cases/demo/expected/demo-common.ts';
import { Color, createDemoClient, createNotesClient, registerDemo, registerNotes, type Note } from '../golden/cases/demo/expected/demo.ts';

const notes = new Map<string, Note>();
const blobs = new Map<string, Uint8Array>();
const logs: string[] = [];

describe('generated demo code over tcp', () => {
  let close: () => Promise<void>;
  let peer: Peer;

  before(async () => {
    const registry = createRegistry();
    registerDemo(registry, {
      helloWorld: ({ name }) => `Hello ${name}!`,
      demoProgressUpdate: ({ data, progress }) => {
        for (const item of data) progress({ message: item });
        return `Processed ${data.length} items`;
      },
      *demoMultipartResponse({ upTo }) {
        for (let x = 1; x <= upTo; x++) yield [x, x * x + 1];
      },
      demoMultipartParam: async ({ data }) => {
        let sum = 0;
        for await (const n of data) sum += n;
        return sum;
      },
    });
    registerNotes(
      registry,
      {
        add: ({ text, shape }) => {
          const note: Note = { id: { value: String(notes.size + 1) }, text, createdAt: 2n ** 62n + 7n, meta: new Map([['k', 'v']]), ...(shape === undefined ? {} : { shape }) };
          notes.set(note.id.value, note);
          return note;
        },
        get: ({ id }) => {
          const note = notes.get(id.value);
          if (note === undefined) throw new NotFound({ id: id.value }, `no note ${id.value}`);
          return note;
        },
        list: ({ limit, offset }) => [...notes.values()].slice(offset, offset + limit),
        putBlob: ({ key, data }) => void blobs.set(key, data),
        getBlob: ({ key }) => {
          const blob = blobs.get(key);
          if (blob === undefined) throw new NotFound({ id: key });
          return blob;
        },
        delete: () => {
          throw new Forbidden();
        },
        log: ({ line, level }) => void logs.push(`${level}:${line}`),
        pickColor: async ({ choose }) => choose({ options: [Color.red, Color.green] }),
        listAll: () => [...notes.values()],
      },
      { authorize: (ctx, groups) => groups.includes(String(ctx.callerIdentity)) },
    );
    const listener = await listen('tcp://127.0.0.1:0', (transport) => createPeer(createMessageLink(transport), { registry, callerIdentity: 'admin' }));
    close = () => listener.close();
    peer = createPeer(createMessageLink(await connect(listener.url)));
  });

  after(async () => {
    peer.close();
    await close();
  });

  it('unary calls with defaults, callbacks, multipart results and iterable params', async () => {
    const demo = createDemoClient(peer);
    assert.equal(await demo.helloWorld(), 'Hello world!');
    assert.equal(await demo.helloWorld({ name: 'Sparrow' }), 'Hello Sparrow!');
    const messages: string[] = [];
    assert.equal(await demo.demoProgressUpdate({ data: ['a', 'b'], progress: ({ message }) => void messages.push(message) }), 'Processed 2 items');
    assert.deepEqual(messages, ['a', 'b']);
    const pairs: [number, number][] = [];
    for await (const pair of demo.demoMultipartResponse({ upTo: 3 })) pairs.push(pair);
    assert.deepEqual(pairs, [[1, 2], [2, 5], [3, 10]]);
    assert.equal(await demo.demoMultipartParam({ data: [1, 10, 30, 3] }), 44);
  });

  it('structs, unions, maps and int64 round-trip as bigint', async () => {
    const client = createNotesClient(peer);
    const note = await client.add({ text: 'hi', shape: { $type: 'Circle', center: { x: 1, y: 2, tags: [], color: Color.red }, radius: 3 } });
    assert.equal(note.createdAt, 2n ** 62n + 7n);
    assert.deepEqual(note.meta, new Map([['k', 'v']]));
    const fetched = await client.get({ id: note.id });
    assert.equal(fetched.shape?.$type, 'Circle');
    assert.equal(fetched.createdAt, 2n ** 62n + 7n);
    const list = await client.list();
    assert.equal(list.length, notes.size, 'limit and offset defaults applied by the callee');
  });

  it('bytes travel as bytes', async () => {
    const client = createNotesClient(peer);
    await client.putBlob({ key: 'b', data: new Uint8Array([0, 255, 7]) });
    assert.deepEqual([...(await client.getBlob({ key: 'b' }))], [0, 255, 7]);
  });

  it('declared errors arrive as the generated classes', async () => {
    const client = createNotesClient(peer);
    await assert.rejects(client.get({ id: { value: 'nope' } }), (e: unknown) => e instanceof NotFound && e.fields.id === 'nope' && e.message === 'no note nope');
    await assert.rejects(client.delete({ id: { value: '1' } }), (e: unknown) => e instanceof Forbidden && e.fields.reason === 'not allowed');
  });

  it('request-style callbacks and notify', async () => {
    const client = createNotesClient(peer);
    assert.equal(await client.pickColor({ choose: ({ options }) => options[1] ?? Color.blue }), Color.green);
    client.log({ line: 'hello' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(logs, ['0:hello']);
  });

  it('invalid params from a schema-less caller never reach user code', async () => {
    await assert.rejects(peer.call('add', { text: 5 }, { namespace: 'notes' }), (e: unknown) => isSparrowError(e, 'invalid-params') && /text/.test(e.message));
    await assert.rejects(peer.call('list', { limit: 2 ** 40 }, { namespace: 'notes' }), (e: unknown) => isSparrowError(e, 'invalid-params') && /out of range/.test(e.message));
    await assert.rejects(peer.call('add', { text: 'x', shape: { $type: 'Triangle' } }, { namespace: 'notes' }), (e: unknown) => isSparrowError(e, 'invalid-params'));
    await assert.rejects(peer.call('hello_world', { name: ['x'] }), (e: unknown) => isSparrowError(e, 'invalid-params'));
  });

  it('target-not-found and #sys.describe', async () => {
    await assert.rejects(peer.call('nope', {}, { namespace: 'notes' }), (e: unknown) => isSparrowError(e, 'target-not-found'));
    const described = await peer.call<{ services: { name: string }[] }>('describe', {}, { namespace: '#sys' });
    assert.deepEqual(described.services.map((s) => s.name), ['Demo', 'Notes']);
  });
});

describe('@auth fails closed over tcp', () => {
  it('refuses members with groups when no hook allows', async () => {
    const registry = createRegistry();
    registerNotes(registry, {
      add: () => assert.fail('not called'),
      get: () => assert.fail('not called'),
      list: () => [],
      putBlob: () => undefined,
      getBlob: () => new Uint8Array(),
      delete: () => assert.fail('must not run'),
      log: () => undefined,
      pickColor: () => Color.red,
      listAll: () => [],
    });
    const listener = await listen('tcp://127.0.0.1:0', (transport) => createPeer(createMessageLink(transport), { registry }));
    const client = createPeer(createMessageLink(await connect(listener.url)));
    try {
      await assert.rejects(createNotesClient(client).delete({ id: { value: '1' } }), (e: unknown) => isSparrowError(e, 'permission-denied'));
      assert.deepEqual(await createNotesClient(client).list(), []);
    } finally {
      client.close();
      await listener.close();
    }
  });
});
