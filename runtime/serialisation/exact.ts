/**
 * Values the msgpack and CBOR libraries would send differently from how
 * they were given (docs/interop.md, "Value rules"), and the small exact
 * encoders that write those few values instead.
 *
 * msgpackr and cbor-x write an integral number beyond 32 bits as a float64,
 * −0 as the integer 0, a lone surrogate as invalid UTF-8 (which kills a
 * Python reader), and cbor-x writes `undefined` as `f7` (cbor2's
 * `undefined`, not None). A schema float that is integral comes marked as a
 * `WireFloat` (values.ts), which only these encoders write (as a float64).
 * Binary values other than a Uint8Array (another typed array, a DataView,
 * an ArrayBuffer) travel as their bytes, as JSON's switch to msgpack already
 * treats them: msgpackr writes another typed array's elements cut to bytes
 * followed by stale memory, and a DataView as no bytes at all; cbor-x tags
 * typed arrays (RFC 8746), which Python's cbor2 does not read as bytes.
 * `needsExactEncoding` spots such a value with one walk; only then is the
 * value written by `encodeExactMsgpack` / `encodeExactCbor`, which write every other value byte for byte as the
 * library would, so ordinary traffic (and every captured vector) is unchanged.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { isWireFloat } from '../values.ts';
// The walks' one depth bound: the walk leaves deeper nesting to the library (which reports cycles its own way), the writers refuse it.
import { MAX_WALK_DEPTH, bytesOf } from './bytes.ts';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const textEncoder = new TextEncoder();

type WellFormed = { isWellFormed?(): boolean };
/** Whether the engine has String.prototype.isWellFormed (Node 20 does), looked up once rather than per string. */
const HAS_WELL_FORMED = typeof (String.prototype as WellFormed).isWellFormed === 'function';

/** True when `text` holds a lone surrogate (which has no UTF-8 form). */
export function hasLoneSurrogate(text: string): boolean {
  return HAS_WELL_FORMED ? !(text as WellFormed).isWellFormed!() : LONE_SURROGATE.test(text);
}

/** True when `value` is an integral number the libraries would write as a float: beyond 32 bits, within ±(2^53 − 1). */
export function isWideInteger(value: number): boolean {
  return (value > 0xffffffff || value < -0x80000000) && Number.isInteger(value) && value <= MAX_SAFE && value >= -MAX_SAFE;
}

/**
 * True when `value` holds something msgpackr (or, with `cbor`, cbor-x)
 * would not write as given: a wide integer, −0, a lone surrogate, a
 * `WireFloat`, a binary value other than a Uint8Array, or (CBOR) `undefined`.
 */
export function needsExactEncoding(value: unknown, cbor: boolean): boolean {
  return walk(value, cbor, 0);
}

function walk(value: unknown, cbor: boolean, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      // Most numbers are int32: only -0 among them needs the exact encoder.
      if ((value | 0) === value) return value === 0 && 1 / value < 0;
      return isWideInteger(value);
    case 'string':
      return hasLoneSurrogate(value);
    case 'undefined':
      return cbor;
    case 'object': {
      if (value === null || depth > MAX_WALK_DEPTH) return false;
      // A view other than a Uint8Array (a Buffer is one) travels as its bytes, which only the exact writers write
      // (see the module comment); the libraries write an ArrayBuffer right, and the exact writers do too.
      if (ArrayBuffer.isView(value)) return !(value instanceof Uint8Array);
      if (isWireFloat(value)) return true;
      if (Array.isArray(value)) {
        for (let k = 0; k < value.length; k++) if (walk(value[k], cbor, depth + 1)) return true;
        return false;
      }
      if (value instanceof Map) {
        for (const [key, item] of value) if (walk(key, cbor, depth + 1) || walk(item, cbor, depth + 1)) return true;
        return false;
      }
      if (value instanceof Set) {
        for (const item of value) if (walk(item, cbor, depth + 1)) return true;
        return false;
      }
      const record = value as Record<string, unknown>;
      for (const key in record) if (walk(record[key], cbor, depth + 1) || hasLoneSurrogate(key)) return true;
      return false;
    }
    default:
      return false;
  }
}

