/**
 * Writes one whole chain (PROTOCOL.md §1) into one buffer with one
 * allocation: sizes are computed first, then prefix, part headers and data
 * are written in place. Lengths use the minimal number of length bytes.
 *
 * Browser-safe: Uint8Array and TextEncoder only.
 */
import { ErrorCode, SparrowError } from '../errors.ts';

/**
 * A part to write: raw bytes, or text written as UTF-8. Text lets the JSON
 * serialiser skip an intermediate byte array: ASCII text (the usual JSON
 * case) is encoded straight into the chain buffer.
 */
export type ChainPart = Uint8Array | string;

const EOC = 0xff;
const SOP_BASE = 0x80;
const textEncoder = new TextEncoder();
// A lone test of this is far cheaper than encoding twice.
const NON_ASCII = /[^\x00-\x7f]/;

/** Number of big-endian length bytes the minimal encoding of `length` needs (0 for an empty part). */
export function lengthByteCount(length: number): number {
  let n = 0;
  while (length > 0) {
    n++;
    length = Math.floor(length / 256);
  }
  return n;
}

/**
 * Serialises a chain: ASCII `prefix`, then each part with its SOP header,
 * then EOC. Returns a fresh buffer holding exactly the chain.
 *
 * @throws SparrowError `protocol-error` when the prefix is not ASCII (every
 *   byte must be < 0x80, PROTOCOL.md §1).
 */
export function encodeChain(prefix: string, parts: readonly ChainPart[]): Uint8Array {
  let total = prefix.length + 1;
  const count = parts.length;
  // A chain has a few parts: two small arrays per chain, no state shared between callers.
  const sizes = new Array<number>(count);
  const encodedText = new Array<Uint8Array | undefined>(count);
  for (let k = 0; k < count; k++) {
    const part = parts[k]!;
    let size: number;
    if (typeof part === 'string') {
      if (NON_ASCII.test(part)) {
        const bytes = textEncoder.encode(part);
        encodedText[k] = bytes;
        size = bytes.length;
      } else {
        encodedText[k] = undefined;
        size = part.length;
      }
    } else {
      encodedText[k] = undefined;
      size = part.length;
    }
    sizes[k] = size;
    total += 1 + lengthByteCount(size) + size;
  }

  const out = new Uint8Array(total);
  let pos = 0;
  for (let k = 0; k < prefix.length; k++) {
    const code = prefix.charCodeAt(k);
    if (code >= 0x80) throw new SparrowError(ErrorCode.ProtocolError, `chain prefix must be ASCII, got ${JSON.stringify(prefix)}`);
    out[pos++] = code;
  }
  for (let k = 0; k < count; k++) {
    const size = sizes[k]!;
    const n = lengthByteCount(size);
    out[pos++] = SOP_BASE + n;
    for (let shift = n - 1; shift >= 0; shift--) {
      out[pos++] = Math.floor(size / 2 ** (8 * shift)) & 0xff;
    }
    const part = parts[k]!;
    if (typeof part === 'string') {
      const bytes = encodedText[k];
      if (bytes !== undefined) {
        out.set(bytes, pos);
        encodedText[k] = undefined;
      } else {
        textEncoder.encodeInto(part, out.subarray(pos, pos + size));
      }
    } else {
      out.set(part, pos);
    }
    pos += size;
  }
  out[pos] = EOC;
  return out;
}

/** Bytes `prefix` and `head` take in a chain (prefix, then each part with its SOP header). */
export function chainHeadSize(prefix: string, head: readonly Uint8Array[]): number {
  let size = prefix.length;
  for (const part of head) size += 1 + lengthByteCount(part.length) + part.length;
  return size;
}

/**
 * Completes a chain whose last part was written in place: `out` holds, from
 * `start + headroom` on, the last part's bytes up to `end`, then one spare
 * byte. Writes `prefix`, the `head` parts (`headSize` = chainHeadSize of
 * them, at most headroom - 9) and the last part's header right-aligned in
 * front of it, and EOC into the spare byte; returns the chain as a plain
 * Uint8Array view of `out`. This is how a large payload reaches the
 * transport with no copy beyond its serialisation.
 *
 * @throws SparrowError `protocol-error` when the prefix is not ASCII.
 */
