/**
 * The v050 envelope codec, receiving side: one chain → one message.
 *
 * Receiving is forgiving: `l` null or absent, missing payload parts, any key
 * and flag order, ids of any scalar type, `pmf`/`pf`, an error without
 * `msg`. Where the reference would kill its pump but the meaning is still
 * clear (extra envelope keys, `f`, a missing `v` in 0.1.2, payload parts on
 * a `b` message) the message is delivered and the oddity reported through
 * `onWarning` (in the words of the warnings part, envelope/warnings.ts;
 * without it, as on a page, unreported). Where the meaning is not clear (no
 * or several markers, unknown flags or version, a bad payload) decoding
 * throws and the chain is dropped; the byte stream stays usable either way.
 */
import { ErrorCode, SparrowError, isSparrowError, ownWireError, readWireError, type WireError } from '../errors.ts';
import type { Chain } from '../framing/chain-decoder.ts';
import { isSerialiserCode, type ChainBytes } from '../wire.ts';
import { DEFAULT_MAX_DEPTH, missingSerialiser, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { platform } from '../platform/platform.ts';
import { DEFAULT_MAX_ELEMENTS, checkElementBudget } from '../serialisation/budget.ts';
import { V050, basicProtocol, encodeMessagePieces, envelopeParts, isMap, protocolError, type Oddity } from './codec.ts';
import { idOf } from './ids.ts';
import type { ChainLayout, ExceptionMessage, IncomingMessage, MessageId, RequestMessage, RequestType, ResponseMessage, SerialiserCode, WireFormat } from './message.ts';

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
   * clear (when the warnings part is installed); the message is still
   * returned. Must not throw.
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
  const { prefix, parts } = chain;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  let tag = parts.length > 2 ? protocolTag(parts[0]!) : undefined;
  let code = tag !== undefined && parts[1]!.length === 1 ? String.fromCharCode(parts[1]![0]!) : '';
  if (isSerialiserCode(code)) {
    // HEAD ("next") ignores the prefix, and `v` in the envelope (it still writes it for .5).
    if (prefix !== '') warn(options, 'prefix', prefix);
  } else {
    code = prefix;
    tag = undefined;
  }
  // Garbage (a run of 0xff is a run of empty chains) is no message: nothing to answer, close.
  if (!isSerialiserCode(code)) throw unreadable(`no serialiser code in the prefix (${JSON.stringify(prefix)}) and no HEAD parts`);
  const layout: ChainLayout = tag === undefined ? '0.1.2' : 'next';
  const first = tag === undefined ? 1 : 3;

  const part = parts[first - 1];
  if (part === undefined || part.length === 0) throw unreadable('no envelope');
  const envelopeSerialiser = serialisers[code];
  if (envelopeSerialiser === undefined) throw unreadable(missingSerialiser(code, 'reading this chain\'s envelope').message, ErrorCode.Unsupported);
  try {
    checkElementBudget(envelopeSerialiser, part, maxElements);
  } catch (error) {
    // Too big to read: no readable id, nothing to answer, as for an unknown serialiser.
    throw unreadable(`envelope: ${(error as Error).message}`, ErrorCode.LimitExceeded);
  }
  const envelope = envelopeSerialiser.decode(part, maxDepth);
  if (!isMap(envelope)) throw protocolError('envelope is not a map');

  let protocol = tag ?? envelope.v;
  if (protocol === undefined) {
    protocol = 'target' in envelope || 'result' in envelope || 'error' in envelope ? 'b' : V050;
    warn(options, 'version', protocol);
  }
  if (protocol === 'b') return basicProtocol().read(envelope, layout, code, parts.length - first, options);
  if (protocol !== V050) throw protocolError(`unknown version ${JSON.stringify(protocol)}`);

  // v050: exactly one marker key; keys that are neither marker nor supplementary are reported, not fatal.
  let marker: string | undefined;
  let extra: string[] | undefined;
  for (const key in envelope) {
    if (key.length === 1 && SUPPLEMENTARY.includes(key)) continue;
    if (!(key[0]! in MARKERS)) (extra ??= []).push(key);
    else if (marker === undefined) marker = key;
    else throw protocolError(`more than one marker (${marker}, ${key})`);
  }
  if (marker === undefined) throw protocolError('no marker (r, n, p, x or a)');
  if (extra !== undefined) warn(options, 'keys', extra);
  const payloadCode = envelope.l ?? code;
  if (!isSerialiserCode(payloadCode)) throw protocolError(`unknown payload serialiser ${JSON.stringify(payloadCode)}`);
  const format: WireFormat = payloadCode === code ? ((PLAIN_FORMATS[layout] ??= {})[code] ??= Object.freeze({ layout, serialiser: code, protocol: V050 })) : { layout, serialiser: code, payloadSerialiser: payloadCode, protocol: V050 };
  if (parts.length - first > 2) throw protocolError(`${parts.length - first} payload parts (at most 2)`);

  const serialiser = serialisers[payloadCode];
  try {
    if (serialiser === undefined && parts.some((part, k) => k >= first && part.length > 0)) throw missingSerialiser(payloadCode, `reading the payload of a "${marker}" message`);
    if (serialiser) for (let k = first; k < parts.length; k++) checkElementBudget(serialiser, parts[k]!, maxElements);
    return readV050(envelope, parts, first, serialiser, maxDepth, marker, format, options);
  } catch (error) {
    // A payload this side cannot read (in a serialiser it lacks, too big or deep, malformed, not a map): answered or
    // failed, never dropped. Only a protocol error (or a bug) is a broken chain, thrown as it is.
    if (!isSparrowError(error) || error.code === ErrorCode.ProtocolError) throw error;
    // The caller sent what cannot be read: a caller error for a request (Python raises a CallerException).
    const reason = marker[0] === 'r' && error.code === ErrorCode.SerialisationError ? new SparrowError(ErrorCode.InvalidParams, `unreadable params: ${error.message}`, { cause: error }) : error;
    return unreadablePayload(serialisers, envelope, marker, reason, format, options);
  }
}