/** A growable big-endian byte buffer. */
class Writer {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  pos = 0;
  /** An encode is writing into it (see encodeWith). */
  busy = false;

  /** A fresh small buffer. */
  reset(): void {
    this.bytes = new Uint8Array(256);
    this.view = new DataView(this.bytes.buffer);
    this.pos = 0;
  }

  room(size: number): void {
    if (this.pos + size <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + size));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u8(byte: number): void {
    this.room(1);
    this.bytes[this.pos++] = byte;
  }
  /** A head byte then `size` (1, 2, 4 or 8) big-endian bytes of `n`. */
  head(first: number, size: 0 | 1 | 2 | 4 | 8, n: number | bigint): void {
    this.room(1 + size);
    this.bytes[this.pos++] = first;
    if (size === 1) this.view.setUint8(this.pos, Number(n));
    else if (size === 2) this.view.setUint16(this.pos, Number(n));
    else if (size === 4) this.view.setUint32(this.pos, Number(n));
    else if (size === 8) this.view.setBigUint64(this.pos, BigInt.asUintN(64, BigInt(n)));
    this.pos += size;
  }
  float64(first: number, value: number): void {
    this.room(9);
    this.bytes[this.pos++] = first;
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }
  raw(data: Uint8Array): void {
    this.room(data.length);
    this.bytes.set(data, this.pos);
    this.pos += data.length;
  }
  /**
   * `text` as UTF-8 after its length head (`writeHead(this, byteLength)`).
   * Short ASCII text (keys, most values) is written byte by byte: a
   * TextEncoder call per string was 22 % of a stream server's CPU, its
   * items `{i, v}` all coming here for their schema float (WireFloat).
   */
  text(text: string, writeHead: (out: Writer, byteLength: number) => void): void {
    const length = text.length;
    if (length <= ASCII_TEXT) {
      let k = 0;
      while (k < length && text.charCodeAt(k) < 0x80) k++;
      if (k === length) {
        writeHead(this, length);
        this.room(length);
        const bytes = this.bytes;
        let pos = this.pos;
        for (k = 0; k < length; k++) bytes[pos++] = text.charCodeAt(k);
        this.pos = pos;
        return;
      }
    }
    const bytes = textEncoder.encode(text);
    writeHead(this, bytes.length);
    this.raw(bytes);
  }
  /** The bytes written so far, then empty for the next value (the buffer is kept: valid until the next encode, as Serialiser.encode allows). */
  take(): Uint8Array {
    const written = this.bytes.subarray(0, this.pos);
    this.pos = 0;
    return written;
  }
}

/** Text up to this length is checked for ASCII and written byte by byte. */
const ASCII_TEXT = 64;

/**
 * One writer per encoder, reused: what an encode returns is valid until the
 * next encode with the same serialiser (as `Serialiser.encode` allows). A
 * nested encode (a getter that encodes) gets a fresh writer.
 */
const msgpackWriter = new Writer();
const cborWriter = new Writer();

/** Runs `write` into `shared` (or a fresh writer when it is busy) and returns what it wrote. */
function encodeWith(shared: Writer, value: unknown, write: (out: Writer, value: unknown, depth: number) => void): Uint8Array {
  if (shared.busy) {
    const out = new Writer();
    write(out, value, 0);
    return out.take();
  }
  shared.busy = true;
  try {
    write(shared, value, 0);
    return shared.take();
  } finally {
    shared.busy = false;
    shared.pos = 0;
    // One huge value must not pin its buffer for good (the view handed out keeps it while it is used).
    if (shared.bytes.length > SHARED_KEEP_BYTES) shared.reset();
  }
}

/** A reused writer keeps a buffer up to this size between encodes. */
const SHARED_KEEP_BYTES = 64 * 1024;