export function finishChainInPlace(out: Uint8Array, start: number, end: number, headroom: number, prefix: string, head: readonly Uint8Array[], headSize: number): Uint8Array {
  const dataStart = start + headroom;
  const length = end - dataStart;
  const chainStart = dataStart - headSize - 1 - lengthByteCount(length);
  let pos = chainStart;
  for (let k = 0; k < prefix.length; k++) {
    const code = prefix.charCodeAt(k);
    if (code >= 0x80) throw new SparrowError(ErrorCode.ProtocolError, `chain prefix must be ASCII, got ${JSON.stringify(prefix)}`);
    out[pos++] = code;
  }
  for (let k = 0; k < head.length; k++) {
    const part = head[k]!;
    const size = part.length;
    pos = writePartHeader(out, pos, size);
    // Head parts are a few bytes (an envelope, a version tag): a loop beats set()'s call overhead.
    if (size <= 64) {
      for (let j = 0; j < size; j++) out[pos + j] = part[j]!;
    } else {
      out.set(part, pos);
    }
    pos += size;
  }
  writePartHeader(out, pos, length);
  out[end] = EOC;
  return new Uint8Array(out.buffer, out.byteOffset + chainStart, end + 1 - chainStart);
}

function writePartHeader(out: Uint8Array, pos: number, size: number): number {
  if (size < 0x100) {
    // The usual small part: no loop, no division.
    if (size === 0) {
      out[pos++] = SOP_BASE;
    } else {
      out[pos++] = SOP_BASE + 1;
      out[pos++] = size;
    }
    return pos;
  }
  const n = lengthByteCount(size);
  out[pos++] = SOP_BASE + n;
  for (let shift = n - 1; shift >= 0; shift--) out[pos++] = Math.floor(size / 2 ** (8 * shift)) & 0xff;
  return pos;
}

/** Small chains are written back to back into slabs of at most this size (per link: 500 busy links hold 8 MiB). */
const SLAB_BYTES = 16 * 1024;
/** The most bytes one small chain may take. */
const MAX_SMALL_CHAIN = 1024;
/** A link's first slab. */
const FIRST_SLAB_BYTES = 2 * MAX_SMALL_CHAIN;

/**
 * Where one sender's small chains are written (see encodeSmallChain): a
 * slab that only moves forward and is replaced, never rewound, when full.
 * One per link (createChainSlab), so no two links share writer state.
 */
export interface ChainSlab {
  bytes: Uint8Array;
  // Kept beside the slab: reading `.buffer` per chain costs about as much as the view.
  buffer: ArrayBufferLike;
  used: number;
}

/** An empty slab; its memory is allocated by the first small chain. */
export function createChainSlab(): ChainSlab {
  const bytes = new Uint8Array(0);
  return { bytes, buffer: bytes.buffer, used: 0 };
}

/** A zero-length part among encodeSmallChain's values (and the codec's "no params" before a callback part). */
export const EMPTY_PART: unique symbol = Symbol('empty-part');

/** Writes one small value at `out[pos]`, never at or past `limit`: the end, or -1 to decline (Serialiser.writeSmall). */
export type SmallValueWriter = (value: unknown, out: Uint8Array, pos: number, limit: number) => number;

/**
 * A chain whose parts are all small, written in place: ASCII `prefix`,
 * the `head` parts as they are, then `first` and each of `rest` written by
 * `write` (EMPTY_PART: a zero-length part), each under 256 bytes. The
 * chain goes into `slab`, so a message is encoded with no buffer of its
 * own and no copy. Bytes handed out are never written again (the slab only
 * moves forward and a full one is replaced, not rewound), so a chain stays
 * valid for as long as anyone holds it. Undefined, with nothing kept, when
 * a value declines or the chain would pass 1 KiB.
 *
 * @throws SparrowError `protocol-error` when the prefix is not ASCII.
 */
