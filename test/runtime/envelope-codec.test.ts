import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
// And the codec parts the Node entry installs: the `b` protocol, the fast framer.
import '../../runtime/envelope/node-parts.ts';
import { createEnvelopeWriter, encodeMessage, encodeMessagePieces, envelopeParts, installEnvelopeParts } from '../../runtime/envelope/codec.ts';
import { decodeChain } from '../../runtime/envelope/decode.ts';
import type { IncomingMessage, Message, RequestMessage, WireFormat } from '../../runtime/envelope/message.ts';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import { ChainDecoder, type Chain } from '../../runtime/framing/chain-decoder.ts';
import { encodeChain } from '../../runtime/framing/chain-encoder.ts';
import { joinChain } from '../../runtime/wire.ts';
import { cborSerialiser } from '../../runtime/serialisation/cbor.ts';
import { jsonSerialiser } from '../../runtime/serialisation/json.ts';
import { msgpackSerialiser } from '../../runtime/serialisation/msgpack.ts';
import { fromHex, toHex } from '../helpers/vectors.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const isCode = (code: ErrorCode) => (error: unknown) => error instanceof SparrowError && error.code === code;

function chainOf(bytes: Uint8Array): Chain {
  const chains: Chain[] = [];
  new ChainDecoder((chain) => chains.push({ prefix: chain.prefix, parts: chain.parts.map((part) => part.slice()) })).push(bytes);
  assert.equal(chains.length, 1);
  return chains[0]!;
}

function decode(bytes: Uint8Array): { message: IncomingMessage; warnings: string[] } {
  const warnings: string[] = [];
  const message = decodeChain(chainOf(bytes), { onWarning: (warning) => warnings.push(warning.message) });
  return { message, warnings };
}

/** A 0.1.2 JSON chain from envelope and payload texts. */
const json = (envelope: string, ...payload: string[]) => encodeChain('j', [envelope, ...payload]);

const J012: WireFormat = { layout: '0.1.2', serialiser: 'j' };
const JNEXT: WireFormat = { layout: 'next', serialiser: 'j' };
const ping: Message = { kind: 'request', target: 'ping', id: 1, requestType: 'normal', ack: false, namespace: '#sys' };

describe('encodeMessage: hand-checked bytes', () => {
  it('writes a compact JSON ping in the 0.1.2 layout', () => {
    const body = '{"r":"ping","i":1,"v":".5","s":"#sys"}';
    assert.equal(toHex(encodeMessage(ping, J012)), '6a8126' + toHex(utf8(body)) + 'ff');
  });

  it('writes a compact JSON ping in the next layout', () => {
    const body = '{"r":"ping","i":1,"v":".5","s":"#sys"}';
    assert.equal(toHex(encodeMessage(ping, JNEXT)), '81022e35' + '81016a' + '8126' + toHex(utf8(body)) + 'ff');
  });

  it('writes msgpack and CBOR pings byte for byte as HEAD does (PROTOCOL.md §13.2)', () => {
    assert.equal(toHex(encodeMessage(ping, { layout: 'next', serialiser: 'm' })), '81022e3581016d811784a172a470696e67a16901a176a22e35a173a423737973ff');
    assert.equal(toHex(encodeMessage(ping, { layout: 'next', serialiser: 'c' })), '81022e35810163811' + '7a4617264' + '70696e67616901617662' + '2e35617364' + '23737973ff');
    const pong: Message = { kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: 'pong' };
    assert.equal(toHex(encodeMessage(pong, { layout: 'next', serialiser: 'm' })), '81022e3581016d810982a17001a176a22e358105a4706f6e67ff');
    // 0.1.2 msgpack: the same, minus Python's `l: nil` (never sent, §14).
    assert.equal(toHex(encodeMessage(pong, { layout: '0.1.2', serialiser: 'm' })), '6d810982a17001a176a22e358105a4706f6e67ff');
  });
});