/** The items of an array, or of a Set (in order); undefined for anything else. */
function listItems(value: object): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : value instanceof Set ? [...value] : undefined;
}

function refuse(what: string): never {
  throw new SparrowError(ErrorCode.SerialisationError, `cannot encode ${what}`);
}

/**
 * Writes a plain object or a Map, for both encoders: the head for its
 * entry count (`writeHead(out, count)`), then each key and value.
 */
function writeEntries(out: Writer, value: object, depth: number, writeHead: (out: Writer, count: number) => void, write: (out: Writer, value: unknown, depth: number) => void): void {
  if (value instanceof Map) {
    writeHead(out, value.size);
    for (const [key, item] of value as Map<unknown, unknown>) {
      write(out, key, depth);
      write(out, item, depth);
    }
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) refuse(`a ${value.constructor?.name ?? 'class'} instance`);
  const keys = Object.keys(value);
  writeHead(out, keys.length);
  for (const key of keys) {
    write(out, key, depth);
    write(out, (value as Record<string, unknown>)[key], depth);
  }
}

/**
 * Writes `value` as msgpack the way Python's msgpack does for the values
 * `needsExactEncoding` flags: integers as (u)int of the smallest width
 * (positive ones unsigned), −0 as float64, text as UTF-8 with lone
 * surrogates replaced by U+FFFD (as TextEncoder does); everything else as
 * msgpackr would.
 *
 * @throws SparrowError `serialisation-error` for values msgpack cannot carry.
 */
export function encodeExactMsgpack(value: unknown): Uint8Array {
  return encodeWith(msgpackWriter, value, writeMsgpack);
}

function writeMsgpack(out: Writer, value: unknown, depth: number): void {
  if (depth > MAX_WALK_DEPTH) refuse('a value nested this deep');
  switch (typeof value) {
    case 'undefined':
      return out.u8(0xc0);
    case 'boolean':
      return out.u8(value ? 0xc3 : 0xc2);
    case 'number':
      if (!Number.isInteger(value) || Object.is(value, -0) || value > MAX_SAFE || value < -MAX_SAFE) return out.float64(0xcb, value);
      return msgpackInteger(out, value);
    case 'bigint':
      if (value > 0xffffffffffffffffn || value < -(2n ** 63n)) refuse('an integer beyond 64 bits as msgpack');
      return msgpackInteger(out, value >= -0x80000000n && value <= 0xffffffffn ? Number(value) : value);
    case 'string':
      return out.text(value, msgpackStringHead);
    case 'object': {
      if (value === null) return out.u8(0xc0);
      if (isWireFloat(value)) return out.float64(0xcb, value.value);
      const bytes = bytesOf(value);
      if (bytes !== undefined) {
        const n = bytes.length;
        if (n < 0x100) out.head(0xc4, 1, n);
        else if (n < 0x10000) out.head(0xc5, 2, n);
        else out.head(0xc6, 4, n);
        return out.raw(bytes);
      }
      // A Set as an array, as msgpackr writes one.
      const items = listItems(value);
      if (items !== undefined) {
        const n = items.length;
        if (n < 16) out.u8(0x90 | n);
        else if (n < 0x10000) out.head(0xdc, 2, n);
        else out.head(0xdd, 4, n);
        for (const item of items) writeMsgpack(out, item, depth + 1);
        return;
      }
      return writeEntries(out, value, depth + 1, msgpackMapHead, writeMsgpack);
    }
    default:
      return refuse(`a ${typeof value} as msgpack`);
  }
}

function msgpackStringHead(out: Writer, n: number): void {
  if (n < 32) out.u8(0xa0 | n);
  else if (n < 0x100) out.head(0xd9, 1, n);
  else if (n < 0x10000) out.head(0xda, 2, n);
  else out.head(0xdb, 4, n);
}

function msgpackMapHead(out: Writer, n: number): void {
  if (n < 16) out.u8(0x80 | n);
  else if (n < 0x10000) out.head(0xde, 2, n);
  else out.head(0xdf, 4, n);
}

