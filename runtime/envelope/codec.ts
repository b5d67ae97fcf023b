/**
 * The v050 envelope codec: one chain ⇄ one message (PROTOCOL.md §4–6, §9, §12, §14).
 *
 * Sending is strict (§14): only the keys of §5.1, always `v: ".5"`, never
 * `l: null`, `f` or cat `t`, a params part on every notification, `msg` in
 * every error, at most two payload parts, one buffer per chain.
 *
 * Receiving is forgiving (§14): `l` null or absent, missing payload parts,
 * any key and flag order, ids of any scalar type, `pmf`/`pf`, an error
 * without `msg`. Where the reference would kill its pump but the meaning is
 * still clear (extra envelope keys, `f`, a missing `v` in 0.1.2, payload
 * parts on a `b` message) the message is delivered and the oddity reported
 * through `onWarning`. Where the meaning is not clear (no or several
 * markers, unknown flags or version, a bad payload) decoding throws and the
 * chain is dropped; the byte stream stays usable either way.
 */
import { ErrorCode, SparrowError, isSparrowError, toWireError, type WireError, type ErrorCategory } from '../errors.ts';
import type { Chain } from '../framing/chain-decoder.ts';
import { EMPTY_PART, chainHeadSize, encodeChain, encodeChainPieces, encodeSmallChain, finishChainInPlace, type ChainPart } from '../framing/chain-encoder.ts';
import { isSerialiserCode, joinChain, type ChainBytes } from '../wire.ts';
import { containsBytes } from '../serialisation/bytes.ts';
import { jsonSerialiser, stringifyJson } from '../serialisation/json.ts';
import {
  DEFAULT_MAX_DEPTH,
  MAX_HEADROOM,
  missingSerialiser,
  serialiserIn,
  serialiserTable,
  type Serialiser,
  type SerialiserTable,
} from '../serialisation/serialiser.ts';
import { platform } from '../platform/platform.ts';
import { decodeBasic, encodeBasic } from './basic.ts';
import { idOf } from './ids.ts';
import type {
  CallbackDeclarations,
  ChainLayout,
  IncomingMessage,
  Message,
  MessageId,
  Params,
  RequestType,
  SerialiserCode,
  WireFormat,
} from './message.ts';

/** Options for decoding a chain. */
export interface DecodeChainOptions {
  /** Nesting limit for every decoded value (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
  /**
   * Called for oddities the reference would reject but whose meaning is
   * clear; the message is still returned. Must not throw.
   */
  onWarning?: (warning: SparrowError) => void;
  /** The serialisers to read with (default: the platform's, see `Platform.defaultSerialisers`). */
  serialisers?: SerialiserTable;
  /**
   * Sends an answer the codec wrote for a chain it refuses: a request whose
   * payload serialiser this side lacks gets its exception this way (PROTOCOL
   * decision 3: no call hangs) just before decodeChain throws. Without it
   * no answer is written.
   */
  reply?: (chain: ChainBytes) => void;
}

const EMPTY = new Uint8Array(0);
const V050 = '.5';
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** HEAD layout part 0 and part 1 (PROTOCOL.md §4.2), shared and never mutated. */
const VERSION_PART = { '.5': ascii('.5'), b: ascii('b') } as const;
const CODE_PART: Readonly<Record<SerialiserCode, Uint8Array>> = { j: ascii('j'), m: ascii('m'), c: ascii('c') };
/** The head parts of a small msgpack chain in each layout (§4.1: none, the prefix says "m"; §4.2: ".5", "m"). */
const NO_HEAD: readonly Uint8Array[] = [];
const NEXT_HEAD_M: readonly Uint8Array[] = [VERSION_PART['.5'], CODE_PART.m];

/** The longest part header: SOP and up to 8 length bytes (PROTOCOL.md §1). */
const MAX_PART_HEADER = 9;

