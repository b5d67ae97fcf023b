import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
// And the codec parts the Node entry installs: the `b` protocol, the fast framer.
import '../../runtime/envelope/node-parts.ts';
import { createMessageLink, type MessageLinkOptions } from '../../runtime/connection/message-link.ts';
import { openPeer } from '../../runtime/connection/open-peer.ts';
import type { IncomingMessage, Message, MessageLink, WireFormat } from '../../runtime/envelope/message.ts';
import { ErrorCode, type SparrowError } from '../../runtime/errors.ts';
import { encodeChain } from '../../runtime/framing/chain-encoder.ts';
import { createMemoryTransportPair } from '../../runtime/transport/memory.ts';
import type { Transport } from '../../runtime/transport/transport.ts';
import { fromHex, loadVectors } from '../helpers/vectors.ts';

interface Recorder {
  messages: IncomingMessage[];
  errors: { error: SparrowError; fatal: boolean }[];
  closed: Promise<Error | undefined>;
}

function record(link: MessageLink, onMessage?: (message: IncomingMessage) => void): Recorder {
  const messages: IncomingMessage[] = [];
  const errors: { error: SparrowError; fatal: boolean }[] = [];
  let resolve!: (error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((r) => (resolve = r));
  link.start({
    onMessage: (message) => {
      messages.push(message);
      onMessage?.(message);
    },
    onProtocolError: (error, fatal) => errors.push({ error, fatal }),
    onClose: (error) => resolve(error),
  });
  return { messages, errors, closed };
}

/** A raw transport on one side and a link on the other. */
function rawAndLink(options: MessageLinkOptions = {}, chunk?: (bytes: Uint8Array) => Uint8Array[]): { raw: Transport; link: MessageLink; seen: Recorder; rawClosed: Promise<void> } {
  const [raw, other] = createMemoryTransportPair(chunk === undefined ? {} : { chunk });
  let rawDone!: () => void;
  const rawClosed = new Promise<void>((r) => (rawDone = r));
  raw.start({ onData: () => {}, onClose: () => rawDone() });
  const link = createMessageLink(other, options);
  return { raw, link, seen: record(link), rawClosed };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const J: WireFormat = { layout: '0.1.2', serialiser: 'j' };

describe('message link', () => {
  it('carries messages both ways, in every format, through 1-byte chunks', async () => {
    const oneByte = (bytes: Uint8Array) => Array.from(bytes, (byte) => Uint8Array.of(byte));
    const [a, b] = createMemoryTransportPair({ chunk: oneByte });
    const left = createMessageLink(a);
    const right = createMessageLink(b);
    const leftSeen = record(left);
    const rightSeen = record(right);
    const sent: [Message, WireFormat][] = [];
    for (const layout of ['0.1.2', 'next'] as const) {
      for (const serialiser of ['j', 'm', 'c'] as const) {
        const format = { layout, serialiser };
        const message: Message = { kind: 'request', target: 'echo', id: sent.length + 1, requestType: 'normal', ack: false, params: { blob: new Uint8Array([1, 2, 3]), big: 2n ** 63n } };
        sent.push([message, format]);
        left.send(message, format);
      }
    }
    right.send({ kind: 'ack', to: 1 }, { layout: 'next', serialiser: 'c' });
    await tick();
    assert.equal(rightSeen.messages.length, 6);
    rightSeen.messages.forEach((message, k) => {
      const [original, format] = sent[k]!;
      const payloadSerialiser = format.serialiser === 'j' ? { payloadSerialiser: 'm' as const } : {};
      assert.deepEqual(message, { ...original, format: { ...format, ...payloadSerialiser, protocol: '.5' } });
    });
    assert.deepEqual(leftSeen.messages, [{ kind: 'ack', to: 1, format: { layout: 'next', serialiser: 'c', protocol: '.5' } }]);
    assert.deepEqual([...leftSeen.errors, ...rightSeen.errors], []);
    left.close();
    assert.equal(await leftSeen.closed, undefined);
    assert.equal(await rightSeen.closed, undefined);
  });

  it('delivers every vector chain sent as one concatenated stream', async () => {
    const { raw, seen } = rawAndLink();
    let count = 0;
    for (const vector of loadVectors()) {
      for (const chain of vector.chains) {
        raw.send(chain.bytes);
        count++;
      }
    }
    await tick();
    assert.equal(seen.messages.length, count);
    // Only the 0.1.2 "b" reply without v warns.
    assert.deepEqual(seen.errors.map((e) => [e.error.code, e.fatal]), [[ErrorCode.ProtocolError, false]]);
  });

  const fatal: [string, Uint8Array, MessageLinkOptions, ErrorCode][] = [
    ['a bad SOP byte', fromHex('6a 80 7f'), {}, ErrorCode.ProtocolError],
    ['a part over the limit', fromHex('6a 8201 00'), { limits: { maxPartSize: 255 } }, ErrorCode.LimitExceeded],
    ['a chain over the limit', encodeChain('j', [new Uint8Array(200), new Uint8Array(200)]), { limits: { maxChainSize: 300 } }, ErrorCode.LimitExceeded],
    ['11 parts', fromHex('6a' + '80'.repeat(11) + 'ff'), {}, ErrorCode.LimitExceeded],
    // Chains that are no message in any layout: garbage, nothing to answer.
    ['an unknown prefix', encodeChain('q', ['{}']), {}, ErrorCode.ProtocolError],
    ['an empty chain', fromHex('ff'), {}, ErrorCode.ProtocolError],
  ];
  for (const [name, bytes, options, code] of fatal) {
    it(`reports ${name} as a fatal ${code} and closes the transport`, async () => {
      const { raw, seen, rawClosed } = rawAndLink(options);
      raw.send(encodeChain('j', ['{"n":"before","v":".5"}', '{}']));
      raw.send(bytes);
      raw.send(encodeChain('j', ['{"n":"after","v":".5"}', '{}']));
      assert.equal(await seen.closed, undefined);
      await rawClosed;
      assert.deepEqual(seen.messages.map((m) => m.kind === 'notification' && m.target), ['before']);
      assert.equal(seen.errors.length, 1);
      assert.equal(seen.errors[0]!.fatal, true);
      assert.equal(seen.errors[0]!.error.code, code);
    });
  }

  it('drops an undecodable envelope non-fatally, fails a response it cannot read, and keeps going', async () => {
    const { raw, link, seen } = rawAndLink({ maxDepth: 4 });
    raw.send(encodeChain('j', ['{"r":']));
    raw.send(encodeChain('j', ['{"p":1,"v":".5"}', '[[[[[1]]]]]']));
    raw.send(encodeChain('j', ['{"r":"ping","i":1,"v":".5","zz":0}']));
    await tick();
    assert.deepEqual(seen.errors.map((e) => [e.error.code, e.fatal]), [
      [ErrorCode.SerialisationError, false],
      [ErrorCode.LimitExceeded, false],
      [ErrorCode.ProtocolError, false], // the extra key: reported, message still delivered
    ]);
    // The response too deep to read reaches its pending call as an exception (no call hangs).
    assert.deepEqual(seen.messages.map((m) => m.kind), ['exception', 'request']);
    link.close();
    await seen.closed;
  });

  it('survives an onMessage handler that throws', async () => {
    const [a, b] = createMemoryTransportPair();
    const left = createMessageLink(a);
    record(left);
    const right = createMessageLink(b);
    let calls = 0;
    const seen = record(right, () => {
      calls++;
      if (calls === 1) throw new Error('handler bug');
    });
    left.send({ kind: 'notification', target: 'one' }, J);
    left.send({ kind: 'notification', target: 'two' }, J);
    await tick();
    assert.equal(seen.messages.length, 2);
    assert.deepEqual(seen.errors.map((e) => [e.error.code, e.fatal]), [[ErrorCode.InvalidState, false]]);
    left.close();
  });

  it('throws encoder errors from send, and refuses a second start', () => {
    const [a] = createMemoryTransportPair();
    const link = createMessageLink(a);
    record(link);
    assert.throws(() => link.send({ kind: 'request', target: '', id: 1, requestType: 'normal', ack: false }, J), { code: ErrorCode.InvalidParams });
    assert.throws(() => record(link), { code: ErrorCode.InvalidState });
    link.close();
  });

  it('openPeer without the Node endpoints refuses a budget or deadline, naming it, and closes the transport', async () => {
    // This file never loads the Node endpoints, so openPeer makes a bare link, which has none.
    for (const option of ['outputSoftBytes', 'outputHardBytes', 'handshakeTimeoutMs', 'partialChainTimeoutMs', 'idleTimeoutMs', 'inputBudget'] as const) {
      const [a, b] = createMemoryTransportPair();
      const closed = new Promise<void>((resolve) => b.start({ onData() {}, onClose: () => resolve() }));
      assert.throws(() => openPeer(a, { [option]: 1_000 } as MessageLinkOptions), { code: ErrorCode.Unsupported, message: `${option} needs createMessageLink + createCorePeer` });
      await closed;
    }
  });
});