function msgpackInteger(out: Writer, n: number | bigint): void {
  if (typeof n === 'bigint') return n >= 0n ? out.head(0xcf, 8, n) : out.head(0xd3, 8, n);
  if (n >= 0) {
    if (n < 0x80) return out.u8(n);
    if (n < 0x100) return out.head(0xcc, 1, n);
    if (n < 0x10000) return out.head(0xcd, 2, n);
    if (n <= 0xffffffff) return out.head(0xce, 4, n);
    return out.head(0xcf, 8, n);
  }
  if (n >= -0x20) return out.u8(0x100 + n);
  if (n >= -0x80) return out.head(0xd0, 1, n + 0x100);
  if (n >= -0x8000) return out.head(0xd1, 2, n + 0x10000);
  if (n >= -0x80000000) return out.head(0xd2, 4, n + 0x100000000);
  return out.head(0xd3, 8, n);
}

/**
 * Writes `value` as CBOR the way cbor2 does for the values
 * `needsExactEncoding` flags: integers as major type 0/1 of the smallest
 * width, −0 as float64, `undefined` as null (`f6`), text as UTF-8 with lone
 * surrogates replaced by U+FFFD; everything else as cbor-x would.
 *
 * @throws SparrowError `serialisation-error` for values CBOR cannot carry here.
 */
export function encodeExactCbor(value: unknown): Uint8Array {
  return encodeWith(cborWriter, value, writeCbor);
}

/** Major type `major` with argument `n` in its shortest form. */
function cborHead(out: Writer, major: number, n: number | bigint): void {
  const type = major << 5;
  if (typeof n === 'bigint') return out.head(type | 27, 8, n);
  if (n < 24) return out.u8(type | n);
  if (n < 0x100) return out.head(type | 24, 1, n);
  if (n < 0x10000) return out.head(type | 25, 2, n);
  if (n <= 0xffffffff) return out.head(type | 26, 4, n);
  return out.head(type | 27, 8, n);
}

function cborTextHead(out: Writer, n: number): void {
  cborHead(out, 3, n);
}

function cborMapHead(out: Writer, n: number): void {
  cborHead(out, 5, n);
}

function writeCbor(out: Writer, value: unknown, depth: number): void {
  if (depth > MAX_WALK_DEPTH) refuse('a value nested this deep');
  switch (typeof value) {
    case 'undefined':
      return out.u8(0xf6);
    case 'boolean':
      return out.u8(value ? 0xf5 : 0xf4);
    case 'number':
      if (!Number.isInteger(value) || Object.is(value, -0) || value > MAX_SAFE || value < -MAX_SAFE) return out.float64(0xfb, value);
      return value >= 0 ? cborHead(out, 0, value) : cborHead(out, 1, -1 - value);
    case 'bigint':
      if (value > 0xffffffffffffffffn || value < -(2n ** 64n)) refuse('an integer beyond 64 bits as CBOR');
      if (value >= 0n) return cborHead(out, 0, value <= 0xffffffffn ? Number(value) : value);
      return cborHead(out, 1, value >= -0x100000000n ? Number(-1n - value) : -1n - value);
    case 'string':
      return out.text(value, cborTextHead);
    case 'object': {
      if (value === null) return out.u8(0xf6);
      if (isWireFloat(value)) return out.float64(0xfb, value.value);
      const bytes = bytesOf(value);
      if (bytes !== undefined) {
        cborHead(out, 2, bytes.length);
        return out.raw(bytes);
      }
      // A Set as tag 258 around an array, as cbor-x writes one (cbor2 reads a set).
      const items = listItems(value);
      if (items !== undefined) {
        if (value instanceof Set) cborHead(out, 6, 258);
        cborHead(out, 4, items.length);
        for (const item of items) writeCbor(out, item, depth + 1);
        return;
      }
      return writeEntries(out, value, depth + 1, cborMapHead, writeCbor);
    }
    default:
      return refuse(`a ${typeof value} as CBOR`);
  }
}