describe('encodeMessage: §6 payload rules and §14 sending rules', () => {
  it('sends no params part for a request without params', () => {
    const chain = chainOf(encodeMessage({ ...ping, params: {} }, J012));
    assert.equal(chain.parts.length, 1);
  });

  it('sends a zero-length params part before the special part when there are callbacks but no params', () => {
    const message: Message = { kind: 'request', target: 'work', id: 3, requestType: 'normal', ack: false, declarations: { callbacks: ['progress'], iterables: ['nums'] } };
    const chain = chainOf(encodeMessage(message, J012));
    assert.equal(chain.parts.length, 3);
    assert.equal(chain.parts[1]!.length, 0);
    assert.equal(text(chain.parts[2]!), '{"#cb":{"progress":{"p":null}},"#icb":{"nums":{"r":null}}}');
    assert.deepEqual(decode(encodeMessage(message, J012)).message, { ...message, format: { ...J012, protocol: '.5' } });
  });

  it('without the declarations part (a page without callbacks) does not read the names, and refuses to write them', () => {
    const message: Message = { kind: 'request', target: 'work', id: 3, requestType: 'normal', ack: false, params: { a: 1 }, declarations: { callbacks: ['progress'], iterables: ['nums'] } };
    const bytes = encodeMessage(message, J012);
    const declarations = envelopeParts.declarations!;
    delete envelopeParts.declarations;
    try {
      // Still a request that declares names, so a dispatcher without callbacks refuses it and a peer without one answers not-found.
      const { message: read, warnings } = decode(bytes);
      assert.deepEqual(read, { ...message, declarations: { callbacks: [], iterables: [] }, format: { ...J012, protocol: '.5' } });
      assert.deepEqual(warnings, []);
      // A special part that is not even a map is not looked at either: nothing to refuse it for.
      assert.deepEqual((decode(encodeChain('j', [utf8('{"r":"work","i":4,"v":".5"}'), new Uint8Array(0), utf8('[1]')])).message as RequestMessage).declarations, { callbacks: [], iterables: [] });
      assert.throws(
        () => encodeMessage(message, J012),
        (error) => isCode(ErrorCode.Unsupported)(error) && (error as Error).message === 'the callback params part is not in this bundle (callbacksFeature installs it)',
      );
    } finally {
      installEnvelopeParts({ declarations });
    }
    assert.deepEqual(decode(bytes).message, { ...message, format: { ...J012, protocol: '.5' } });
    // Declarations that name nothing: no special part is written.
    assert.equal(chainOf(encodeMessage({ ...message, declarations: { callbacks: [], iterables: [] } }, J012)).parts.length, 2);
  });

  it('always sends a params part with notifications, {} when there are none', () => {
    const chain = chainOf(encodeMessage({ kind: 'notification', target: 'tick' }, J012));
    assert.equal(text(chain.parts[0]!), '{"n":"tick","v":".5"}');
    assert.equal(text(chain.parts[1]!), '{}');
  });

  it('writes markers and flags in Python order, and supplementary keys in Python order', () => {
    const cases: [Message, string][] = [
      [{ kind: 'request', target: 't', id: 2, requestType: 'quiet', ack: true, callbackOf: 9, node: 'nd', namespace: 'ns' }, '{"raq":"t","i":2,"v":".5","c":9,"d":"nd","s":"ns"}'],
      [{ kind: 'request', target: 't', id: 2, requestType: 'silent', ack: false }, '{"rs":"t","i":2,"v":".5"}'],
      [{ kind: 'notification', target: 't', callbackOf: 4, namespace: 'ns', node: 'nd', params: { a: 1 } }, '{"n":"t","v":".5","d":"nd","s":"ns","c":4}'],
      [{ kind: 'response', to: 5, multipart: true, ack: false, hasResult: true, result: 1 }, '{"pm":5,"v":".5"}'],
      [{ kind: 'response', to: 5, multipart: true, final: 'terminator', ack: false, hasResult: false }, '{"pmt":5,"v":".5"}'],
      [{ kind: 'response', to: 5, multipart: true, final: 'final', ack: true, id: 8, hasResult: true, result: 1 }, '{"pmfa":5,"v":".5","i":8}'],
      [{ kind: 'exception', to: 5, ack: true, id: 8, error: { cat: 'r', type: 'InvalidParams', msg: 'no' } }, '{"xa":5,"v":".5","i":8}'],
      [{ kind: 'ack', to: 5 }, '{"a":5,"v":".5"}'],
    ];
    for (const [message, envelope] of cases) {
      const chain = chainOf(encodeMessage(message, J012));
      assert.equal(text(chain.parts[0]!), envelope);
      assert.deepEqual(decode(encodeMessage(message, J012)).message, { ...message, format: { ...J012, protocol: '.5' } }, envelope);
    }
  });

  it('sends no result part for null and for a terminator, and reads it back as no result', () => {
    const nullResult: Message = { kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: null };
    assert.equal(chainOf(encodeMessage(nullResult, J012)).parts.length, 1);
    const terminator: Message = { kind: 'response', to: 1, multipart: true, final: 'terminator', ack: false, hasResult: true, result: 'ignored' };
    assert.equal(chainOf(encodeMessage(terminator, J012)).parts.length, 1);
    const back = decode(encodeMessage(nullResult, J012)).message;
    assert.equal(back.kind === 'response' && back.hasResult, false);
  });

  it('always sends msg, never cat t', () => {
    const message: Message = { kind: 'exception', to: 1, ack: false, error: { cat: 't', type: '', msg: undefined as unknown as string } };
    assert.equal(text(chainOf(encodeMessage(message, J012)).parts[1]!), '{"cat":"e","type":"Exception","msg":""}');
  });

  it('writes bytes in a JSON envelope as a msgpack payload named by l: "m" (decision 4), never base64', () => {
    const message: Message = { kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: new Uint8Array([0, 1, 0xfe, 0xff]) };
    const bytes = encodeMessage(message, J012);
    // The same chain as the vector json-env-msgpack-payload-bytes.hex, in compact JSON.
    assert.equal(toHex(bytes), '6a8118' + toHex(utf8('{"p":1,"v":".5","l":"m"}')) + '8106c4040001feffff');
    const back = decode(bytes).message;
    assert.deepEqual(back, { ...message, format: { ...J012, payloadSerialiser: 'm', protocol: '.5' } });
    assert.equal(back.kind === 'response' && Object.getPrototypeOf(back.result), Uint8Array.prototype);
    // Nested bytes in params too, in both layouts.
    const request: Message = { kind: 'request', target: 'store', id: 2, requestType: 'normal', ack: false, params: { blob: [new Uint8Array([7])], n: 12345678901234567890n } };
    for (const format of [J012, JNEXT]) {
      const decoded: IncomingMessage = decode(encodeMessage(request, format)).message;
      assert.deepEqual(decoded, { ...request, format: { ...format, payloadSerialiser: 'm', protocol: '.5' } });
    }
  });

  it('finds bytes however deep a JSON payload nests them, and never writes bytes as JSON objects', () => {
    const nest = (value: unknown, levels: number): unknown => (levels === 0 ? value : nest({ a: value }, levels - 1));
    // 70 levels: beyond a receiver's default depth, but a peer may allow more (the Python reference has no limit).
    const deep: Message = { kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: nest(new Uint8Array([1, 2, 3]), 70) };
    const chain = chainOf(encodeMessage(deep, J012));
    assert.equal(text(chain.parts[0]!), '{"p":1,"v":".5","l":"m"}');
    assert.deepEqual(msgpackSerialiser.decode(chain.parts[1]!, 100), deep.hasResult && deep.result);
    // Deeper than the walk's 512 levels nothing is written: bytes there could not be told from objects.
    for (const result of [nest(new Uint8Array([1]), 600), nest(1, 600)]) {
      assert.throws(() => encodeMessage({ ...deep, result }, J012), (error: unknown) => isCode(ErrorCode.SerialisationError)(error) && /nesting deeper than 512 levels/.test((error as Error).message));
    }
    assert.equal(text(chainOf(encodeMessage({ ...deep, result: nest(1, 500) }, J012)).parts[1]!), '{"a":'.repeat(500) + '1' + '}'.repeat(500));
  });

  it('sends a large bytes payload uncopied, in pieces that join to the library\'s encoding', () => {
    const serialisers = { m: msgpackSerialiser, c: cborSerialiser } as const;
    for (const size of [65_536, 300_001]) {
      for (const result of [new Uint8Array(size).fill(5), Buffer.alloc(size, 6)]) {
        const message: Message = { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result };
        for (const serialiser of ['m', 'c', 'j'] as const) {
          for (const layout of ['0.1.2', 'next'] as const) {
            const format: WireFormat = { layout, serialiser };
            const pieces = encodeMessagePieces(message, format);
            assert.ok(Array.isArray(pieces), `${serialiser} ${layout} ${size}: in pieces`);
            assert.equal(pieces[1], result, 'the caller\'s array itself');
            const joined = joinChain(pieces);
            assert.deepEqual(joined, encodeMessage(message, format));
            // The payload part is byte for byte what the serialiser library writes for the value.
            const chain = chainOf(joined);
            const library = serialisers[serialiser === 'j' ? 'm' : serialiser].encode(result);
            assert.ok(Buffer.from(chain.parts.at(-1)!).equals(Buffer.from(library)));
            const back = decodeChain(chain);
            assert.ok(back.kind === 'response' && Buffer.from(back.result as Uint8Array).equals(Buffer.from(result)));
          }
        }
      }
    }
    // Below the threshold, and bytes inside a map, stay one buffer.
    for (const result of [new Uint8Array(65_535), { data: new Uint8Array(100_000) }]) {
      assert.ok(encodeMessagePieces({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result }, { layout: '0.1.2', serialiser: 'm' }) instanceof Uint8Array);
    }
  });

  it('keeps JSON payloads without bytes in JSON, and honours an explicit payload serialiser', () => {
    const request: Message = { kind: 'request', target: 'store', id: 2, requestType: 'normal', ack: false, params: { n: 12345678901234567890n } };
    const chain = chainOf(encodeMessage(request, J012));
    assert.equal(text(chain.parts[1]!), '{"n":12345678901234567890}');
    const forced: WireFormat = { layout: '0.1.2', serialiser: 'm', payloadSerialiser: 'j' };
    assert.deepEqual(decode(encodeMessage(request, forced)).message, { ...request, format: { ...forced, protocol: '.5' } });
  });

  it('refuses to send what the wire rules forbid', () => {
    assert.throws(() => encodeMessage({ ...ping, target: '' }, J012), isCode(ErrorCode.InvalidParams));
    assert.throws(() => encodeMessage({ ...ping, params: [1, 2] as unknown as Record<string, unknown> }, J012), isCode(ErrorCode.InvalidParams));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeMessage({ ...ping, params: cyclic }, J012), isCode(ErrorCode.SerialisationError));
  });
});

