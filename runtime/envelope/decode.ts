/**
 * The v050 envelope codec, receiving side: one chain → one message.
 *
 * Receiving is forgiving: `l` null or absent, missing payload parts, any key
 * and flag order, ids of any scalar type, `pmf`/`pf`, an error without
 * `msg`. Where the reference would kill its pump but the meaning is still
 * clear (extra envelope keys, `f`, a missing `v` in 0.1.2, payload parts on
 * a `b` message) the message is delivered and the oddity reported through
 * `onWarning`. Where the meaning is not clear (no or several markers,
 * unknown flags or version, a bad payload) decoding throws and the chain is
 * dropped; the byte stream stays usable either way.
 */
import { ErrorCode, SparrowError, isSparrowError, readWireError, toWireError, type WireError } from '../errors.ts';
import type { Chain } from '../framing/chain-decoder.ts';
import { isSerialiserCode, type ChainBytes } from '../wire.ts';
import { DEFAULT_MAX_DEPTH, missingSerialiser, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { platform } from '../platform/platform.ts';
import { DEFAULT_MAX_ELEMENTS, checkElementBudget } from '../serialisation/budget.ts';
import { V050, basicProtocol, encodeMessagePieces, protocolError } from './codec.ts';
import { idOf } from './ids.ts';
import type { CallbackDeclarations, ChainLayout, IncomingMessage, MessageId, Params, RequestType, SerialiserCode, WireFormat } from './message.ts';

/** Options for decoding a chain. */
export interface DecodeChainOptions {
  /** Nesting limit for every decoded value (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
  /**
   * Decode budget: most values in one part (default DEFAULT_MAX_ELEMENTS),
   * checked on the bytes before decoding. A request over it is answered with
   * `limit-exceeded` like one nested too deep.
   */
  maxElements?: number;
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
    // Not a message at all (garbage such as a run of 0xff is a run of empty chains): nothing to answer, close.
    if (parts.length === 0) throw notAMessage('empty chain');
    throw notAMessage('chain with an empty prefix but no protocol tag and serialiser code in parts 0 and 1');
  } else if (isSerialiserCode(chain.prefix)) {
    layout = '0.1.2';
    envelopeCode = chain.prefix;
    envelopeIndex = 0;
  } else {
    throw notAMessage(`unknown serialiser code ${JSON.stringify(chain.prefix)} in the chain prefix`);
  }

  const envelopePart = parts[envelopeIndex];
  if (envelopePart === undefined || envelopePart.length === 0) throw notAMessage('chain has no envelope');
  const envelopeSerialiser = serialisers[envelopeCode];
  if (envelopeSerialiser === undefined) throw unreadableEnvelope(envelopeCode);
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  try {
    checkElementBudget(envelopeSerialiser, envelopePart, maxElements);
  } catch (error) {
    // An envelope too big to read has no readable id: nothing can be answered, as for an unknown serialiser.
    throw new UnreadableEnvelopeError(ErrorCode.LimitExceeded, `envelope: ${(error as Error).message}`);
  }
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
    const message = basicProtocol().decode(envelope);
    return { ...message, format: { layout, serialiser: envelopeCode, protocol: 'b' } };
  }
  return decodeV050(serialisers, envelope, parts, envelopeIndex + 1, layout, envelopeCode, maxDepth, options, maxElements);
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
  layout: ChainLayout,
  envelopeCode: SerialiserCode,
  maxDepth: number,
  options: DecodeChainOptions,
  maxElements: number,
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
    if (payloadSerialiser !== undefined) for (let k = first; k < parts.length; k++) checkElementBudget(payloadSerialiser, parts[k]!, maxElements);
    return decodeV050Message(envelope, parts, first, maxDepth, options, marker, kind, value, payloadSerialiser, format);
  } catch (error) {
    // A payload this side cannot read (too deep, malformed): answered or failed like a missing serialiser, never dropped.
    if (!isSparrowError(error) || (error.code !== ErrorCode.SerialisationError && error.code !== ErrorCode.LimitExceeded && error.code !== ErrorCode.InvalidParams)) throw error;
    // The caller sent what cannot be read: a caller error for a request (Python raises a CallerException).
    const reason = kind !== 'r' || error.code !== ErrorCode.SerialisationError ? error : new SparrowError(ErrorCode.InvalidParams, `the params could not be decoded: ${error.message}`, { cause: error });
    return undecodablePayload(serialisers, envelope, kind, marker, value, reason, format, options);
  }
}

function decodeV050Message(
  envelope: Record<string, unknown>,
  parts: Uint8Array[],
  first: number,
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
      const params = decodePart(parts, first, payloadSerialiser, maxDepth);
      const special = decodePart(parts, first + 1, payloadSerialiser, maxDepth);
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
      const params = decodePart(parts, first, payloadSerialiser, maxDepth);
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
        const result = decodePart(parts, first, payloadSerialiser, maxDepth);
        if (result !== NO_PART) {
          message.hasResult = true;
          message.result = result;
        }
      }
      return message;
    }
    case 'x': {
      const flags = flagBits(marker, 'a');
      const error = decodePart(parts, first, payloadSerialiser, maxDepth);
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
function decodePart(parts: Uint8Array[], index: number, serialiser: Serialiser | undefined, maxDepth: number): unknown {
  const part = parts[index];
  if (part === undefined || part.length === 0) return NO_PART;
  return serialiser!.decode(part, maxDepth);
}

function hasPayload(parts: Uint8Array[], first: number): boolean {
  for (let k = first; k < parts.length; k++) if (parts[k]!.length > 0) return true;
  return false;
}

/**
 * A chain whose envelope cannot be read: no message in any layout (an empty
 * chain, an unknown prefix), an envelope in a serialiser this side lacks,
 * or one over the decode budget. Its id cannot be read, so it cannot be
 * answered, and such a sender is broken or hostile: the link closes the
 * connection on it (the sender's calls fail at once instead of timing out).
 */
export class UnreadableEnvelopeError extends SparrowError {
  override readonly name: string = 'UnreadableEnvelopeError';
}

/** A chain that is no message in any layout: `protocol-error`, fatal to the connection. */
function notAMessage(message: string): UnreadableEnvelopeError {
  return new UnreadableEnvelopeError(ErrorCode.ProtocolError, message);
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
  // A caller error (answered with invalid-params), not a broken chain.
  if (!isMap(value)) throw new SparrowError(ErrorCode.InvalidParams, 'params are not a map of name to value');
  return value;
}

function declarationsOf(value: unknown): CallbackDeclarations {
  if (!isMap(value)) throw new SparrowError(ErrorCode.InvalidParams, 'the callback declarations part is not a map');
  const cb = value['#cb'];
  const icb = value['#icb'];
  if ((cb !== undefined && cb !== null && !isMap(cb)) || (icb !== undefined && icb !== null && !isMap(icb))) {
    throw new SparrowError(ErrorCode.InvalidParams, '"#cb" and "#icb" must be maps');
  }
  return { callbacks: cb ? Object.keys(cb) : [], iterables: icb ? Object.keys(icb) : [] };
}

/** Reads an error payload forgivingly: a missing `msg` (Python omits an empty one) reads as "". */
function wireErrorOf(value: unknown, options: DecodeChainOptions): WireError {
  if (!isMap(value)) {
    options.onWarning?.(protocolError('exception without an error map'));
    return { cat: 'e', type: '', msg: value === undefined || value === null ? '' : String(value) };
  }
  const error = readWireError(value);
  if (isMap(value.data)) error.data = value.data;
  return error;
}
