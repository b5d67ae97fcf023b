/**
 * Choosing serialisers (`serialisers` on links and peers): a JSON-only side
 * refuses bytes clearly, answers a request it cannot read with an error,
 * fails a call whose answer it cannot read instead of letting it hang, and
 * keeps the connection, except when it cannot read envelopes at all (then
 * it closes it, so the sender's calls fail at once); the defaults stay all three on Node; the JSON-only
 * browser bundle holds neither msgpackr nor cbor-x.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { encodeMessage, serialisersOf } from '../../runtime/envelope/codec.ts';
import { decodeChain } from '../../runtime/envelope/decode.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import type { IncomingMessage } from '../../runtime/envelope/message.ts';
import { openPeer } from '../../runtime/connection/open-peer.ts';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import { ChainDecoder, type Chain } from '../../runtime/framing/chain-decoder.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { msgpackSerialiser } from '../../runtime/serialisation/msgpack.ts';
import { createMemoryTransportPair } from '../../runtime/transport/memory.ts';
import { bundle, profileEntry, type Profile } from '../../scripts/bundle-size.ts';

const jsonOnly = serialisersOf([]);
const bytes = new Uint8Array([1, 2, 3]);

function chainOf(encoded: Uint8Array): Chain {
  const chains: Chain[] = [];
  new ChainDecoder((chain) => chains.push(chain)).push(encoded);
  assert.equal(chains.length, 1);
  return chains[0]!;
}

const isUnsupported = (needle: RegExp) => (error: unknown): boolean =>
  error instanceof SparrowError && error.code === ErrorCode.Unsupported && needle.test(error.message);

describe('serialiser selection: codec', () => {
  it('defaults to all three (Node): bytes over JSON go as a msgpack payload', () => {
    const chain = chainOf(encodeMessage({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: bytes }, { layout: '0.1.2', serialiser: 'j' }));
    const message = decodeChain(chain);
    assert.equal(message.kind, 'response');
    assert.equal(message.format.payloadSerialiser, 'm');
    assert.deepEqual(message.kind === 'response' && message.result, bytes);
  });

  it('JSON only: sending bytes is refused naming msgpack and where to get it', () => {
    assert.throws(
      () => encodeMessage({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: { data: bytes } }, { layout: '0.1.2', serialiser: 'j' }, jsonOnly),
      isUnsupported(/bytes.*msgpack serialiser \("m"\).*sparrow-rpc\/msgpack/),
    );
  });

  it('JSON only: a msgpack or CBOR format is refused naming the serialiser', () => {
    assert.throws(() => encodeMessage({ kind: 'ack', to: 1 }, { layout: '0.1.2', serialiser: 'm' }, jsonOnly), isUnsupported(/msgpack/));
    assert.throws(() => encodeMessage({ kind: 'ack', to: 1 }, { layout: 'next', serialiser: 'c' }, jsonOnly), isUnsupported(/CBOR serialiser \("c"\).*sparrow-rpc\/cbor/));
  });

  it('JSON only: a msgpack envelope is a clear unsupported error (the chain is dropped)', () => {
    const chain = chainOf(encodeMessage({ kind: 'ack', to: 1 }, { layout: '0.1.2', serialiser: 'm' }));
    assert.throws(() => decodeChain(chain, { serialisers: jsonOnly }), isUnsupported(/envelope.*msgpack/));
  });

  it('JSON only: a response with an `l: "m"` payload becomes an exception for that call (no hang)', () => {
    const chain = chainOf(encodeMessage({ kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: bytes }, { layout: '0.1.2', serialiser: 'j' }));
    const warnings: SparrowError[] = [];
    const message = decodeChain(chain, { serialisers: jsonOnly, onWarning: (warning) => warnings.push(warning) });
    assert.equal(message.kind, 'exception');
    assert.equal(message.kind === 'exception' && message.to, 7);
    assert.match(message.kind === 'exception' ? message.error.msg : '', /msgpack serialiser/);
    assert.equal(warnings.length, 1);
  });

  it('with msgpack passed, bytes round-trip over a JSON envelope', () => {
    const table = serialisersOf([msgpackSerialiser]);
    const encoded = encodeMessage({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: bytes }, { layout: 'next', serialiser: 'j' }, table);
    const message = decodeChain(chainOf(encoded), { serialisers: table });
    assert.deepEqual(message.kind === 'response' && message.result, bytes);
  });
});

describe('serialiser selection: links and peers', () => {
  it('a JSON-only link answers a request whose payload is msgpack with an error, and keeps going', async () => {
    const [a, b] = createMemoryTransportPair();
    const full = createMessageLink(a);
    const json = createMessageLink(b, { serialisers: [] });
    const received: IncomingMessage[] = [];
    const errors: SparrowError[] = [];
    full.start({ onMessage: (message) => received.push(message), onProtocolError: () => {}, onClose: () => {} });
    json.start({ onMessage: (message) => received.push(message), onProtocolError: (error) => errors.push(error), onClose: () => {} });
    full.send({ kind: 'request', target: 'put', id: 1, requestType: 'normal', ack: false, params: { data: bytes } }, { layout: '0.1.2', serialiser: 'j' });
    full.send({ kind: 'request', target: 'ping', id: 2, requestType: 'normal', ack: false }, { layout: '0.1.2', serialiser: 'j' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, ErrorCode.Unsupported);
    const answer = received.find((message) => message.kind === 'exception');
    assert.ok(answer !== undefined && answer.kind === 'exception');
    assert.equal(answer.to, 1);
    assert.match(answer.error.msg, /msgpack serialiser/);
    assert.ok(received.some((message) => message.kind === 'request' && message.target === 'ping'), 'the link still delivers');
    full.close();
  });

  it('a JSON-only peer: calls work, bytes fail clearly both ways, the peer survives', async () => {
    const [a, b] = createMemoryTransportPair();
    const registry = createRegistry();
    registry.export('echo', (params: { value?: unknown }) => params.value);
    const server = openPeer(a, { registry, logger: silentLogger });
    const client = openPeer(b, { serialisers: [], logger: silentLogger, timeoutMs: 2_000 });
    try {
      assert.equal(await client.call('echo', { value: 'hi' }), 'hi');
      await assert.rejects(client.call('echo', { value: bytes }), isUnsupported(/bytes.*msgpack/));
      // The server (all three) answers bytes as `l: "m"`; the JSON-only client fails that call with the missing serialiser.
      registry.export('blob', () => bytes);
      await assert.rejects(client.call('blob'), (error: unknown) => error instanceof SparrowError && /msgpack serialiser/.test(error.message));
      assert.equal(await client.call('echo', { value: 'still here' }), 'still here');
    } finally {
      client.close();
      server.close();
    }
  });

  it('a JSON-only peer closes a connection whose envelopes it cannot read: the caller fails at once, the callee logs one line', async () => {
    const [a, b] = createMemoryTransportPair();
    const registry = createRegistry();
    registry.export('echo', (params: { value?: unknown }) => params.value);
    const logged: { message: string; details: unknown[] }[] = [];
    const log = (message: string, ...details: unknown[]): void => void logged.push({ message, details });
    const server = openPeer(a, { registry, serialisers: [], logger: { debug: () => {}, info: () => {}, warn: log, error: log } });
    // No timeout: only the closed connection can end this call.
    const client = openPeer(b, { serialiser: 'c', logger: silentLogger, timeoutMs: 0 });
    try {
      await assert.rejects(client.call('echo', { value: 'hi' }), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.ConnectionClosed);
      await server.closed;
      assert.equal(logged.length, 1, JSON.stringify(logged));
      assert.match(logged[0]!.message, /closed after a protocol error: reading this chain's envelope needs the CBOR serialiser/);
      assert.deepEqual(logged[0]!.details, [], 'no stack: the message says it all');
    } finally {
      client.close();
      server.close();
    }
  });

  it('openPeer refuses a `serialiser` it was not given', () => {
    const [a] = createMemoryTransportPair();
    assert.throws(() => openPeer(a, { serialisers: [], serialiser: 'm', logger: silentLogger }), isUnsupported(/serialiser: "m".*msgpack/));
  });
});

describe('serialiser selection: browser bundle', () => {
  it('the JSON-only client bundles neither msgpackr nor cbor-x; with msgpack, msgpackr only', async () => {
    const packages = async (profile: Profile): Promise<string[]> => {
      const { metafile } = await bundle(profileEntry(profile));
      return Object.keys(metafile.inputs).filter((input) => /node_modules\/(msgpackr|cbor-x)\//.test(input));
    };
    assert.deepEqual(await packages('unary-json'), []);
    assert.deepEqual(await packages('streams-callbacks-json'), []);
    const withMsgpack = await packages('streams-callbacks-msgpack');
    assert.ok(withMsgpack.some((input) => input.includes('msgpackr/')));
    assert.ok(!withMsgpack.some((input) => input.includes('cbor-x/')));
  });
});