describe('decodeChain: forgiving receiving (§14)', () => {
  it('accepts l: null, absent l, any key order, string ids and pmf/pf', () => {
    assert.deepEqual(decode(json('{"v":".5","l":null,"p":"abc"}', '1')).message, {
      kind: 'response', to: 'abc', multipart: false, ack: false, hasResult: true, result: 1, format: { ...J012, protocol: '.5' },
    });
    const pmf = decode(json('{"pmf": 3, "v": ".5"}', '"x"')).message;
    assert.deepEqual(pmf.kind === 'response' && [pmf.multipart, pmf.final, pmf.result], [true, 'final', 'x']);
    const pf = decode(json('{"pf":3,"v":".5"}', '"last"')).message;
    assert.deepEqual(pf.kind === 'response' && [pf.final, pf.result], ['final', 'last']);
    const mfp = decode(json('{"pfm":3,"v":".5"}', '"last"')).message;
    assert.deepEqual(mfp.kind === 'response' && [mfp.multipart, mfp.final], [true, 'final']);
  });

  it('accepts a notification without a params part, and an exception without msg', () => {
    const notification = decode(json('{"n":"tick","v":".5"}')).message;
    assert.deepEqual(notification, { kind: 'notification', target: 'tick', format: { ...J012, protocol: '.5' } });
    const exception = decode(json('{"x":1,"v":".5"}', '{"cat":"e","type":"ValueError"}')).message;
    assert.deepEqual(exception.kind === 'exception' && exception.error, { cat: 'e', type: 'ValueError', msg: '' });
  });

  it('delivers but reports extra keys and f (the reference rejects them)', () => {
    const { message, warnings } = decode(json('{"r":"ping","i":1,"v":".5","f":null,"zz":1}'));
    assert.equal(message.kind, 'request');
    assert.match(warnings.join(), /extra envelope keys f, zz/);
  });

  it('reports each oddity in the words of the warnings part, and without it (a page) delivers the same messages unreported', () => {
    const odd: [Uint8Array, string][] = [
      [encodeChain('j', ['.5', 'm', fromHex('82a17001a176a22e35')]), 'HEAD chain with prefix "j" (ignored)'],
      [json('{"r":"ping","i":1}'), '0.1.2 envelope without "v" (read as ".5")'],
      [json('{"r":"ping","i":1,"v":".5","f":null,"zz":1}'), 'extra envelope keys f, zz (ignored)'],
      [json('{"x":1,"v":".5"}', '"boom"'), 'exception without an error map'],
    ];
    const reported = odd.map(([bytes, text]) => {
      const { message, warnings } = decode(bytes);
      assert.deepEqual(warnings, [text]);
      return message;
    });
    const warnings = envelopeParts.warnings!;
    delete envelopeParts.warnings;
    try {
      for (const [k, [bytes]] of odd.entries()) assert.deepEqual(decode(bytes), { message: reported[k], warnings: [] });
    } finally {
      installEnvelopeParts({ warnings });
    }
  });

  it('reads a zero-length params part as no params, and a zero-length result as no result', () => {
    const request = decode(json('{"r":"ping","i":1,"v":".5"}', '')).message;
    assert.equal('params' in request, false);
    const response = decode(json('{"p":1,"v":".5"}', '')).message;
    assert.equal(response.kind === 'response' && response.hasResult, false);
  });

  const rejects: [string, Uint8Array, ErrorCode][] = [
    ['an unknown prefix', encodeChain('x', ['{}']), ErrorCode.ProtocolError],
    ['an empty prefix without a protocol tag', encodeChain('', ['{"a":1}']), ErrorCode.ProtocolError],
    ['an empty chain', fromHex('ff'), ErrorCode.ProtocolError],
    ['an unknown HEAD version', encodeChain('', ['.9', 'j', '{"a":1,"v":".5"}']), ErrorCode.ProtocolError],
    ['an unknown v', json('{"r":"ping","i":1,"v":".9"}'), ErrorCode.ProtocolError],
    ['a non-map envelope', json('[1]'), ErrorCode.ProtocolError],
    ['an undecodable envelope', json('{"r":'), ErrorCode.SerialisationError],
    ['no marker', json('{"i":1,"v":".5"}'), ErrorCode.ProtocolError],
    ['two markers', json('{"r":"a","n":"b","i":1,"v":".5"}'), ErrorCode.ProtocolError],
    ['an unknown flag', json('{"rz":"a","i":1,"v":".5"}'), ErrorCode.ProtocolError],
    ['q and s together', json('{"rqs":"a","i":1,"v":".5"}'), ErrorCode.ProtocolError],
    ['f and t together', json('{"pft":1,"v":".5"}'), ErrorCode.ProtocolError],
    ['a request without i', json('{"r":"a","v":".5"}'), ErrorCode.ProtocolError],
    ['a non-string target', json('{"r":5,"i":1,"v":".5"}'), ErrorCode.ProtocolError],
    ['a null id', json('{"p":null,"v":".5"}'), ErrorCode.ProtocolError],
    ['list params', json('{"r":"a","i":1,"v":".5"}', '[1]'), ErrorCode.InvalidParams],
    ['three payload parts', json('{"r":"a","i":1,"v":".5"}', '{}', '{}', '{}'), ErrorCode.ProtocolError],
    ['an unknown l', json('{"r":"a","i":1,"v":".5","l":"q"}'), ErrorCode.ProtocolError],
    ['deep nesting in a notification payload', json('{"n":"a","v":".5"}', '['.repeat(65) + ']'.repeat(65)), ErrorCode.LimitExceeded],
  ];
  for (const [name, bytes, code] of rejects) {
    it(`rejects ${name} with ${code}`, () => {
      assert.throws(() => decodeChain(chainOf(bytes)), isCode(code));
    });
  }

  it('turns a response payload it cannot read into an exception for the pending call (no call hangs)', () => {
    const { message, warnings } = decode(json('{"p":1,"v":".5"}', '['.repeat(65) + ']'.repeat(65)));
    assert.equal(message.kind, 'exception');
    assert.equal((message as { error: { type: string } }).error.type, 'LimitExceeded');
    assert.equal(warnings.length, 1);
  });

  it('answers a request whose params it cannot read with a typed error', () => {
    let thrown: unknown;
    const replies: Uint8Array[] = [];
    try {
      decodeChain(chainOf(json('{"r":"a","i":7,"v":".5"}', '['.repeat(65) + ']'.repeat(65))), { reply: (chain) => replies.push(joinChain(chain)) });
    } catch (error) {
      thrown = error;
    }
    assert.ok(isCode(ErrorCode.LimitExceeded)(thrown));
    assert.equal(replies.length, 1);
    const answer = new TextDecoder().decode(replies[0]);
    assert.match(answer, /"x":7/);
    assert.match(answer, /"cat":"r","type":"LimitExceeded"/);
  });

  it('detects a HEAD chain with a stray prefix (the HEAD reader ignores the prefix)', () => {
    const { message, warnings } = decode(encodeChain('j', ['.5', 'm', fromHex('82a17001a176a22e35')]));
    assert.equal(message.format.layout, 'next');
    assert.equal(message.format.serialiser, 'm');
    assert.equal(warnings.length, 1);
  });

  it('accepts a HEAD envelope without v', () => {
    const { message, warnings } = decode(encodeChain('', ['.5', 'j', '{"r":"ping","i":1,"s":"#sys"}']));
    assert.equal(message.kind, 'request');
    assert.deepEqual(warnings, []);
  });
});

