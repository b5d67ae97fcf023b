/**
 * The v050 envelope codec, sending side: one message → one chain.
 *
 * Sending is strict: only the envelope keys the protocol defines, always
 * `v: ".5"`, never `l: null`, `f` or cat `t`, a params part on every
 * notification, `msg` in every error, at most two payload parts, one buffer
 * per chain. The receiving side is decode.ts.
 */
import { ErrorCode, SparrowError, readWireError, type WireError } from '../errors.ts';
import { EMPTY_PART, encodeChain, type ChainPart } from '../framing/chain-encoder.ts';
import { joinChain, type ChainBytes } from '../wire.ts';
import { containsBytes } from '../serialisation/bytes.ts';
import { stringifyJson } from '../serialisation/json.ts';
import { serialiserIn, serialiserTable, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { platform } from '../platform/platform.ts';
import type { CallbackDeclarations, ChainLayout, IncomingMessage, Message, SerialiserCode, WireFormat } from './message.ts';


const EMPTY = new Uint8Array(0);
export const V050 = '.5';
/** The head parts of a chain: none in 0.1.2 (the prefix names the serialiser, §4.1). */
const NO_HEAD: readonly Uint8Array[] = [];
/** "next" (§4.2): protocol and serialiser parts, made on first use and shared (never mutated). */
const HEADS: Record<string, Record<string, readonly Uint8Array[]>> = {};
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/**
 * The parts of the codec a page may leave out (docs/runtime.md, "Envelope
 * parts"): the `b` protocol, the fast framer, callback declarations and
 * the warnings' words. The Node entry and the Node endpoints install all
 * (envelope/node-parts.ts); without them the codec speaks v050 only,
 * through the general path, does not read the names a request declares,
 * and reports no oddity.
 */
export interface EnvelopeParts {
  /** The `b` protocol's envelope maps (envelope/basic.ts). */
  basic?: BasicProtocol;
  /** A faster way to write a chain (envelope/fast-frame.ts). */
  framer?: ChainFramer;
  /** A request's callback declarations, `#cb`/`#icb` (envelope/declarations.ts; `callbacksFeature` installs it). */
  declarations?: DeclarationsCodec;
  /** The words for the oddities decodeChain reports (envelope/warnings.ts); without them none is reported. */
  warnings?: OddityTexts;
}

/**
 * An oddity decodeChain reports: a HEAD chain with a `prefix`, a 0.1.2
 * envelope without `v` (the `version` it is read as), extra envelope `keys`,
 * an exception without an `error` map.
 */
export type Oddity = 'prefix' | 'version' | 'keys' | 'error';

/** The text of each oddity, from its detail (the prefix, the version read, the keys). */
export type OddityTexts = Readonly<Record<Oddity, (detail: unknown) => string>>;

/** Callback declarations ⇄ a request's special part (PROTOCOL.md §6). */
export interface DeclarationsCodec {
  /** The special part, or undefined when the declarations name nothing. */
  write(declarations: CallbackDeclarations): Record<string, unknown> | undefined;
  /** @throws SparrowError `invalid-params` when the part is not a map of maps. */
  read(special: unknown): CallbackDeclarations;
}

/** The `b` protocol (PROTOCOL.md §9): message ⇄ envelope map. */
export interface BasicProtocol {
  encode(message: Message, layout: ChainLayout): Record<string, unknown>;
  /**
   * The message of a decoded `b` envelope, read in `layout` and `serialiser`;
   * `payloadParts` (ignored) are reported through `options.onWarning` (the
   * decodeChain options: named here by shape, as decode.ts imports this file).
   */
  read(envelope: Record<string, unknown>, layout: ChainLayout, serialiser: SerialiserCode, payloadParts: number, options: { onWarning?: (warning: SparrowError) => void }): IncomingMessage;
}

/**
 * Writes one chain faster than the general path, byte for byte as it would,
 * or declines (undefined). `payload` holds the payload values (EMPTY_PART for
 * an empty part); `message` is the message they came from.
 */
export type ChainFramer = (
  writer: EnvelopeWriter,
  prefix: string,
  head: readonly Uint8Array[],
  envelopeSerialiser: Serialiser,
  payloadSerialiser: Serialiser,
  envelope: unknown,
  message: Message,
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
  return envelopeParts.basic ?? missingPart('the "b" protocol', 'the Node entry');
}

/** Throws `unsupported`: `what` is a part this bundle lacks, and `installer` installs it. */
function missingPart(what: string, installer: string): never {
  throw new SparrowError(ErrorCode.Unsupported, `${what} is not in this bundle (${installer} installs it)`);
}

/**
 * The table for a `serialisers` option: the platform's JSON (Node's has
 * the in-place paths) plus `serialisers`, or the platform's default (all
 * three on Node, JSON only in a browser bundle) when undefined.
 */
export function serialisersOf(serialisers: readonly Serialiser[] | undefined): SerialiserTable {
  return serialisers === undefined ? platform().defaultSerialisers : serialiserTable(platform().defaultSerialisers.j, serialisers);
}

export function protocolError(message: string): SparrowError {
  return new SparrowError(ErrorCode.ProtocolError, message);
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
 * values (`partsOf`), then the installed framer writes the chain, or, when
 * it declines (or none is installed), the general path: each part
 * encoded, then joined into one buffer by the chain encoder.
 *
 * @throws SparrowError `serialisation-error` when a value cannot be encoded;
 *   `unsupported` naming the serialiser when the format (or bytes over a
 *   JSON envelope, which need msgpack) asks for one not in `serialisers`;
 *   `unsupported` for a message the `b` protocol cannot express;
 *   `invalid-params` for a message that would break the wire rules (an
 *   empty target, a non-map params value).
 */
export function encodeMessagePieces(message: Message, format: WireFormat, serialisers: SerialiserTable = platform().defaultSerialisers, writer: EnvelopeWriter = {}): ChainBytes {
  const protocol = format.protocol ?? V050;
  const code = format.serialiser;
  let envelope: Record<string, unknown> = {};
  let payload: unknown[] | undefined;
  let payloadCode = code;
  if (protocol === 'b') {
    envelope = basicProtocol().encode(message, format.layout);
  } else {
    payload = partsOf(message, envelope);
    payloadCode = format.payloadSerialiser ?? code;
    // Bytes bound for a serialiser that cannot carry them go in msgpack (decision 4).
    if (payload !== undefined && !serialiserIn(serialisers, payloadCode).canCarryBytes && payload.some((value) => containsBytes(value))) {
      serialiserIn(serialisers, (payloadCode = 'm'), 'sending bytes in a JSON message');
    }
    // Written whenever it differs, payload or not, as HEAD does (Python's
    // replies keep the request's `l`); never `l: null`, never on acks.
    if (payloadCode !== code && message.kind !== 'ack') envelope.l = payloadCode;
  }
  const next = format.layout === 'next';
  const prefix = next ? '' : code;
  const head = next ? ((HEADS[protocol] ??= {})[code] ??= [ascii(protocol), ascii(code)]) : NO_HEAD;
  const envelopeSerialiser = serialiserIn(serialisers, code);
  const payloadSerialiser = payloadCode === code ? envelopeSerialiser : serialiserIn(serialisers, payloadCode);
  const framed = envelopeParts.framer?.(writer, prefix, head, envelopeSerialiser, payloadSerialiser, envelope, message, payload);
  if (framed !== undefined) return framed;
  const parts: ChainPart[] = [...head, encodeValue(envelopeSerialiser, envelope)];
  if (payload !== undefined) for (const value of payload) parts.push(value === EMPTY_PART ? EMPTY : encodeValue(payloadSerialiser, value));
  return encodeChain(prefix, parts);
}

/**
 * Fills the v050 envelope of a message (keys in the order Python writes
 * them, §5.2: parsers do not care, but our bytes stay comparable with the
 * captures) and returns its payload values.
 */
function partsOf(message: Message, envelope: Record<string, unknown>): unknown[] | undefined {
  const kind = message.kind;
  if (kind === 'request' || kind === 'notification') {
    const { target, params } = message;
    if (typeof target !== 'string' || target === '') throw invalid('a call target must be a non-empty string');
    if (params !== undefined && !isMap(params) && !((params as unknown) instanceof Map)) throw invalid('params must be a map');
    if (kind === 'notification') {
      envelope.n = target;
      envelope.v = V050;
      if (message.node !== undefined) envelope.d = message.node;
      if (message.namespace) envelope.s = message.namespace;
      if (message.callbackOf !== undefined) envelope.c = message.callbackOf;
      // Always a params part: a Python receiver crashes without one (§6).
      return [params ?? {}];
    }
    envelope['r' + (message.ack ? 'a' : '') + (message.requestType === 'quiet' ? 'q' : message.requestType === 'silent' ? 's' : '')] = target;
    envelope.i = message.id;
    envelope.v = V050;
    if (message.callbackOf !== undefined) envelope.c = message.callbackOf;
    if (message.node !== undefined) envelope.d = message.node;
    if (message.namespace) envelope.s = message.namespace;
    let hasParams = false;
    for (const _ in params) {
      hasParams = true;
      break;
    }
    const special = message.declarations && (envelopeParts.declarations ?? missingPart('the callback params part', 'callbacksFeature')).write(message.declarations);
    // No plain params before the special part: a zero-length part (§6).
    if (special) return [hasParams ? params : EMPTY_PART, special];
    return hasParams ? [params] : undefined;
  }
  // An answer: its marker holds the id it answers.
  envelope[kind === 'ack' ? 'a' : kind === 'exception' ? (message.ack ? 'xa' : 'x') : 'p' + (message.multipart ? 'm' : '') + (message.final === 'final' ? 'f' : message.final === 'terminator' ? 't' : '') + (message.ack ? 'a' : '')] = message.to;
  envelope.v = V050;
  if (kind === 'ack') return undefined;
  if (message.id !== undefined) envelope.i = message.id;
  if (kind === 'exception') return [wireErrorToSend(message.error)];
  // No part for null: "returned None" and "returned nothing" look the same (§6).
  return message.final !== 'terminator' && message.hasResult && message.result !== null && message.result !== undefined ? [message.result] : undefined;
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

/** A map of names to values as a decoded envelope or payload holds one (not an array, bytes or a Map). */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Map);
}

function invalid(message: string): SparrowError {
  return new SparrowError(ErrorCode.InvalidParams, message);
}

/** Always `msg`; never cat `t`, which a Python caller ignores and so waits forever (§10). */
function wireErrorToSend(error: WireError): WireError {
  const out = readWireError(error as unknown as Record<string, unknown>);
  if (out.cat === 't') out.cat = 'e';
  out.type ||= 'Exception';
  if (error.data !== undefined) out.data = error.data;
  return out;
}