/**
 * Nothing hangs on a payload this side cannot read (`reason`): a response or
 * exception becomes an exception carrying it (the pending call fails at
 * once); a request is answered with it through `options.reply` unless
 * silent, then it is thrown, as for anything else (the chain is dropped).
 * A cold path, kept out of decodeChain so that the hot one stays short.
 */
function unreadablePayload(serialisers: SerialiserTable, envelope: Record<string, unknown>, marker: string, reason: SparrowError, format: WireFormat, options: DecodeChainOptions): IncomingMessage {
  const kind = marker[0];
  const error = ownWireError(reason);
  if (kind === 'p' || kind === 'x') {
    options.onWarning?.(reason);
    return withId<ExceptionMessage & Formatted>({ kind: 'exception', to: idOf(envelope[marker], marker), ack: false, error, format }, envelope.i);
  }
  const reply = options.reply;
  if (reply !== undefined && kind === 'r' && !marker.includes('s')) {
    let answer: ChainBytes | undefined;
    try {
      answer = encodeMessagePieces({ kind: 'exception', to: idOf(envelope.i, 'i'), ack: false, error }, { layout: format.layout, serialiser: format.serialiser }, serialisers);
    } catch {
      // No answer then (no readable id, or no way to write it); the error is still reported.
    }
    if (answer) reply(answer);
  }
  throw reason;
}

/** The v050 formats without a payload override, one frozen object each, made on first use: shared by every message read in them. */
const PLAIN_FORMATS: Partial<Record<ChainLayout, Partial<Record<SerialiserCode, WireFormat>>>> = {};

/**
 * Reports an oddity whose meaning is clear (the message is still delivered)
 * in the words of the warnings part; without the part (a page) it is read
 * without a report.
 */
function warn(options: DecodeChainOptions, oddity: Oddity, detail?: unknown): void {
  const texts = envelopeParts.warnings;
  if (texts !== undefined) options.onWarning?.(protocolError(texts[oddity](detail)));
}

/** The envelope keys that are not markers (§5.2), one letter each (a string search: as cheap as the switch it replaces, measured). */
const SUPPLEMENTARY = 'ivsdcl';
/** Marker kinds and the flags each allows (PROTOCOL.md §5.1); any other envelope key but these is extra. */
const MARKERS: Readonly<Record<string, string>> = { r: 'aqs', n: '', p: 'mfta', x: 'a', a: '' };
/** The protocol tag a HEAD chain's part 0 holds (`.5` or `b`), read off its bytes (no string made per chain). */
function protocolTag(part: Uint8Array): '.5' | 'b' | undefined {
  return part.length === 2 && part[0] === 0x2e && part[1] === 0x35 ? V050 : part.length === 1 && part[0] === 0x62 ? 'b' : undefined;
}