describe('the basic "b" protocol (§9)', () => {
  const request: Message = { kind: 'request', target: 'ping', namespace: '#sys', id: 5, requestType: 'normal', ack: false };
  const reply: Message = { kind: 'response', to: 5, multipart: false, ack: false, hasResult: true, result: 'pong' };

  it('answers a b request with a b reply, with v in 0.1.2 and without it at HEAD', () => {
    const old: WireFormat = { layout: '0.1.2', serialiser: 'j', protocol: 'b' };
    assert.equal(text(chainOf(encodeMessage(reply, old)).parts[0]!), '{"result":"pong","id":5,"v":"b"}');
    const head: WireFormat = { layout: 'next', serialiser: 'j', protocol: 'b' };
    // As HEAD writes it (PROTOCOL.md §9): 81 01 62 | 81 01 6a | {"result": "pong", "id": 5}.
    assert.equal(toHex(encodeMessage(reply, head)), '810162' + '81016a' + '8118' + toHex(utf8('{"result":"pong","id":5}')) + 'ff');
    for (const format of [old, head]) {
      const messages: Message[] = [request, reply];
      for (const sent of messages) {
        const received: IncomingMessage = decode(encodeMessage(sent, format)).message;
        assert.deepEqual(received, { ...sent, format });
      }
    }
  });

  it('reads b notifications and errors', () => {
    const notification = decode(json('{"target":"tick","params":{"a":1},"v":"b"}')).message;
    assert.deepEqual(notification, { kind: 'notification', target: 'tick', params: { a: 1 }, format: { ...J012, protocol: 'b' } });
    const error = decode(json('{"error":{"cat":"r","type":"TargetNotFound","msg":"nope"},"id":5,"v":"b"}')).message;
    assert.deepEqual(error.kind === 'exception' && error.error, { cat: 'r', type: 'TargetNotFound', msg: 'nope' });
  });

  it('refuses what b cannot carry', () => {
    const format: WireFormat = { layout: 'next', serialiser: 'j', protocol: 'b' };
    assert.throws(() => encodeMessage({ kind: 'ack', to: 1 }, format), isCode(ErrorCode.Unsupported));
    assert.throws(() => encodeMessage({ ...request, requestType: 'quiet' }, format), isCode(ErrorCode.Unsupported));
    assert.throws(() => encodeMessage({ ...reply, multipart: true }, format), isCode(ErrorCode.Unsupported));
  });

  it('does not crash on malformed b envelopes', () => {
    assert.throws(() => decodeChain(chainOf(json('{"v":"b"}'))), isCode(ErrorCode.ProtocolError));
    assert.throws(() => decodeChain(chainOf(json('{"target":1,"v":"b"}'))), isCode(ErrorCode.ProtocolError));
    assert.throws(() => decodeChain(chainOf(json('{"id":[],"result":1,"v":"b"}'))), isCode(ErrorCode.ProtocolError));
  });
});

