/**
 * Writes one whole chain (PROTOCOL.md §1) into one buffer with one
 * allocation: sizes are computed first, then prefix, part headers and data
 * are written in place. Lengths use the minimal number of length bytes.
 * This is the general path every chain can take; the faster writers Node
 * installs (chain-writers.ts) write the same bytes for the shapes they take.
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

export const EOC = 0xff;
export const SOP_BASE = 0x80;
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
  // Text that is not ASCII is encoded first; ASCII text (the usual JSON) goes straight into the chain.
  const bytes = parts.map((part) => (typeof part === 'string' && NON_ASCII.test(part) ? textEncoder.encode(part) : part));
  let total = prefix.length + 1;
  for (const part of bytes) total += 1 + lengthByteCount(part.length) + part.length;
  const out = new Uint8Array(total);
  let pos = writePrefix(out, 0, prefix);
  for (const part of bytes) {
    pos = writePartHeader(out, pos, part.length);
    if (typeof part === 'string') textEncoder.encodeInto(part, out.subarray(pos));
    else out.set(part, pos);
    pos += part.length;
  }
  out[pos] = EOC;
  return out;
}

/** Writes the SOP header of a part of `size` bytes at `out[pos]`; returns the position after it. */
export function writePartHeader(out: Uint8Array, pos: number, size: number): number {
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

/**
 * Writes the ASCII `prefix` at `out[pos]`; returns the position after it.
 *
 * @throws SparrowError `protocol-error` when the prefix is not ASCII.
 */
export function writePrefix(out: Uint8Array, pos: number, prefix: string): number {
  for (let k = 0; k < prefix.length; k++) {
    const code = prefix.charCodeAt(k);
    if (code >= 0x80) throw new SparrowError(ErrorCode.ProtocolError, `chain prefix must be ASCII, got ${JSON.stringify(prefix)}`);
    out[pos++] = code;
  }
  return pos;
}

/** A zero-length part among a message's payload values (the codec's "no params" before a callback part). */
export const EMPTY_PART: unique symbol = Symbol('empty-part');
