/**
 * Batched multipart parts (feature `batch`, docs/protocol-extensions.md)
 * between two Sparrow peers over real TCP, for every serialiser and both
 * chain layouts: every chain the callee sends is decoded on the way out, so
 * the tests see the wire form ({pm: N} [[item, ...]]) and not just the items.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import type { ChainLayout, IncomingMessage, SerialiserCode } from '../../runtime/envelope/message.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { joinChain } from '../../runtime/wire.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { DEFAULT_STREAM_WINDOW, createPeer, type Peer, type PeerOptions } from '../../runtime/rpc/peer.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Listener, Transport } from '../../runtime/transport/transport.ts';
import { eventually } from '../helpers/async-waits.ts';
import { decodeChainBytes } from '../helpers/vector-replay.ts';

const SERIALISERS: readonly SerialiserCode[] = ['j', 'm', 'c'];
const LAYOUTS: readonly ChainLayout[] = ['0.1.2', 'next'];

/** A callee on TCP whose sent chains are decoded into `sent`. */
async function startCallee(options: PeerOptions = {}): Promise<{ listener: Listener; sent: IncomingMessage[]; produced: () => number; closed: () => boolean }> {
  const sent: IncomingMessage[] = [];
  let produced = 0;
  let closedIterator = false;
  const spy = (transport: Transport): Transport => {
    const send = transport.send.bind(transport);
    transport.send = (chain) => {
      sent.push(decodeChainBytes(joinChain(chain)));
      send(chain);
    };
    return transport;
  };
  const listener = await listen('tcp://127.0.0.1:0', (transport) => {
    const peer = createPeer(createMessageLink(spy(transport)), { logger: silentLogger, ...options });
    peer.export(
      'count',
      function* ({ n }) {
        try {
          for (let i = 0; i < (n as number); i++) {
            produced++;
            yield { i, text: `item ${i}` };
          }
        } finally {
          closedIterator = true;
        }
      },
      { multipart: true },
    );
    peer.export('blobs', function* ({ n }) {
      for (let i = 0; i < (n as number); i++) yield { i, data: Uint8Array.of(i & 0xff, 1, 2, 3) };
    }, { multipart: true });
    peer.export('sizes', function* ({ sizes }) {
      for (const size of sizes as number[]) yield 'x'.repeat(size);
    }, { multipart: true });
  });
  return { listener, sent, produced: () => produced, closed: () => closedIterator };
}

/** A caller on a new connection; `sent` is emptied, so it holds this connection's answers only (ids restart per connection). */
async function connectCaller(url: string, serialiser: SerialiserCode, layout: ChainLayout, sent: IncomingMessage[], features = true): Promise<Peer> {
  const peer = createPeer(createMessageLink(await connect(url)), { serialiser, layout, logger: silentLogger });
  if (features) await peer.remoteFeatures();
  sent.length = 0;
  return peer;
}

/** The data parts (pm, pmf) the callee sent for request `id`. */
function dataParts(sent: IncomingMessage[], id: number): Extract<IncomingMessage, { kind: 'response' }>[] {
  return sent.filter((m): m is Extract<IncomingMessage, { kind: 'response' }> => m.kind === 'response' && m.to === id && m.multipart && m.final !== 'terminator');
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe('batched streams over TCP', () => {
  for (const serialiser of SERIALISERS) {
    for (const layout of LAYOUTS) {
      describe(`${serialiser} ${layout}`, () => {
        let callee: Awaited<ReturnType<typeof startCallee>>;
        before(async () => {
          callee = await startCallee();
        });
        after(() => callee.listener.close());

        it('a caller that opted in gets every item, in lists of several per part', async () => {
          const peer = await connectCaller(callee.listener.url, serialiser, layout, callee.sent);
          const n = 5000;
          const items = await collect(peer.callStream<{ i: number; text: string }>('count', { n }));
          assert.equal(items.length, n);
          items.forEach((item, i) => assert.deepEqual(item, { i, text: `item ${i}` }));
          const parts = dataParts(callee.sent, 2); // request 1 was #sys.features
          for (const part of parts) {
            assert.ok(Array.isArray(part.result), 'every data part holds a list');
            assert.deepEqual(part.format.layout, layout);
            assert.deepEqual(part.format.serialiser, serialiser);
          }
          assert.equal(parts.reduce((sum, part) => sum + (part.result as unknown[]).length, 0), n);
          // Credit counts items: a window's worth takes a few parts, not one per item.
          assert.ok(parts.length <= 4 * Math.ceil(n / (DEFAULT_STREAM_WINDOW / 2)), `${parts.length} parts for ${n} items`);
          peer.close();
        });

        it('a caller without the opt-in gets one item per part', async () => {
          const peer = await connectCaller(callee.listener.url, serialiser, layout, callee.sent, false);
          const items = await collect(peer.callStream<{ i: number }>('count', { n: 50 }));
          assert.equal(items.length, 50);
          const parts = dataParts(callee.sent, 1);
          assert.equal(parts.length, 50);
          parts.forEach((part, i) => assert.deepEqual(part.result, { i, text: `item ${i}` }));
          peer.close();
        });

        it('bytes inside batched items keep their type (JSON: a msgpack payload, never base64)', async () => {
          const peer = await connectCaller(callee.listener.url, serialiser, layout, callee.sent);
          const items = await collect(peer.callStream<{ i: number; data: Uint8Array }>('blobs', { n: 300 }));
          assert.equal(items.length, 300);
          items.forEach((item, i) => assert.deepEqual(item, { i, data: Uint8Array.of(i & 0xff, 1, 2, 3) }));
          const parts = dataParts(callee.sent, 2);
          assert.ok(parts.length < 300);
          for (const part of parts) {
            assert.ok(Array.isArray(part.result));
            if (serialiser === 'j') assert.equal(part.format.payloadSerialiser, 'm');
          }
          peer.close();
        });
      });
    }
  }

  it('a break mid-batch stops the producer and closes its iterator', async () => {
    const callee = await startCallee();
    try {
      const peer = await connectCaller(callee.listener.url, 'm', '0.1.2', callee.sent);
      let read = 0;
      for await (const _ of peer.callStream('count', { n: 1_000_000 })) if (++read === 3) break;
      await eventually(() => callee.closed(), 'the generator closed');
      assert.ok(callee.produced() <= DEFAULT_STREAM_WINDOW + read, `produced ${callee.produced()}`);
      // The connection is still good.
      assert.equal((await collect(peer.callStream('count', { n: 10 }))).length, 10);
      peer.close();
    } finally {
      await callee.listener.close();
    }
  });

  it('a batch over maxMessageBytes is split; an item too big alone ends the stream with limit-exceeded after the items before it', async () => {
    const callee = await startCallee({ maxMessageBytes: 2000 });
    try {
      const peer = await connectCaller(callee.listener.url, 'm', 'next', callee.sent);
      const sizes = [...Array.from({ length: 60 }, () => 100), 5000, 100];
      const received: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const item of peer.callStream<string>('sizes', { sizes })) received.push(item);
        })(),
        (error) => isSparrowError(error, 'limit-exceeded'),
      );
      assert.equal(received.length, 60);
      assert.ok(received.every((item) => item.length === 100));
      const parts = dataParts(callee.sent, 2);
      assert.ok(parts.length > 1 && parts.length < 60, `${parts.length} parts`);
      peer.close();
    } finally {
      await callee.listener.close();
    }
  });
});