describe('decodeChain: binary values', () => {
  it('have memory of their own: never the reused chunk, never the receive buffer a part was assembled in', () => {
    const blob = new Uint8Array(4096).fill(7);
    const wire = encodeMessage({ kind: 'response', to: 1, multipart: false, ack: false, hasResult: true, result: blob }, { layout: '0.1.2', serialiser: 'm' });
    const results: unknown[] = [];
    const decoder = new ChainDecoder((chain) => results.push(decodeChain(chain)));
    // One chunk reused for every read, as a transport may do.
    const chunk = new Uint8Array(1000);
    for (let at = 0; at < wire.length; at += chunk.length) {
      const n = Math.min(chunk.length, wire.length - at);
      chunk.set(wire.subarray(at, at + n));
      decoder.push(chunk.subarray(0, n));
      chunk.fill(0);
    }
    const result = (results[0] as IncomingMessage & { result: Uint8Array }).result;
    assert.equal(Object.getPrototypeOf(result), Uint8Array.prototype);
    assert.notEqual(result.buffer, chunk.buffer);
    assert.equal(result.buffer.byteLength, result.length, 'an ArrayBuffer of its own: transferable');
    assert.deepEqual(result, blob);
    // The next blob is assembled in the same receive buffers: the first result stays intact.
    const other = encodeMessage({ kind: 'response', to: 2, multipart: false, ack: false, hasResult: true, result: new Uint8Array(70_000).fill(3) }, { layout: '0.1.2', serialiser: 'm' });
    for (let at = 0; at < other.length; at += 1000) decoder.push(other.subarray(at, Math.min(other.length, at + 1000)));
    assert.equal(results.length, 2);
    assert.deepEqual(result, blob);
    // A large part is memory of its own: its bytes come out as a view of it, never of the sender's chunks.
    const large = (results[1] as IncomingMessage & { result: Uint8Array }).result;
    assert.notEqual(large.buffer, other.buffer);
    assert.ok(large.length === 70_000 && large.every((byte) => byte === 3));
  });
});

