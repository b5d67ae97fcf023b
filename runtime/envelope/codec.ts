/**
 * The v050 envelope codec, sending side: one message → one chain.
 *
 * Sending is strict: only the envelope keys the protocol defines, always
 * `v: ".5"`, never `l: null`, `f` or cat `t`, a params part on every
 * notification, `msg` in every error, at most two payload parts, one buffer
 * per chain. The receiving side is decode.ts.
 */
import { ErrorCode, SparrowError, type WireError } from '../errors.ts';
import { EMPTY_PART, chainHeadSize, encodeChain, encodeChainPieces, encodeSmallChain, finishChainInPlace, type ChainPart } from '../framing/chain-encoder.ts';
import { joinChain, type ChainBytes } from '../wire.ts';
import { containsBytes } from '../serialisation/bytes.ts';
import { jsonSerialiser, stringifyJson } from '../serialisation/json.ts';
import { MAX_HEADROOM, serialiserIn, serialiserTable, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { platform } from '../platform/platform.ts';
import { encodeBasic } from './basic.ts';
import type { CallbackDeclarations, ChainLayout, Message, MessageId, Params, SerialiserCode, WireFormat } from './message.ts';


const EMPTY = new Uint8Array(0);
export const V050 = '.5';
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

export function protocolError(message: string, cause?: unknown): SparrowError {
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
