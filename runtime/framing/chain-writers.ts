/**
 * The faster chain writers (Node installs them, with the envelope codec's
 * framer, envelope/fast-frame.ts): each writes exactly the bytes
 * `encodeChain` would for the shapes it takes, with fewer copies.
 *
 * - `encodeSmallChain`: a chain of small parts straight into a link's slab;
 * - `finishChainInPlace`: the head in front of a payload packed with headroom;
 * - `encodeChainPieces`: a large binary payload as its own piece, uncopied.
 *
 * Browser-safe (Uint8Array and TextEncoder), but a browser page leaves them
 * out unless it installs the framer.
 */
import { EMPTY_PART, EOC, SOP_BASE, lengthByteCount, writePartHeader, writePrefix, type ChainPart } from './chain-encoder.ts';

const textEncoder = new TextEncoder();

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
  let pos = writePrefix(out, chainStart, prefix);
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
  let pos = writePrefix(out, start, prefix);
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
  let pos = writePrefix(out, 0, prefix);
  for (const part of bytes) {
    pos = writePartHeader(out, pos, part.length);
    out.set(part, pos);
    pos += part.length;
  }
  pos = writePartHeader(out, pos, lastSize);
  out.set(header, pos);
  return [out, body, EOC_PIECE];
}
