/**
 * The v050 envelope codec, sending side: one message → one chain.
 *
 * Sending is strict: only the envelope keys the protocol defines, always
 * `v: ".5"`, never `l: null`, `f` or cat `t`, a params part on every
 * notification, `msg` in every error, at most two payload parts, one buffer
 * per chain. The receiving side is decode.ts.
 */
import { ErrorCode, SparrowError, type WireError } from '../errors.ts';
import { EMPTY_PART, encodeChain, type ChainPart } from '../framing/chain-encoder.ts';
import { joinChain, type ChainBytes } from '../wire.ts';
import { containsBytes } from '../serialisation/bytes.ts';
import { stringifyJson } from '../serialisation/json.ts';
import { serialiserIn, serialiserTable, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { platform } from '../platform/platform.ts';
import type { CallbackDeclarations, ChainLayout, Message, MessageId, Params, SerialiserCode, WireFormat } from './message.ts';


const EMPTY = new Uint8Array(0);
export const V050 = '.5';
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** HEAD layout part 0 and part 1 (PROTOCOL.md §4.2), shared and never mutated. */
const VERSION_PART = { '.5': ascii('.5'), b: ascii('b') } as const;
const CODE_PART: Readonly<Record<SerialiserCode, Uint8Array>> = { j: ascii('j'), m: ascii('m'), c: ascii('c') };
/** The head parts of a chain: none in 0.1.2 (the prefix names the serialiser, §4.1); protocol and serialiser parts in "next" (§4.2). */
const NO_HEAD: readonly Uint8Array[] = [];
const HEADS: Readonly<Record<'.5' | 'b', Readonly<Record<SerialiserCode, readonly Uint8Array[]>>>> = {
  '.5': { j: [VERSION_PART['.5'], CODE_PART.j], m: [VERSION_PART['.5'], CODE_PART.m], c: [VERSION_PART['.5'], CODE_PART.c] },
  b: { j: [VERSION_PART.b, CODE_PART.j], m: [VERSION_PART.b, CODE_PART.m], c: [VERSION_PART.b, CODE_PART.c] },
};

/**
 * The parts of the codec a page may leave out (docs/runtime.md, "Envelope
 * parts"): the `b` protocol and the fast framer. The Node entry and the
 * Node endpoints install both (envelope/node-parts.ts); without them the
 * codec speaks v050 only, through the general path.
 */
export interface EnvelopeParts {
  /** The `b` protocol's envelope maps (envelope/basic.ts). */
  basic?: BasicProtocol;
  /** A faster way to write a chain (envelope/fast-frame.ts). */
  framer?: ChainFramer;
}

/** The `b` protocol (PROTOCOL.md §9): message ⇄ envelope map. */
export interface BasicProtocol {
  encode(message: Message, layout: ChainLayout): Record<string, unknown>;
  decode(envelope: Record<string, unknown>): Message;
}

/**
 * Writes one chain faster than the general path, byte for byte as it would,
 * or declines (undefined). `payload` holds the payload values (EMPTY_PART for
 * an empty part); `streamTo` is set for a stream part's envelope, the same
 * for every item of that stream.
 */
export type ChainFramer = (
  writer: EnvelopeWriter,
  prefix: string,
  head: readonly Uint8Array[],
  envelopeSerialiser: Serialiser,
  payloadSerialiser: Serialiser,
  envelope: unknown,
  streamTo: MessageId | undefined,
  payload: unknown[] | undefined,
) => ChainBytes | undefined;

/** The installed parts (installEnvelopeParts). */
export const envelopeParts: EnvelopeParts = {};

/** Installs parts of the codec (later calls add to or replace earlier ones). */
export function installEnvelopeParts(parts: EnvelopeParts): void {
  Object.assign(envelopeParts, parts);
}

/** The `b` protocol, or the `unsupported` error naming what installs it. */
export function basicProtocol(): BasicProtocol {
  const basic = envelopeParts.basic;
  if (basic === undefined) throw new SparrowError(ErrorCode.Unsupported, 'the "b" protocol (PROTOCOL.md §9) is not part of this bundle: the Node entry installs it');
  return basic;
}

/**
 * The table for a `serialisers` option: the platform's JSON (Node's has
 * the in-place paths) plus `serialisers`, or the platform's default (all
 * three on Node, JSON only in a browser bundle) when undefined.
 */
export function serialisersOf(serialisers: readonly Serialiser[] | undefined): SerialiserTable {
  return serialisers === undefined ? platform().defaultSerialisers : serialiserTable(platform().defaultSerialisers.j, serialisers);
}

export function protocolError(message: string, cause?: unknown): SparrowError {
  return new SparrowError(ErrorCode.ProtocolError, message, cause === undefined ? {} : { cause });
}

// ───────────────────────────── encoding ─────────────────────────────

/**
 * Encodes one message as one chain in one buffer: `encodeMessagePieces`,
 * joined. Throws as encodeMessagePieces.
 */
export function encodeMessage(message: Message, format: WireFormat, serialisers: SerialiserTable = platform().defaultSerialisers, writer?: EnvelopeWriter): Uint8Array {
  return joinChain(encodeMessagePieces(message, format, serialisers, writer));
}

/**
 * Encodes one message as one chain, in the given layout and serialiser:
 * one buffer, or, for a payload that is one large `Uint8Array` (at least
 * LARGE_BYTES) in a serialiser with `encodeBytesHeader`, three pieces
 * whose middle one is that array itself, uncopied (see `ChainBytes`; the
 * caller must not change it until it is sent). A payload holding bytes
 * bound for a serialiser that cannot carry them (JSON) is written with
 * msgpack and named by `l: "m"` (decision 4); `format.payloadSerialiser`
 * forces a payload serialiser.
 * `serialisers` are the ones this side has (default: the platform's);
 * `writer` is the sending link's state (see createEnvelopeWriter; default:
 * a fresh one).
 *
 * It reads top to bottom: the message becomes an envelope and payload
 * values (`partsOf`), then `frame` writes them, taking the serialiser's
 * optional hooks where they apply (see `Serialiser`: each writes the bytes
 * `encode` would, or declines).
 *
 * @throws SparrowError `serialisation-error` when a value cannot be encoded;
 *   `unsupported` naming the serialiser when the format (or bytes over a
 *   JSON envelope, which need msgpack) asks for one not in `serialisers`;
 *   `unsupported` for a message the `b` protocol cannot express;
 *   `invalid-params` for a message that would break the wire rules (an
 *   empty target, a non-map params value).
 */
export function encodeMessagePieces(message: Message, format: WireFormat, serialisers: SerialiserTable = platform().defaultSerialisers, writer: EnvelopeWriter = createEnvelopeWriter()): ChainBytes {
  const protocol = format.protocol ?? V050;
  const envelopeCode = format.serialiser;
  let envelope: unknown;
  let payload: unknown[] | undefined;
  let payloadCode = envelopeCode;
  if (protocol === 'b') {
    envelope = basicProtocol().encode(message, format.layout);
  } else {
    const parts = partsOf(message);
    payload = parts.payload;
    payloadCode = payloadCodeOf(format, serialisers, payload);
    // Written whenever it differs, payload or not, as HEAD does (Python's
    // replies keep the request's `l`); never `l: null`, never on acks.
    if (payloadCode !== envelopeCode && message.kind !== 'ack') parts.envelope.l = payloadCode;
    envelope = parts.envelope;
  }
  // A stream part's envelope ({pm: N, v}) is the same for every item: its bytes are kept per link.
  const streamPart = message.kind === 'response' && message.multipart && message.final === undefined && !message.ack && message.id === undefined && payloadCode === envelopeCode;
  return frame(writer, serialisers, format.layout, protocol, envelopeCode, envelope, streamPart ? message.to : undefined, payload, payloadCode);
}

/** The v050 envelope of a message (keys in the order Python writes them, §5.2: parsers do not care, but our bytes stay comparable with the captures) and its payload values. */
function partsOf(message: Message): { envelope: Record<string, unknown>; payload: unknown[] | undefined } {
  const envelope: Record<string, unknown> = {};
  let payload: unknown[] | undefined;
  switch (message.kind) {
    case 'request': {
      checkTarget(message.target);
      let marker = 'r';
      if (message.ack) marker += 'a';
      if (message.requestType === 'quiet') marker += 'q';
      else if (message.requestType === 'silent') marker += 's';
      envelope[marker] = message.target;
      envelope.i = message.id;
      envelope.v = V050;
      if (message.callbackOf !== undefined) envelope.c = message.callbackOf;
      if (message.node !== undefined) envelope.d = message.node;
      if (message.namespace) envelope.s = message.namespace;
      const hasParams = message.params !== undefined && hasKeys(checkParams(message.params));
      const declarations = message.declarations;
      if (declarations !== undefined && (declarations.callbacks.length > 0 || declarations.iterables.length > 0)) {
        // No plain params before the special part: a zero-length part (§6).
        payload = [hasParams ? message.params : EMPTY_PART, specialPart(declarations)];
      } else if (hasParams) {
        payload = [message.params];
      }
      break;
    }
    case 'notification': {
      checkTarget(message.target);
      envelope.n = message.target;
      envelope.v = V050;
      if (message.node !== undefined) envelope.d = message.node;
      if (message.namespace) envelope.s = message.namespace;
      if (message.callbackOf !== undefined) envelope.c = message.callbackOf;
      // Always a params part: a Python receiver crashes without one (§6).
      payload = [message.params === undefined ? {} : checkParams(message.params)];
      break;
    }
    case 'response': {
      let marker = 'p';
      if (message.multipart) marker += 'm';
      if (message.final === 'final') marker += 'f';
      else if (message.final === 'terminator') marker += 't';
      if (message.ack) marker += 'a';
      envelope[marker] = message.to;
      envelope.v = V050;
      if (message.id !== undefined) envelope.i = message.id;
      // No part for null: "returned None" and "returned nothing" look the same (§6).
      if (message.final !== 'terminator' && message.hasResult && message.result !== null && message.result !== undefined) {
        payload = [message.result];
      }
      break;
    }
    case 'exception': {
      envelope[message.ack ? 'xa' : 'x'] = message.to;
      envelope.v = V050;
      if (message.id !== undefined) envelope.i = message.id;
      payload = [wireErrorToSend(message.error)];
      break;
    }
    case 'ack': {
      envelope.a = message.to;
      envelope.v = V050;
      break;
    }
  }
  return { envelope, payload };
}

/** The payload's serialiser: the format's, unless bytes must leave a serialiser that cannot carry them (then msgpack, decision 4). */
function payloadCodeOf(format: WireFormat, serialisers: SerialiserTable, payload: unknown[] | undefined): SerialiserCode {
  const code = format.payloadSerialiser ?? format.serialiser;
  if (payload === undefined || serialiserIn(serialisers, code).canCarryBytes) return code;
  for (const value of payload) {
    if (containsBytes(value)) {
      serialiserIn(serialisers, 'm', 'sending bytes in a JSON message (PROTOCOL.md decision 4)');
      return 'm';
    }
  }
  return code;
}

/**
 * Writes the chain: the layout's head, the envelope, the payload parts. The
 * installed framer (Node: envelope/fast-frame.ts) writes it when it takes
 * the message; otherwise, the general path: each part encoded, then joined
 * into one buffer by the chain encoder.
 */
function frame(
  writer: EnvelopeWriter,
  serialisers: SerialiserTable,
  layout: ChainLayout,
  protocol: '.5' | 'b',
  envelopeCode: SerialiserCode,
  envelope: unknown,
  streamTo: MessageId | undefined,
  payload: unknown[] | undefined,
  payloadCode: SerialiserCode,
): ChainBytes {
  const prefix = layout === 'next' ? '' : envelopeCode;
  const head = layout === 'next' ? HEADS[protocol][envelopeCode] : NO_HEAD;
  const envelopeSerialiser = serialiserIn(serialisers, envelopeCode);
  const payloadSerialiser = payloadCode === envelopeCode ? envelopeSerialiser : serialiserIn(serialisers, payloadCode);
  const framed = envelopeParts.framer?.(writer, prefix, head, envelopeSerialiser, payloadSerialiser, envelope, streamTo, payload);
  if (framed !== undefined) return framed;
  const parts: ChainPart[] = [...head, encodeValue(envelopeSerialiser, envelope)];
  if (payload !== undefined) for (const value of payload) parts.push(value === EMPTY_PART ? EMPTY : encodeValue(payloadSerialiser, value));
  return encodeChain(prefix, parts);
}

/** JSON stays text so the chain encoder writes it straight into the chain buffer. */
export function encodeValue(serialiser: Serialiser, value: unknown): ChainPart {
  return serialiser.code === 'j' ? stringifyJson(value) : serialiser.encode(value);
}

/**
 * What one link's encoder keeps between messages (see createEnvelopeWriter),
 * per link so that links never share writer state. The framer keeps its
 * state here (envelope/fast-frame.ts); the general path keeps none.
 */
export interface EnvelopeWriter {
  /** The framer's state, made on its first use. */
  fast?: unknown;
}

/** A link's encoder state, for `encodeMessagePieces`' `writer`. */
export function createEnvelopeWriter(): EnvelopeWriter {
  return {};
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

function checkTarget(target: unknown): void {
  if (typeof target !== 'string' || target === '') {
    throw new SparrowError(ErrorCode.InvalidParams, 'a call target must be a non-empty string');
  }
}

function checkParams(params: unknown): Params {
  if (typeof params !== 'object' || params === null || Array.isArray(params) || ArrayBuffer.isView(params)) {
    throw new SparrowError(ErrorCode.InvalidParams, 'params must be a map of name to value (§6)');
  }
  return params as Params;
}

function specialPart(declarations: CallbackDeclarations): Record<string, unknown> {
  const cb: Record<string, unknown> = {};
  const icb: Record<string, unknown> = {};
  for (const name of declarations.callbacks) cb[name] = { p: null };
  for (const name of declarations.iterables) icb[name] = { r: null };
  return { '#cb': cb, '#icb': icb };
}

/** Always `msg`; never cat `t`, which a Python caller ignores and so waits forever (§10). */
function wireErrorToSend(error: WireError): Record<string, unknown> {
  const out: Record<string, unknown> = {
    cat: error.cat === 'r' ? 'r' : 'e',
    type: typeof error.type === 'string' && error.type !== '' ? error.type : 'Exception',
    msg: typeof error.msg === 'string' ? error.msg : String(error.msg ?? ''),
  };
  if (error.details !== undefined) out.details = error.details;
  if (error.value !== undefined) out.value = error.value;
  if (error.data !== undefined) out.data = error.data;
  return out;
}
