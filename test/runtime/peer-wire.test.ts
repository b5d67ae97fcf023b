/**
 * The peer over the real wire: the envelope codec and chain framing over an
 * in-memory transport (every serialiser, both layouts, byte-by-byte
 * chunking) and over real TCP and WebSocket connections.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import type { ChainLayout, Params, SerialiserCode } from '../../runtime/envelope/message.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { envelopeParts, installEnvelopeParts } from '../../runtime/envelope/codec.ts';
import { decodeChain } from '../../runtime/envelope/decode.ts';
import { ChainDecoder } from '../../runtime/framing/chain-decoder.ts';
import { encodeChain } from '../../runtime/framing/chain-encoder.ts';
import { createCorePeer } from '../../runtime/rpc/peer-core.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { SparrowError, isSparrowError } from '../../runtime/errors.ts';
import type { NotifyCallback, RequestCallback } from '../../runtime/rpc/callbacks.ts';
import { createPeer, type Peer } from '../../runtime/rpc/peer.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { createMemoryTransportPair } from '../../runtime/transport/memory.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Transport } from '../../runtime/transport/transport.ts';
import { createRecordingLogger } from '../helpers/peers.ts';

function serverRegistry() {
  const registry = createRegistry();
  registry.export('add', ({ a, b }) => (a as number) + (b as number), { namespace: 'maths' });
  registry.export('echo', ({ value }) => value);
  registry.export('not_found', ({ id }) => {
    throw new SparrowError('callee-error', `no ${String(id)}`, { remoteType: 'NotFound', data: { id } });
  });
  registry.export('bad', () => {
    throw new SparrowError('invalid-params', 'bad params');
  });
  registry.export('squares', function* ({ up_to }) {
    for (let x = 1; x <= (up_to as number); x++) yield [x, x * x + 1];
  }, { multipart: true });
  registry.export('progress', ({ items, progress }) => {
    for (const item of items as string[]) (progress as NotifyCallback)({ message: item });
    return (items as string[]).length;
  });
  registry.export('ask', async ({ ask }) => `got ${String(await (ask as RequestCallback)({ q: 'why' }))}`, { callbacks: { ask: 'request' } });
  registry.export('sum', async ({ nums }) => {
    let total = 0;
    for await (const n of nums as AsyncIterable<number>) total += n;
    return total;
  });
  registry.export('reverse', async ({ text }, ctx) => `server got ${String(await ctx.peer.call('shout', { text }))}`);
  registry.export('hang', (_p, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))));
  return registry;
}

async function exercise(client: Peer, server: Peer): Promise<void> {
  client.export('shout', ({ text }) => String(text).toUpperCase());
  assert.equal(await client.call('ping', undefined, { namespace: '#sys' }), 'pong');
  assert.equal(await client.call('add', { a: 2, b: 3 }, { namespace: 'maths' }), 5);
  const value = { s: 'héllo ✓', n: -1.5, big: 2n ** 62n, list: [1, 'two', null, true], nested: { deep: [{}] }, bytes: Uint8Array.of(0, 1, 254, 255) };
  assert.deepEqual(await client.call('echo', { value }), value);
  assert.equal(await client.call('echo', { value: null }), null);
  await assert.rejects(client.call('not_found', { id: 'x' }), (e) => isSparrowError(e, 'callee-error') && e.remoteType === 'NotFound' && (e.data as { id: string }).id === 'x');
  await assert.rejects(client.call('bad'), (e) => isSparrowError(e, 'invalid-params'));
  await assert.rejects(client.call('nope'), (e) => isSparrowError(e, 'target-not-found'));
  const items: unknown[] = [];
  for await (const item of client.callStream('squares', { up_to: 3 })) items.push(item);
  assert.deepEqual(items, [[1, 2], [2, 5], [3, 10]]);
  const messages: unknown[] = [];
  assert.equal(await client.call('progress', { items: ['a', 'b'], progress: ({ message }: Params) => void messages.push(message) }), 2);
  assert.deepEqual(messages, ['a', 'b']);
  assert.equal(await client.call('ask', { ask: ({ q }: Params) => `because ${String(q)}` }), 'got because why');
  function* nums() {
    yield* [1, 10, 30, 3];
  }
  assert.equal(await client.call('sum', { nums: nums() }), 44);
  assert.equal(await client.call('reverse', { text: 'hi' }), 'server got HI');
  let acked = false;
  assert.equal(await client.call('echo', { value: 1 }, { onAck: () => (acked = true) }), 1);
  assert.equal(acked, true);
  assert.equal(await client.call('echo', { value: 1 }, { quiet: true }), undefined);
  // Cancellation reaches the handler once the client knows the server supports it.
  await client.remoteFeatures();
  const controller = new AbortController();
  const hanging = client.call('hang', {}, { signal: controller.signal });
  setTimeout(() => controller.abort(), 5);
  await assert.rejects(hanging, (e) => isSparrowError(e, 'aborted'));
  for (let i = 0; i < 100 && server.activeHandlerCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.equal(server.activeHandlerCount, 0);
  // Closing fails what is pending with connection-closed.
  const pending = client.call('hang', {}, { timeoutMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  server.close();
  await assert.rejects(pending, (e) => isSparrowError(e, 'connection-closed'));
  await client.closed;
}

function peersOver(clientTransport: Transport, serverTransport: Transport, serialiser: SerialiserCode, layout: ChainLayout): [Peer, Peer] {
  const client = createPeer(createMessageLink(clientTransport), { serialiser, layout, logger: createRecordingLogger() });
  const server = createPeer(createMessageLink(serverTransport), { registry: serverRegistry(), logger: createRecordingLogger() });
  return [client, server];
}

describe('peer over the real codec (memory transport)', () => {
  for (const serialiser of ['j', 'm', 'c'] as const) {
    for (const layout of ['0.1.2', 'next'] as const) {
      it(`${serialiser} / ${layout}`, async () => {
        const [a, b] = createMemoryTransportPair();
        const [client, server] = peersOver(a, b, serialiser, layout);
        await exercise(client, server);
        // The server adopted the client's format for the calls it started.
        assert.deepEqual(server.format, { serialiser, layout, protocol: '.5' });
      });
    }
  }

  it('survives byte-by-byte chunking', async () => {
    const [a, b] = createMemoryTransportPair({ chunk: (bytes) => Array.from(bytes, (byte) => Uint8Array.of(byte)) });
    const [client, server] = peersOver(a, b, 'm', 'next');
    await exercise(client, server);
  });

  it('a page without callbacks (no declarations part, no dispatcher) answers a request declaring callbacks with not-found', async () => {
    const declarations = envelopeParts.declarations;
    delete envelopeParts.declarations;
    const [a, b] = createMemoryTransportPair();
    const page = createCorePeer(createMessageLink(a), { features: [], logger: silentLogger });
    try {
      const answer = new Promise<unknown>((resolve) => {
        const decoder = new ChainDecoder((chain) => resolve(decodeChain(chain)));
        b.start({ onData: (bytes) => decoder.push(bytes), onClose: () => {} });
      });
      const utf8 = (text: string) => new TextEncoder().encode(text);
      b.send(encodeChain('j', [utf8('{"r":"work","i":1,"v":".5"}'), new Uint8Array(0), utf8('{"#cb":{"progress":{"p":null}}}')]));
      const exception = (await answer) as { kind: string; to: number; error: { type: string; msg: string } };
      assert.deepEqual([exception.kind, exception.to, exception.error.type, exception.error.msg], ['exception', 1, 'TargetNotFound', 'target work not found']);
    } finally {
      page.close();
      if (declarations !== undefined) installEnvelopeParts({ declarations });
    }
  });

  it('rejects a call whose result cannot be encoded with a callee error, not a hang', async () => {
    const [a, b] = createMemoryTransportPair();
    const [client, server] = peersOver(a, b, 'j', '0.1.2');
    server.export('fn', () => {
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      return circular;
    });
    await assert.rejects(client.call('fn', {}, { timeoutMs: 1000 }), (e) => isSparrowError(e, 'callee-error') && e.remoteType === 'SerialisationError');
    client.close();
  });
});

describe('peer over sockets', () => {
  for (const scheme of ['tcp', 'ws'] as const) {
    it(scheme, async () => {
      const servers: Peer[] = [];
      const registry = serverRegistry();
      const listener = await listen(`${scheme}://127.0.0.1:0`, (transport) => {
        servers.push(createPeer(createMessageLink(transport), { registry, logger: createRecordingLogger() }));
      });
      try {
        const client = createPeer(createMessageLink(await connect(listener.url)), { serialiser: 'c', logger: createRecordingLogger() });
        assert.equal(await client.call('ping', undefined, { namespace: '#sys' }), 'pong');
        await exercise(client, servers[0]!);
      } finally {
        await listener.close();
      }
    });
  }
});