/**
 * The table for a `serialisers` option: JSON plus `serialisers`, or the
 * platform's default (all three on Node, JSON only in a browser bundle)
 * when undefined.
 */
export function serialisersOf(serialisers: readonly Serialiser[] | undefined): SerialiserTable {
  return serialisers === undefined ? platform().defaultSerialisers : serialiserTable(jsonSerialiser, serialisers);
}

function protocolError(message: string, cause?: unknown): SparrowError {
  return new SparrowError(ErrorCode.ProtocolError, message, cause === undefined ? {} : { cause });
}

// ───────────────────────────── encoding ─────────────────────────────

/**
 * Encodes one message as one chain in one buffer: `encodeMessagePieces`,
 * joined. Throws as encodeMessagePieces.
 */
export function encodeMessage(message: Message, format: WireFormat, serialisers: SerialiserTable = platform().defaultSerialisers): Uint8Array {
  return joinChain(encodeMessagePieces(message, format, serialisers));
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
 * `writer` is the sending link's state (see createEnvelopeWriter).
 *
 * @throws SparrowError `serialisation-error` when a value cannot be encoded;
 *   `unsupported` naming the serialiser when the format (or bytes over a
 *   JSON envelope, which need msgpack) asks for one not in `serialisers`;
 *   `unsupported` for a message the `b` protocol cannot express;
 *   `invalid-params` for a message that would break the wire rules (an
 *   empty target, a non-map params value).
 */
export function encodeMessagePieces(message: Message, format: WireFormat, serialisers: SerialiserTable = platform().defaultSerialisers, writer?: EnvelopeWriter): ChainBytes {
  const envelopeCode = format.serialiser;
  const protocol = format.protocol ?? V050;
  if (protocol === 'b') {
    const envelope = encodeBasic(message, format.layout);
    return frame(serialisers, format.layout, 'b', envelopeCode, encodeValue(serialisers, envelopeCode, envelope), undefined, envelopeCode);
  }

  // Keys are added in the order Python writes them (§5.2); parsers do not
  // care, but it keeps our bytes comparable with the captures.
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

  let payloadCode = format.payloadSerialiser ?? envelopeCode;
  if (payload !== undefined && !serialiserIn(serialisers, payloadCode).canCarryBytes) {
    for (const value of payload) {
      if (containsBytes(value)) {
        serialiserIn(serialisers, 'm', 'sending bytes in a JSON message (PROTOCOL.md decision 4)');
        payloadCode = 'm';
        break;
      }
    }
  }
  // Written whenever it differs, payload or not, as HEAD does (Python's
  // replies keep the request's `l`); never `l: null`, never on acks.
  if (payloadCode !== envelopeCode && message.kind !== 'ack') envelope.l = payloadCode;
  if (envelopeCode === 'm' && payloadCode === 'm') {
    // Nearly every message: a flat envelope and small flat values, written straight into place.
    // The same bytes `frame` would write, without the envelope scratch, msgpackr or a chain buffer of its own.
    const write = serialisers.m?.writeSmall;
    const next = format.layout === 'next';
    const chain = write === undefined ? undefined : encodeSmallChain(next ? '' : 'm', next ? NEXT_HEAD_M : NO_HEAD, envelope, payload, write);
    if (chain !== undefined) return chain;
  }
  const envelopeBytes =
    message.kind === 'response' && message.multipart && message.final === undefined && !message.ack && message.id === undefined && payloadCode === envelopeCode && envelopeCode !== 'j'
      ? partEnvelope(serialisers, envelopeCode, message.to, envelope, writer)
      : encodeEnvelope(serialisers, envelopeCode, envelope);
  if (envelopeBytes === flatEnvelope) {
    // The envelope sits in packFlatMap's scratch until frame copies it; a payload's toJSON
    // that encodes another message meanwhile must not reuse that scratch.
    flatEnvelopeBusy = true;
    try {
      return frame(serialisers, format.layout, V050, envelopeCode, envelopeBytes, payload, payloadCode);
    } finally {
      flatEnvelopeBusy = false;
    }
  }
  return frame(serialisers, format.layout, V050, envelopeCode, envelopeBytes, payload, payloadCode);
}

function frame(
  serialisers: SerialiserTable,
  layout: ChainLayout,
  protocol: '.5' | 'b',
  envelopeCode: SerialiserCode,
  envelope: ChainPart,
  payload: unknown[] | undefined,
  payloadCode: SerialiserCode,
): ChainBytes {
  const parts: ChainPart[] = layout === 'next' ? [VERSION_PART[protocol], CODE_PART[envelopeCode], envelope] : [envelope];
  if (payload !== undefined && payload.length === 1) {
    // A large bare bytes value (a blob result) goes out as the caller's array, uncopied.
    const header = serialisers[payloadCode]?.encodeBytesHeader?.(payload[0]);
    if (header !== undefined) return encodeChainPieces(layout === 'next' ? '' : envelopeCode, parts, header, payload[0] as Uint8Array);
  }
  const withHeadroom = payload !== undefined && payload.length === 1 && typeof envelope !== 'string' ? serialisers[payloadCode]?.encodeWithHeadroom : undefined;
  if (withHeadroom !== undefined) {
    // The usual message: one msgpack payload, packed with room for the head in front, so
    // the payload is never copied again (a 1 MiB blob: 220 -> 120 µs per encode).
    const head = parts as Uint8Array[];
    const prefix = layout === 'next' ? '' : envelopeCode;
    const headSize = chainHeadSize(prefix, head);
    const headroom = headSize + MAX_PART_HEADER;
    if (headroom <= MAX_HEADROOM) {
      const span = withHeadroom(payload![0], headroom);
      if (span !== undefined) return finishChainInPlace(span.buffer, span.start, span.end, headroom, prefix, head, headSize);
    }
  }
  if (payload !== undefined) {
    for (const value of payload) parts.push(value === EMPTY_PART ? EMPTY : encodeValue(serialisers, payloadCode, value));
  }
  return encodeChain(layout === 'next' ? '' : envelopeCode, parts);
}

/** JSON stays text so the chain encoder writes it straight into the chain buffer. */
function encodeValue(serialisers: SerialiserTable, code: SerialiserCode, value: unknown): ChainPart {
  return code === 'j' ? stringifyJson(value) : serialiserIn(serialisers, code).encode(value);
}

/**
 * The last envelope encodeFlatMap wrote (a view of its scratch), and whether a frame still needs it.
 * Module-wide on purpose, unlike the writer state below: it guards the serialiser's scratch, which
 * every link shares, so a payload's toJSON encoding on another link must see it too.
 */
let flatEnvelope: Uint8Array | undefined;
let flatEnvelopeBusy = false;

/** An envelope: msgpack ones are written by hand when they are flat and small (they nearly always are). */
function encodeEnvelope(serialisers: SerialiserTable, code: SerialiserCode, envelope: Record<string, unknown>): ChainPart {
  if (code === 'j') return stringifyJson(envelope);
  const serialiser = serialiserIn(serialisers, code);
  if (serialiser.encodeFlatMap !== undefined && !flatEnvelopeBusy) {
    const bytes = serialiser.encodeFlatMap(envelope);
    if (bytes !== undefined) return (flatEnvelope = bytes);
  }
  return serialiser.encode(envelope);
}

/**
 * What one link's encoder keeps between messages (see createEnvelopeWriter):
 * the last stream part envelope ({pm: N, v}) it wrote, since a stream sends
 * the same one per item. Per link, so streams on two links do not evict
 * each other's.
 */
export interface EnvelopeWriter {
  partSerialiser: Serialiser | undefined;
  partTo: MessageId | undefined;
  partBytes: Uint8Array;
}

/** A link's encoder state, for `encodeMessagePieces`' `writer`. */
export function createEnvelopeWriter(): EnvelopeWriter {
  return { partSerialiser: undefined, partTo: undefined, partBytes: EMPTY };
}

/** A stream part's envelope, encoded once per stream (and serialiser) rather than once per item, when there is a writer to keep it. */
function partEnvelope(serialisers: SerialiserTable, code: SerialiserCode, to: MessageId, envelope: Record<string, unknown>, writer: EnvelopeWriter | undefined): ChainPart {
  if (writer === undefined) return encodeEnvelope(serialisers, code, envelope);
  const serialiser = serialiserIn(serialisers, code);
  if (serialiser === writer.partSerialiser && to === writer.partTo) return writer.partBytes;
  const bytes = encodeEnvelope(serialisers, code, envelope);
  if (typeof bytes === 'string') return bytes;
  // A copy: encodeEnvelope may hand back a scratch view that the next call overwrites.
  writer.partBytes = bytes.slice();
  writer.partSerialiser = serialiser;
  writer.partTo = to;
  return writer.partBytes;
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

// ───────────────────────────── decoding ─────────────────────────────

/**
 * Decodes one chain into a message, detecting its layout (§12.3): parts 0
 * and 1 holding a protocol tag (`.5`/`b`) and a serialiser code mean HEAD
 * ("next") whatever the prefix; otherwise the prefix must be a serialiser
 * code (0.1.2).
 *
 * @throws SparrowError `protocol-error` when the chain is not a message
 *   (unknown layout, serialiser, version, marker or flag, a bad payload);
 *   `serialisation-error` when a part does not decode; `limit-exceeded`
 *   when a value nests deeper than `maxDepth`. The chain is then dropped;
 *   none of these means the byte stream is broken.
 */
export function decodeChain(chain: Chain, options: DecodeChainOptions = {}): IncomingMessage {
  const serialisers = options.serialisers ?? platform().defaultSerialisers;
  const parts = chain.parts;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let layout: ChainLayout;
  let envelopeCode: SerialiserCode;
  let headProtocol: '.5' | 'b' | undefined;
  let envelopeIndex: number;

  const tag = parts.length >= 3 ? protocolTag(parts[0]!) : undefined;
  const headCode = tag !== undefined ? serialiserCodeOf(parts[1]!) : undefined;
  if (tag !== undefined && headCode !== undefined) {
    layout = 'next';
    headProtocol = tag;
    envelopeCode = headCode;
    envelopeIndex = 2;
    if (chain.prefix !== '') options.onWarning?.(protocolError(`HEAD-layout chain with a non-empty prefix ${JSON.stringify(chain.prefix)} (ignored)`));
  } else if (chain.prefix === '') {
    if (parts.length === 0) throw protocolError('empty chain');
    throw protocolError('chain with an empty prefix but no protocol tag and serialiser code in parts 0 and 1');
  } else if (isSerialiserCode(chain.prefix)) {
    layout = '0.1.2';
    envelopeCode = chain.prefix;
    envelopeIndex = 0;
  } else {
    throw protocolError(`unknown serialiser code ${JSON.stringify(chain.prefix)} in the chain prefix`);
  }

  const envelopePart = parts[envelopeIndex];
  if (envelopePart === undefined || envelopePart.length === 0) throw protocolError('chain has no envelope');
  const envelopeSerialiser = serialisers[envelopeCode];
  if (envelopeSerialiser === undefined) throw unreadableEnvelope(envelopeCode);
  const envelope = envelopeSerialiser.decode(envelopePart, maxDepth);
  if (!isMap(envelope)) throw protocolError('the envelope is not a map');

  let protocol: '.5' | 'b';
  if (headProtocol !== undefined) {
    // HEAD ignores `v` in the envelope (it still writes it for .5).
    protocol = headProtocol;
  } else {
    const v = envelope.v;
    if (v === V050 || v === 'b') {
      protocol = v;
    } else if (v === undefined) {
      protocol = looksBasic(envelope) ? 'b' : V050;
      options.onWarning?.(protocolError(`0.1.2 envelope without "v" (read as "${protocol}")`));
    } else {
      throw protocolError(`unknown protocol version ${JSON.stringify(v)}`);
    }
  }

  if (protocol === 'b') {
    if (parts.length > envelopeIndex + 1) options.onWarning?.(protocolError('payload parts on a "b" message (ignored)'));
    const message = decodeBasic(envelope);
    return { ...message, format: { layout, serialiser: envelopeCode, protocol: 'b' } };
  }
  return decodeV050(serialisers, envelope, parts, envelopeIndex + 1, chain.owned ?? 0, layout, envelopeCode, maxDepth, options);
}

/** The v050 formats without a payload override, one frozen object each: shared by every message read in them. */
const PLAIN_FORMATS: Readonly<Record<ChainLayout, Readonly<Record<SerialiserCode, WireFormat>>>> = {
  '0.1.2': { j: Object.freeze({ layout: '0.1.2', serialiser: 'j', protocol: V050 }), m: Object.freeze({ layout: '0.1.2', serialiser: 'm', protocol: V050 }), c: Object.freeze({ layout: '0.1.2', serialiser: 'c', protocol: V050 }) },
  next: { j: Object.freeze({ layout: 'next', serialiser: 'j', protocol: V050 }), m: Object.freeze({ layout: 'next', serialiser: 'm', protocol: V050 }), c: Object.freeze({ layout: 'next', serialiser: 'c', protocol: V050 }) },
};

function plainFormat(layout: ChainLayout, code: SerialiserCode): WireFormat {
  return PLAIN_FORMATS[layout][code];
}

function protocolTag(part: Uint8Array): '.5' | 'b' | undefined {
  if (part.length === 2 && part[0] === 0x2e && part[1] === 0x35) return '.5';
  if (part.length === 1 && part[0] === 0x62) return 'b';
  return undefined;
}

function serialiserCodeOf(part: Uint8Array): SerialiserCode | undefined {
  if (part.length !== 1) return undefined;
  const code = String.fromCharCode(part[0]!);
  return isSerialiserCode(code) ? code : undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Map);
}

function looksBasic(envelope: Record<string, unknown>): boolean {
  return 'target' in envelope || 'result' in envelope || 'error' in envelope;
}

/** The envelope keys that are not markers (a switch: cheaper than a Set lookup per key). */
function isSupplementary(key: string): boolean {
  switch (key) {
    case 'i':
    case 'v':
    case 's':
    case 'd':
    case 'c':
    case 'l':
      return true;
    default:
      return false;
  }
}

// Marker flags as bits: one pass over the marker instead of a slice and an includes per flag.
const F_A = 1;
const F_Q = 2;
const F_S = 4;
const F_M = 8;
const F_F = 16;
const F_T = 32;
const FLAG_BITS: Readonly<Record<string, number>> = { a: F_A, q: F_Q, s: F_S, m: F_M, f: F_F, t: F_T };

/** The flags of `marker` (after its kind letter) as bits; throws as checkFlags for one not in `allowed`. */
function flagBits(marker: string, allowed: string): number {
  let bits = 0;
  for (let k = 1; k < marker.length; k++) {
    const flag = marker[k]!;
    if (!allowed.includes(flag)) checkFlags(marker, marker.slice(1), allowed); // throws the usual message
    bits |= FLAG_BITS[flag]!;
  }
  return bits;
}

function decodeV050(
  serialisers: SerialiserTable,
  envelope: Record<string, unknown>,
  parts: Uint8Array[],
  /** Index of the first payload part in `parts` (no slice: one less array per message). */
  first: number,
  /** `Chain.owned`. */
  owned: number,
  layout: ChainLayout,
  envelopeCode: SerialiserCode,
  maxDepth: number,
  options: DecodeChainOptions,
): IncomingMessage {
  let marker: string | undefined;
  let extra: string[] | undefined;
  for (const key in envelope) {
    if (isSupplementary(key)) continue;
    const first = key[0];
    if (first === 'r' || first === 'n' || first === 'p' || first === 'x' || first === 'a') {
      if (marker !== undefined) throw protocolError(`envelope has more than one marker key (${marker}, ${key})`);
      marker = key;
    } else {
      (extra ??= []).push(key);
    }
  }
  if (marker === undefined) throw protocolError('envelope has no marker key (r, n, p, x or a)');
  if (extra !== undefined) options.onWarning?.(protocolError(`extra envelope keys ${extra.join(', ')} (ignored)`));

  const l = envelope.l;
  let payloadCode = envelopeCode;
  if (l !== undefined && l !== null) {
    if (!isSerialiserCode(l)) throw protocolError(`unknown payload serialiser ${JSON.stringify(l)}`);
    payloadCode = l;
  }
  const format: WireFormat = payloadCode === envelopeCode ? plainFormat(layout, envelopeCode) : { layout, serialiser: envelopeCode, payloadSerialiser: payloadCode, protocol: V050 };

  if (parts.length - first > 2) throw protocolError(`${parts.length - first} payload parts (at most 2)`);

  const kind = marker[0];
  const value = envelope[marker];
  const payloadSerialiser = serialisers[payloadCode];
  if (payloadSerialiser === undefined && hasPayload(parts, first)) {
    return missingPayloadSerialiser(serialisers, envelope, kind, marker, value, payloadCode, format, options);
  }
  try {
    return decodeV050Message(envelope, parts, first, owned, maxDepth, options, marker, kind, value, payloadSerialiser, format);
  } catch (error) {
    // A payload this side cannot read (too deep, malformed): answered or failed like a missing serialiser, never dropped.
    if (!isSparrowError(error) || (error.code !== ErrorCode.SerialisationError && error.code !== ErrorCode.LimitExceeded)) throw error;
    // The caller sent what cannot be read: a caller error for a request (Python raises a CallerException).
    const reason = kind !== 'r' || error.code === ErrorCode.LimitExceeded ? error : new SparrowError(ErrorCode.InvalidParams, `the params could not be decoded: ${error.message}`, { cause: error });
    return undecodablePayload(serialisers, envelope, kind, marker, value, reason, format, options);
  }
}

function decodeV050Message(
  envelope: Record<string, unknown>,
  parts: Uint8Array[],
  first: number,
  owned: number,
  maxDepth: number,
  options: DecodeChainOptions,
  marker: string,
  kind: string | undefined,
  value: unknown,
  payloadSerialiser: Serialiser | undefined,
  format: WireFormat,
): IncomingMessage {
  switch (kind) {
    case 'r': {
      const flags = flagBits(marker, 'aqs');
      if ((flags & F_Q) !== 0 && (flags & F_S) !== 0) throw protocolError(`request marker ${marker} has two type flags`);
      const requestType: RequestType = (flags & F_Q) !== 0 ? 'quiet' : (flags & F_S) !== 0 ? 'silent' : 'normal';
      if (envelope.i === undefined) throw protocolError('request without an id');
      const params = decodePart(parts, first, payloadSerialiser, maxDepth, owned);
      const special = decodePart(parts, first + 1, payloadSerialiser, maxDepth, owned);
      const message: IncomingMessage = {
        kind: 'request',
        target: targetOf(value),
        id: idOf(envelope.i, 'i'),
        requestType,
        ack: (flags & F_A) !== 0,
        format,
      };
      addAddressing(message, envelope);
      if (params !== NO_PART && params !== null) message.params = paramsOf(params);
      if (special !== NO_PART) message.declarations = declarationsOf(special);
      return message;
    }
    case 'n': {
      flagBits(marker, '');
      const params = decodePart(parts, first, payloadSerialiser, maxDepth, owned);
      const message: IncomingMessage = { kind: 'notification', target: targetOf(value), format };
      addAddressing(message, envelope);
      if (params !== NO_PART && params !== null) message.params = paramsOf(params);
      return message;
    }
    case 'p': {
      const flags = flagBits(marker, 'mfta');
      if ((flags & F_F) !== 0 && (flags & F_T) !== 0) throw protocolError(`response marker ${marker} has both f and t`);
      const message: IncomingMessage = {
        kind: 'response',
        to: idOf(value, marker),
        multipart: (flags & F_M) !== 0,
        ack: (flags & F_A) !== 0,
        hasResult: false,
        format,
      };
      if ((flags & F_F) !== 0) message.final = 'final';
      else if ((flags & F_T) !== 0) message.final = 'terminator';
      if (envelope.i !== undefined) message.id = idOf(envelope.i, 'i');
      if (message.final !== 'terminator') {
        const result = decodePart(parts, first, payloadSerialiser, maxDepth, owned);
        if (result !== NO_PART) {
          message.hasResult = true;
          message.result = result;
        }
      }
      return message;
    }
    case 'x': {
      const flags = flagBits(marker, 'a');
      const error = decodePart(parts, first, payloadSerialiser, maxDepth, owned);
      const message: IncomingMessage = { kind: 'exception', to: idOf(value, marker), ack: (flags & F_A) !== 0, error: wireErrorOf(error === NO_PART ? undefined : error, options), format };
      if (envelope.i !== undefined) message.id = idOf(envelope.i, 'i');
      return message;
    }
    default: {
      flagBits(marker, '');
      return { kind: 'ack', to: idOf(value, marker), format };
    }
  }
}

/** A payload slot with no part, or a zero-length one (read as "absent", §6). */
const NO_PART = Symbol('no-part');

/** `serialiser` is undefined only when no part holds anything (checked by hasPayload first). */
function decodePart(parts: Uint8Array[], index: number, serialiser: Serialiser | undefined, maxDepth: number, owned: number): unknown {
  const part = parts[index];
  if (part === undefined || part.length === 0) return NO_PART;
  // An owned part (assembled by the chain decoder) lends its memory to decoded bytes: no second copy.
  return serialiser!.decode(part, maxDepth, (owned & (1 << index)) !== 0);
}

function hasPayload(parts: Uint8Array[], first: number): boolean {
  for (let k = first; k < parts.length; k++) if (parts[k]!.length > 0) return true;
  return false;
}

/**
 * A chain whose envelope is in a serialiser this side lacks. Its id cannot
 * be read, so it cannot be answered, and the sender writes every later
 * message the same way: the link closes the connection on it (the sender's
 * calls fail at once instead of timing out).
 */
export class UnreadableEnvelopeError extends SparrowError {
  override readonly name: string = 'UnreadableEnvelopeError';
}

function unreadableEnvelope(code: SerialiserCode): UnreadableEnvelopeError {
  const missing = missingSerialiser(code, 'reading this chain\'s envelope');
  return new UnreadableEnvelopeError(missing.code, missing.message);
}

/**
 * A v050 message whose payload is in a serialiser this side lacks (`l` or
 * the envelope code). The envelope was read, so nothing hangs:
 * - a response or exception becomes an exception carrying the `unsupported`
 *   error, so the pending call fails at once with it;
 * - a request gets an exception in the envelope's serialiser, handed to
 *   `options.reply`, then the error is thrown;
 * - anything else throws it (the chain is dropped, reported as non-fatal).
 */
function missingPayloadSerialiser(
  serialisers: SerialiserTable,
  envelope: Record<string, unknown>,
  kind: string | undefined,
  marker: string,
  value: unknown,
  payloadCode: SerialiserCode,
  format: WireFormat,
  options: DecodeChainOptions,
): IncomingMessage {
  return undecodablePayload(serialisers, envelope, kind, marker, value, missingSerialiser(payloadCode, `reading the payload of a "${marker}" message`), format, options);
}

/** As missingPayloadSerialiser, for any `error` that keeps a v050 payload from being read. */
function undecodablePayload(
  serialisers: SerialiserTable,
  envelope: Record<string, unknown>,
  kind: string | undefined,
  marker: string,
  value: unknown,
  error: SparrowError,
  format: WireFormat,
  options: DecodeChainOptions,
): IncomingMessage {
  const wire = toWireError(error);
  if (kind === 'p' || kind === 'x') {
    options.onWarning?.(error);
    const message: IncomingMessage = { kind: 'exception', to: idOf(value, marker), ack: false, error: wire, format };
    if (envelope.i !== undefined) message.id = idOf(envelope.i, 'i');
    return message;
  }
  const reply = options.reply;
  if (reply !== undefined && kind === 'r' && envelope.i !== undefined && !marker.includes('s')) {
    const answerFormat: WireFormat = { layout: format.layout, serialiser: format.serialiser, protocol: V050 };
    let answer: ChainBytes | undefined;
    try {
      answer = encodeMessagePieces({ kind: 'exception', to: idOf(envelope.i, 'i'), ack: false, error: wire }, answerFormat, serialisers);
    } catch {
      // No answer then; the error is still reported.
    }
    if (answer !== undefined) reply(answer);
  }
  throw error;
}

function checkFlags(marker: string, flags: string, allowed: string): void {
  for (const flag of flags) {
    if (!allowed.includes(flag)) throw protocolError(`unknown flag ${JSON.stringify(flag)} in marker ${JSON.stringify(marker)}`);
  }
}

function targetOf(value: unknown): string {
  if (typeof value !== 'string') throw protocolError('call target is not a string');
  return value;
}

function addAddressing(message: { namespace?: string; node?: string; callbackOf?: MessageId }, envelope: Record<string, unknown>): void {
  const s = envelope.s;
  if (typeof s === 'string') {
    if (s !== '') message.namespace = s;
  } else if (s !== undefined && s !== null) {
    throw protocolError('namespace "s" is not a string');
  }
  const d = envelope.d;
  if (typeof d === 'string') message.node = d;
  else if (d !== undefined && d !== null) throw protocolError('node "d" is not a string');
  if (envelope.c !== undefined && envelope.c !== null) message.callbackOf = idOf(envelope.c, 'c');
}

function paramsOf(value: unknown): Params {
  if (!isMap(value)) throw protocolError('params are not a map of name to value');
  return value;
}

function declarationsOf(value: unknown): CallbackDeclarations {
  if (!isMap(value)) throw protocolError('the callback declarations part is not a map');
  const cb = value['#cb'];
  const icb = value['#icb'];
  if ((cb !== undefined && cb !== null && !isMap(cb)) || (icb !== undefined && icb !== null && !isMap(icb))) {
    throw protocolError('"#cb" and "#icb" must be maps');
  }
  return { callbacks: cb ? Object.keys(cb) : [], iterables: icb ? Object.keys(icb) : [] };
}

/** Reads an error payload forgivingly: a missing `msg` (Python omits an empty one) reads as "". */
function wireErrorOf(value: unknown, options: DecodeChainOptions): WireError {
  if (!isMap(value)) {
    options.onWarning?.(protocolError('exception without an error map'));
    return { cat: 'e', type: '', msg: value === undefined || value === null ? '' : String(value) };
  }
  const cat: ErrorCategory = value.cat === 'r' || value.cat === 't' ? value.cat : 'e';
  const error: WireError = {
    cat,
    type: typeof value.type === 'string' ? value.type : '',
    msg: typeof value.msg === 'string' ? value.msg : value.msg === undefined || value.msg === null ? '' : String(value.msg),
  };
  if (typeof value.details === 'string') error.details = value.details;
  if (typeof value.value === 'number') error.value = value.value;
  if (isMap(value.data)) error.data = value.data;
  return error;
}