describe('encodeMessage: msgpack payload packed in place', () => {
  it('writes the same bytes as the part-by-part chain encoder, and earlier chains stay intact', () => {
    const sizes = [0, 1, 200, 70_000, 1 << 20];
    for (const layout of ['0.1.2', 'next'] as const) {
      const format: WireFormat = { layout, serialiser: 'm' };
      const chains = sizes.map((size) => encodeMessage({ kind: 'response', to: size, multipart: false, ack: false, hasResult: true, result: new Uint8Array(size).fill(size & 0xff) }, format));
      for (let k = 0; k < 200; k++) encodeMessage({ kind: 'response', to: k, multipart: true, ack: false, hasResult: true, result: { i: k } }, format);
      sizes.forEach((size, k) => {
        const message = decodeChain(decodeOne(chains[k]!)) as IncomingMessage & { result: Uint8Array };
        assert.equal(message.kind, 'response');
        assert.deepEqual(message.result, new Uint8Array(size).fill(size & 0xff), `${layout} ${size}`);
        assert.equal(Object.getPrototypeOf(chains[k]), Uint8Array.prototype);
      });
    }
  });

  it('writes large blobs (packed without msgpackr) byte for byte as msgpackr and the chain encoder do', () => {
    const backing = new Uint8Array((1 << 20) + 16);
    for (let k = 0; k < backing.length; k++) backing[k] = (k * 31) & 0xff;
    for (const size of [0xffff, 0x10000, 70_000, 1 << 20]) {
      const blob = backing.subarray(3, 3 + size); // a view with an offset, as a handler may return
      for (const layout of ['0.1.2', 'next'] as const) {
        const format: WireFormat = { layout, serialiser: 'm' };
        const bytes = encodeMessage({ kind: 'response', to: 5, multipart: false, ack: false, hasResult: true, result: blob }, format);
        const envelope = msgpackSerialiser.encode({ p: 5, v: '.5' }).slice();
        const payload = msgpackSerialiser.encode(blob).slice();
        const expected = layout === 'next' ? encodeChain('', [utf8('.5'), utf8('m'), envelope, payload]) : encodeChain('m', [envelope, payload]);
        assert.equal(toHex(bytes), toHex(expected), `${layout} ${size}`);
      }
    }
  });
});