export function encodeSmallChain(slab: ChainSlab, prefix: string, head: readonly Uint8Array[], first: unknown, rest: readonly unknown[] | undefined, write: SmallValueWriter): Uint8Array | undefined {
  if (slab.used + MAX_SMALL_CHAIN > slab.bytes.length) {
    // A link's slabs grow from 2 KiB to SLAB_BYTES: a link that sends little holds little (500 links).
    slab.bytes = new Uint8Array(Math.min(Math.max(slab.bytes.length * 2, FIRST_SLAB_BYTES), SLAB_BYTES));
    slab.buffer = slab.bytes.buffer;
    slab.used = 0;
  }
  const out = slab.bytes;
  const start = slab.used;
  // One byte stays free for EOC.
  const limit = start + MAX_SMALL_CHAIN - 1;
  let pos = start;
  for (let k = 0; k < prefix.length; k++) {
    const code = prefix.charCodeAt(k);
    if (code >= 0x80) throw new SparrowError(ErrorCode.ProtocolError, `chain prefix must be ASCII, got ${JSON.stringify(prefix)}`);
    out[pos++] = code;
  }
  for (const part of head) {
    if (pos + 1 + lengthByteCount(part.length) + part.length > limit) return undefined;
    pos = writePartHeader(out, pos, part.length);
    for (let j = 0; j < part.length; j++) out[pos++] = part[j]!;
  }
  pos = writeSmallPart(first, out, pos, limit, write);
  if (rest !== undefined) {
    for (let k = 0; k < rest.length && pos >= 0; k++) pos = writeSmallPart(rest[k], out, pos, limit, write);
  }
  if (pos < 0) return undefined;
  out[pos++] = EOC;
  slab.used = pos;
  return new Uint8Array(slab.buffer, start, pos - start);
}

/** One part of encodeSmallChain: SOP with one length byte, then the value (or SOP alone for EMPTY_PART). -1 to decline. */
function writeSmallPart(value: unknown, out: Uint8Array, pos: number, limit: number, write: SmallValueWriter): number {
  if (pos < 0 || pos >= limit) return -1;
  if (value === EMPTY_PART) {
    out[pos] = SOP_BASE;
    return pos + 1;
  }
  const valueStart = pos + 2;
  if (valueStart >= limit) return -1;
  const end = write(value, out, valueStart, Math.min(limit, valueStart + 0xff));
  // A written value is never empty, so the one length byte is 1..255.
  if (end <= valueStart) return -1;
  out[pos] = SOP_BASE + 1;
  out[pos + 1] = end - valueStart;
  return end;
}

/** The end-of-chain byte as a piece; shared, never written to. */
const EOC_PIECE = /* @__PURE__ */ Uint8Array.of(EOC);

/**
 * Serialises a chain whose last part is `header` followed by `body`, in
 * three pieces: a fresh array from the prefix to the end of `header`, then
 * `body` itself (not copied), then EOC. Joined, they are exactly what
 * `encodeChain(prefix, [...head, header + body])` writes. This is how a
 * large binary payload reaches a stream transport with no copy.
 *
 * @throws SparrowError `protocol-error` when the prefix is not ASCII.
 */
export function encodeChainPieces(prefix: string, head: readonly ChainPart[], header: Uint8Array, body: Uint8Array): Uint8Array[] {
  const bytes = head.map((part) => (typeof part === 'string' ? textEncoder.encode(part) : part));
  const lastSize = header.length + body.length;
  const out = new Uint8Array(chainHeadSize(prefix, bytes) + 1 + lengthByteCount(lastSize) + header.length);
  let pos = 0;
  for (let k = 0; k < prefix.length; k++) {
    const code = prefix.charCodeAt(k);
    if (code >= 0x80) throw new SparrowError(ErrorCode.ProtocolError, `chain prefix must be ASCII, got ${JSON.stringify(prefix)}`);
    out[pos++] = code;
  }
  for (const part of bytes) {
    pos = writePartHeader(out, pos, part.length);
    out.set(part, pos);
    pos += part.length;
  }
  pos = writePartHeader(out, pos, lastSize);
  out.set(header, pos);
  return [out, body, EOC_PIECE];
}