/** One v050 message of a known marker from its envelope and payload parts (checks in the order they always ran). */
function readV050(
  envelope: Record<string, unknown>,
  parts: Uint8Array[],
  first: number,
  serialiser: Serialiser | undefined,
  maxDepth: number,
  marker: string,
  format: WireFormat,
  options: DecodeChainOptions,
): IncomingMessage {
  const kind = marker[0]!;
  const value = envelope[marker];
  // Most markers have no flag: then no search for one. No kind letter is one of its own flags, so a
  // search of the whole marker finds a flag.
  const flags = marker.length > 1;
  if (flags) for (let k = 1; k < marker.length; k++) if (!MARKERS[kind]!.includes(marker[k]!)) throw protocolError(`unknown flag "${marker[k]}" in marker "${marker}"`);
  const ack = flags && marker.includes('a');
  if (kind === 'a') return { kind: 'ack', to: idOf(value, marker), format };
  if (kind === 'x') {
    const error = decodePart(parts, first, serialiser, maxDepth);
    return withId<ExceptionMessage & Formatted>({ kind: 'exception', to: idOf(value, marker), ack, error: wireErrorOf(error === NO_PART ? undefined : error, options), format }, envelope.i);
  }
  if (kind === 'p') {
    const terminator = flags && either(marker, 't', 'f');
    const message = withId<ResponseMessage & Formatted>({ kind: 'response', to: idOf(value, marker), multipart: flags && marker.includes('m'), ack, hasResult: false, format }, envelope.i);
    if (terminator) message.final = 'terminator';
    else {
      if (flags && marker.includes('f')) message.final = 'final';
      const result = decodePart(parts, first, serialiser, maxDepth);
      if (result !== NO_PART) {
        message.hasResult = true;
        message.result = result;
      }
    }
    return message;
  }
  // A call: `r` or `n`.
  const requestType: RequestType = flags && either(marker, 'q', 's') ? 'quiet' : flags && marker.includes('s') ? 'silent' : 'normal';
  if (kind === 'r' && envelope.i === undefined) throw protocolError('request without an id');
  const params = decodePart(parts, first, serialiser, maxDepth);
  const special = kind === 'r' ? decodePart(parts, first + 1, serialiser, maxDepth) : NO_PART;
  if (typeof value !== 'string') throw protocolError('target is not a string');
  const message: IncomingMessage = kind === 'r' ? { kind: 'request', target: value, id: idOf(envelope.i, 'i'), requestType, ack, format } : { kind: 'notification', target: value, format };
  const { s, d, c } = envelope;
  if (typeof s === 'string') {
    if (s !== '') message.namespace = s;
  } else if (s !== undefined && s !== null) throw protocolError('namespace "s" is not a string');
  if (typeof d === 'string') message.node = d;
  else if (d !== undefined && d !== null) throw protocolError('node "d" is not a string');
  if (c !== undefined && c !== null) message.callbackOf = idOf(c, 'c');
  // Not maps: caller errors (answered with invalid-params), not broken chains.
  if (params !== NO_PART && params !== null) message.params = mapOf(params, 'params');
  // Without the declarations part the names are not read: the request still declares some, so a
  // dispatcher refuses it (invalid-params, it has no callbacks part either) and a peer without one answers not-found.
  if (special !== NO_PART) (message as RequestMessage).declarations = envelopeParts.declarations?.read(special) ?? { callbacks: [], iterables: [] };
  return message;
}

/** Whether `marker` has flag `a`; throws when it also has `b`, which excludes it. */
function either(marker: string, a: string, b: string): boolean {
  const has = marker.includes(a);
  if (has && marker.includes(b)) throw protocolError(`marker ${marker} has both ${a} and ${b}`);
  return has;
}

type Formatted = { format: WireFormat };

/** Sets a response's or exception's own id (`i`, present when it asks for an ack). */
function withId<T extends { id?: MessageId }>(message: T, i: unknown): T {
  if (i !== undefined) message.id = idOf(i, 'i');
  return message;
}

/** A payload slot with no part, or a zero-length one (read as "absent", §6). */
const NO_PART = Symbol('no-part');

/** `serialiser` is undefined only when no part holds anything (checked first). */
function decodePart(parts: Uint8Array[], index: number, serialiser: Serialiser | undefined, maxDepth: number): unknown {
  const part = parts[index];
  return part === undefined || part.length === 0 ? NO_PART : serialiser!.decode(part, maxDepth);
}

/** `value` as a map, or `invalid-params` naming `what` (a caller error, answered). */
export function mapOf(value: unknown, what: string): Record<string, unknown> {
  if (!isMap(value)) throw new SparrowError(ErrorCode.InvalidParams, `${what} must be a map`);
  return value;
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

/** A chain whose envelope cannot be read (by default: no message in any layout, `protocol-error`). */
function unreadable(message: string, code: ErrorCode = ErrorCode.ProtocolError): UnreadableEnvelopeError {
  return new UnreadableEnvelopeError(code, message);
}

/** Reads an error payload forgivingly: a missing `msg` (Python omits an empty one) reads as "". */
function wireErrorOf(value: unknown, options: DecodeChainOptions): WireError {
  if (!isMap(value)) {
    warn(options, 'error');
    return { cat: 'e', type: '', msg: String(value ?? '') };
  }
  const error = readWireError(value);
  if (isMap(value.data)) error.data = value.data;
  return error;
}