describe('encodeMessage: small msgpack messages written in place', () => {
  // The same serialiser without its small-value writer: every message then takes the general path.
  const { writeSmall: _writeSmall, ...general } = msgpackSerialiser;
  const generalTable = { j: jsonSerialiser, m: general };
  const messages: Message[] = [
    { kind: 'request', id: 7, target: 'add', namespace: 'Bench', requestType: 'normal', ack: false, params: { a: 1.5, b: -2 } },
    { kind: 'request', id: 300_000, target: 'x'.repeat(40), requestType: 'quiet', ack: true, params: {} },
    { kind: 'request', id: 8, target: 'cb', callbackOf: 3, node: 'n1', requestType: 'silent', ack: false, params: { s: 'text', t: true, u: null } },
    { kind: 'request', id: 9, target: 'withCallbacks', requestType: 'normal', ack: false, declarations: { callbacks: ['progress'], iterables: ['items'] } },
    { kind: 'request', id: 10, target: 'withCallbacks', requestType: 'normal', ack: false, params: { n: 1 }, declarations: { callbacks: ['progress'], iterables: [] } },
    { kind: 'notification', target: 'tick', namespace: 'ns', params: { at: 2 ** 40 } },
    { kind: 'notification', target: 'tick', callbackOf: 4 },
    { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: 2.5 },
    { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: null },
    { kind: 'response', to: 7, multipart: true, ack: false, hasResult: true, result: { i: 1, v: 0.5 } },
    { kind: 'response', to: 7, multipart: true, final: 'terminator', ack: false, hasResult: false },
    { kind: 'response', to: 7, id: 12, multipart: false, ack: true, hasResult: true, result: 'é' },
    { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: 'x'.repeat(300) },
    { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: { nested: { a: 1 } } },
    { kind: 'exception', to: 7, ack: false, error: { cat: 'e', type: 'ValueError', msg: 'bad' } },
    { kind: 'ack', to: 7 },
  ];

  it('writes exactly the bytes of the general path, in both layouts', () => {
    for (const layout of ['0.1.2', 'next'] as const) {
      const format: WireFormat = { layout, serialiser: 'm' };
      for (const message of messages) {
        const fast = encodeMessage(message, format).slice();
        assert.equal(toHex(fast), toHex(encodeMessage(message, format, generalTable)), `${layout} ${JSON.stringify(message)}`);
      }
    }
  });

  it('writes CBOR messages in place too, exactly as the general path (cbor-x) does', () => {
    const { writeSmall: _cbor, ...generalCbor } = cborSerialiser;
    for (const layout of ['0.1.2', 'next'] as const) {
      const format: WireFormat = { layout, serialiser: 'c' };
      for (const message of [...messages, { kind: 'request', id: 13, target: 'add', requestType: 'normal', ack: false, params: { a: -(2 ** 32), b: 2 ** 32 - 1, c: 0.25, d: -0 } } as Message]) {
        const fast = encodeMessage(message, format).slice();
        assert.equal(toHex(fast), toHex(encodeMessage(message, format, { j: jsonSerialiser, m: general, c: generalCbor })), `${layout} ${JSON.stringify(message)}`);
      }
    }
  });

  it('writes JSON messages in place too, exactly as the general path (JSON.stringify) does', () => {
    const { writeSmall: _json, ...generalJson } = jsonSerialiser;
    const jsonMessages: Message[] = [
      ...messages,
      { kind: 'request', id: 11, target: 'say', requestType: 'normal', ack: false, params: { text: 'a "quoted" \\ line\n', n: -0, big: 2 ** 60, f: 1e-7, u: undefined } },
      { kind: 'request', id: 12, target: 'add', requestType: 'normal', ack: false, params: { a: 123456789, b: -0.000001, c: 1e21, d: 0x7fffffff + 1 } },
      { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: Number.NaN },
      { kind: 'response', to: 7, multipart: false, ack: false, hasResult: true, result: '\u007f~ ' },
    ];
    for (const layout of ['0.1.2', 'next'] as const) {
      const format: WireFormat = { layout, serialiser: 'j' };
      for (const message of jsonMessages) {
        const fast = encodeMessage(message, format).slice();
        assert.equal(toHex(fast), toHex(encodeMessage(message, format, { j: generalJson, m: general })), `${layout} ${JSON.stringify(message)}`);
      }
    }
  });

  it('takes the small path for calls and answers (consecutive chains of one link sit back to back in its slab)', () => {
    const format: WireFormat = { layout: '0.1.2', serialiser: 'm' };
    const writer = createEnvelopeWriter();
    const other = createEnvelopeWriter();
    for (const message of [messages[0]!, messages[7]!, messages[9]!]) {
      const first = encodeMessage(message, format, undefined, writer);
      const elsewhere = encodeMessage(message, format, undefined, other);
      const second = encodeMessage(message, format, undefined, writer);
      assert.equal(second.buffer, first.buffer);
      assert.equal(second.byteOffset, first.byteOffset + first.length);
      // Writer state is per link: another link's chains never land in this link's slab.
      assert.notEqual(elsewhere.buffer, first.buffer);
      assert.equal(toHex(elsewhere), toHex(first));
    }
  });

  it('hands out chains that later messages never overwrite', () => {
    const format: WireFormat = { layout: '0.1.2', serialiser: 'm' };
    // Enough to fill several slabs.
    const writer = createEnvelopeWriter();
    const kept = Array.from({ length: 5000 }, (_, k) => ({ k, bytes: encodeMessage({ kind: 'response', to: k, multipart: false, ack: false, hasResult: true, result: k * 0.5 }, format, undefined, writer) }));
    for (const { k, bytes } of kept) {
      const message = decodeChain(decodeOne(bytes)) as IncomingMessage & { to: unknown; result: unknown };
      assert.deepEqual([message.to, message.result], [k, k * 0.5]);
    }
  });
});

function decodeOne(bytes: Uint8Array): Chain {
  let out: Chain | undefined;
  new ChainDecoder((chain) => (out = { prefix: chain.prefix, parts: chain.parts.map((part) => part.slice()) })).push(bytes);
  assert.ok(out);
  return out;
}

describe('encodeMessage: stream part envelopes (encoded once per stream)', () => {
  it('writes each part with its own id, whatever came before, byte for byte as an uncached encode', () => {
    const ids = [1, 1, 'a', 2, 2, 1, 'a', 300_000];
    for (const layout of ['0.1.2', 'next'] as const) {
      for (const serialiser of ['m', 'c'] as const) {
        const format: WireFormat = { layout, serialiser };
        ids.forEach((to, k) => {
          if (k % 3 === 2) encodeMessage({ kind: 'response', to: 99, multipart: true, final: 'terminator', ack: false, hasResult: false }, format);
          const bytes = encodeMessage({ kind: 'response', to, multipart: true, ack: false, hasResult: true, result: { k } }, format);
          const message = decodeChain(decodeOne(bytes)) as IncomingMessage & { to: unknown; multipart: boolean; final?: string; result: unknown };
          assert.deepEqual([message.kind, message.to, message.multipart, message.final, message.result], ['response', to, true, undefined, { k }], `${layout} ${serialiser} ${k}`);
          if (serialiser === 'm') {
            const envelope = msgpackSerialiser.encode({ pm: to, v: '.5' }).slice();
            const payload = msgpackSerialiser.encode({ k }).slice();
            const expected = layout === 'next' ? encodeChain('', [utf8('.5'), utf8('m'), envelope, payload]) : encodeChain('m', [envelope, payload]);
            assert.equal(toHex(bytes), toHex(expected), `${layout} ${k}`);
          }
        });
      }
    }
    // A JSON-envelope part carrying bytes names its msgpack payload with l: "m" (not cached).
    const bytes = encodeMessage({ kind: 'response', to: 1, multipart: true, ack: false, hasResult: true, result: new Uint8Array([1]) }, { layout: 'next', serialiser: 'j' });
    assert.equal(decode(bytes).message.format.payloadSerialiser, 'm');
  });
});

describe('encodeMessage: re-entrant encoding', () => {
  it('keeps the outer envelope intact when a payload toJSON encodes another message', () => {
    const format: WireFormat = { layout: '0.1.2', serialiser: 'm' };
    let inner: Uint8Array | undefined;
    class Reentrant {
      toJSON(): unknown {
        inner = encodeMessage({ kind: 'response', to: 99, multipart: false, ack: false, hasResult: true, result: 'inner' }, format);
        return { x: 1 };
      }
    }
    const result = new Reentrant();
    const outer = encodeMessage({ kind: 'response', to: 7, multipart: true, ack: false, hasResult: true, result }, format);
    const message = decodeChain(decodeOne(outer)) as IncomingMessage & { to: number; multipart: boolean };
    assert.equal(message.to, 7);
    assert.equal(message.multipart, true);
    assert.equal((decodeChain(decodeOne(inner!)) as IncomingMessage & { to: number }).to, 99);
  });
});
