/**
 * The chain parser for `binarychain` framing (PROTOCOL.md §1):
 * `PREFIX (SOP LEN DATA)* EOC`, chains back to back, any chunking.
 *
 * One parser for every case: it reads a chunk unit by unit (a prefix
 * letter, a part header, a part's data, EOC) with the chain being read in
 * local variables, so a chain lying whole in one chunk costs no more than a
 * dedicated whole-chain reader did (it replaced one: 56 ns per small chain
 * either way, see the commit). What a chunk leaves unfinished (a part
 * header or a part's data cut by its end) is finished by the next chunk.
 *
 * Browser-safe: Uint8Array only.
 *
 * Limits are checked as soon as the number they bound is known, and always
 * before the memory for a part is allocated, so a hostile length header never
 * makes us allocate. After any error the parser is dead: a byte stream whose
 * framing was wrong once can never be trusted again (the reference stops
 * reading the connection in the same case).
 *
 * Buffer ownership (docs/runtime.md, "Buffer ownership"): a chunk is lent to
 * `push` for the call only. A part under 64 KiB is lent to the sink for its
 * call only (a view of the chunk, or a copy of what an unfinished chain kept
 * past `push`); a part of 64 KiB or more is always memory of its own, never
 * reused: assembled in fresh memory (read straight into, where the
 * transport can), or copied off the chunk it lies in. So the serialisers may
 * hand out views of a large part (a blob reaches the caller with no copy
 * after the socket's) and copy what they decode from a small one.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { LARGE_PART_BYTES, joinChain } from '../wire.ts';
import { platform } from '../platform/platform.ts';

/** Receiver limits (PROTOCOL.md §1, reference transport defaults). */
export interface ChainLimits {
  /** Largest part, in bytes (default 10 MiB). */
  maxPartSize: number;
  /** Largest chain: prefix, part headers and data, in bytes (default 10 MiB). */
  maxChainSize: number;
  /** Most parts in one chain, not counting the prefix (default 10). */
  maxParts: number;
  /**
   * Longest prefix, in bytes (default 64). The reference writes one letter
   * or nothing; a long run of ASCII is garbage, not a prefix.
   */
  maxPrefixLength: number;
}

/** The reference's defaults: 10 MiB part, 10 MiB chain, 10 parts. */
export const DEFAULT_CHAIN_LIMITS: Readonly<ChainLimits> = Object.freeze({
  maxPartSize: 10 << 20,
  maxChainSize: 10 << 20,
  maxParts: 10,
  maxPrefixLength: 64,
});

/** One decoded chain; parts under 64 KiB are valid only while the sink runs (see the module comment). */
export interface Chain {
  /** The ASCII prefix ("" when absent). */
  prefix: string;
  /** The parts, in order. */
  parts: Uint8Array[];
}

/** Receives each complete chain, synchronously, in wire order. Must not throw. */
export type ChainSink = (chain: Chain) => void;

const EOC = 0xff;
const SOP_BASE = 0x80;
const SOP_MAX = 0x88;
const EMPTY_PART = new Uint8Array(0);

/** From this size on a part is memory of its own (see the module comment). */
const OWN_PART_BYTES = LARGE_PART_BYTES;

/** Resolves user-supplied partial limits against the defaults. */
export function resolveChainLimits(limits?: Partial<ChainLimits>): ChainLimits {
  const resolved = { ...DEFAULT_CHAIN_LIMITS, ...limits };
  for (const key in DEFAULT_CHAIN_LIMITS) {
    const value = resolved[key as keyof ChainLimits];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new SparrowError(ErrorCode.Unsupported, `${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  return resolved;
}

/**
 * Stateful chain parser. Feed it bytes with `push`; it calls the sink once
 * per complete chain. What only a guarded link or Node's socket transports
 * read of its state (reading in place, the unfinished chain's size) is
 * {@link WatchedChainDecoder}'s, so a page's bare link does not carry it.
 */
export class ChainDecoder {
  readonly #sink: ChainSink;
  readonly #limits: ChainLimits;
  /** The chunks are never reused (`Transport.freshChunks`): a large part lying in one stays a view of it. */
  readonly #freshChunks: boolean;
  // The chain being read, between chunks.
  #prefix = '';
  #parts: Uint8Array[] = [];
  /** A part header cut by a chunk's end (at most 9 bytes), read again in front of the next chunk. */
  #head: Uint8Array | undefined;
  /** A part header or EOC was read: no more prefix letters. */
  protected inParts = false;
  /** Bytes the chain holds or has declared (part lengths count in full). */
  protected size = 0;
  /** The part being assembled across chunks (undefined when none), and how much of it is filled. */
  protected fill: Uint8Array | undefined;
  protected filled = 0;
  /** The error that killed this parser, if any. */
  protected error: SparrowError | undefined;

  /**
   * @param sink called once per complete chain.
   * @param limits receiver limits; missing fields take the defaults.
   * @param freshChunks the pushed chunks are memory nothing reuses (`Transport.freshChunks`).
   * @throws SparrowError `unsupported` when a limit is not a non-negative integer.
   */
  constructor(sink: ChainSink, limits?: Partial<ChainLimits>, freshChunks = false) {
    this.#sink = sink;
    this.#limits = resolveChainLimits(limits);
    this.#freshChunks = freshChunks;
  }

  /**
   * Reads one chunk, calling the sink for every chain it completes. The
   * chunk is only lent: nothing of it is kept once `push` returns.
   *
   * @throws SparrowError `protocol-error` for a byte that is neither SOP nor
   *   EOC after the prefix; `limit-exceeded` when a part, the chain, the part
   *   count or the prefix breaks its limit. After either, and for every later
   *   call, the parser throws (the first error again).
   */
  push(chunk: Uint8Array): void {
    if (this.error !== undefined) throw this.error;
    if (this.#head !== undefined) {
      // A part header cut by the last chunk's end (rare): read again with this chunk behind it. Joining copies
      // the chunk, so one code path reads every header.
      chunk = joinChain([this.#head, chunk]);
      this.#head = undefined;
    }
    const n = chunk.length;
    const limits = this.#limits;
    // Read once per chunk: the getters are a good part of the cost of a view.
    const buffer = chunk.buffer;
    const base = chunk.byteOffset;
    let i = 0;
    // The chain being read lives in locals while whole units are read, and in the fields while a part
    // is assembled across chunks (a sink must not push into its own parser).
    let prefix = this.#prefix;
    let parts = this.#parts;
    let size = this.size;
    let inParts = this.inParts;
    let filling = this.fill !== undefined;
    try {
      while (i < n) {
        if (filling) {
          this.#parts = parts;
          i = this.#fillPart(chunk, i);
          filling = this.fill !== undefined;
          continue;
        }
        const byte = chunk[i++]!;
        if (byte < SOP_BASE) {
          if (inParts) throw this.#badByte(byte);
          if (prefix.length >= limits.maxPrefixLength) throw this.#tooLarge('chain prefix', limits.maxPrefixLength);
          prefix += String.fromCharCode(byte);
          size++;
          continue;
        }
        if (byte === EOC) {
          const chain: Chain = { prefix, parts };
          prefix = '';
          parts = [];
          size = 0;
          inParts = false;
          this.#sink(chain);
          continue;
        }
        if (byte > SOP_MAX) throw this.#badByte(byte);
        if (parts.length >= limits.maxParts) throw this.#fail(ErrorCode.LimitExceeded, `chain has more than ${limits.maxParts} parts`);
        inParts = true;
        const lengthBytes = byte - SOP_BASE;
        if (i + lengthBytes > n) {
          // The header is cut by the chunk's end: a copy (a Buffer's slice would be a view) is read whole by the next push.
          this.#head = new Uint8Array(chunk.subarray(i - 1));
          break;
        }
        let length = 0;
        for (let k = 0; k < lengthBytes; k++) {
          // Checked on every byte, so the number stays exact (it never grows past maxPartSize * 256 < 2^53).
          length = length * 256 + chunk[i++]!;
          if (length > limits.maxPartSize) throw this.#tooLarge('chain part', limits.maxPartSize);
        }
        size += 1 + lengthBytes + length;
        if (size > limits.maxChainSize) throw this.#tooLarge('chain', limits.maxChainSize);
        if (length === 0) {
          parts.push(EMPTY_PART);
        } else if (n - i >= length) {
          // The usual case: the whole part is in this chunk, a view of it (`new Uint8Array(buffer, …)`
          // rather than subarray, so a Node Buffer chunk still yields a plain Uint8Array); a large one
          // is copied into memory of its own, unless the chunk is (a fresh chunk: a ws or port message).
          parts.push(length < OWN_PART_BYTES || this.#freshChunks ? new Uint8Array(buffer, base + i, length) : chunk.slice(i, i + length));
          i += length;
        } else {
          this.fill = this.allocate(length);
          this.filled = 0;
          filling = true;
        }
      }
    } catch (error) {
      if (this.error === undefined) {
        // The sink threw: the rest of the chunk is lost, so the stream is desynchronised.
        this.error = SparrowError.from(error, ErrorCode.ProtocolError);
        this.#drop();
      }
      throw this.error;
    }
    this.#prefix = prefix;
    this.#parts = parts;
    this.size = size;
    this.inParts = inParts;
    // The chunk is only lent: an unfinished chain keeps copies of the small parts it holds in it
    // (large ones are the parser's own already, see OWN_PART_BYTES).
    for (let k = 0; k < parts.length; k++) if (parts[k]!.length < OWN_PART_BYTES && parts[k]!.buffer === buffer) parts[k] = parts[k]!.slice();
  }

  /** Memory for a part of `length` bytes that spans chunks (WatchedChainDecoder's may be uninitialised). */
  protected allocate(length: number): Uint8Array {
    return new Uint8Array(length);
  }

  /** Copies what `chunk` holds of the part being assembled (nothing, when it was read in place); emits nothing. */
  #fillPart(chunk: Uint8Array, i: number): number {
    const part = this.fill!;
    const take = Math.min(chunk.length - i, part.length - this.filled);
    // Bytes read in place are already where they belong: a chunk in the part's own memory can only be a view
    // of the rest WatchedChainDecoder.spareCapacity offered.
    if (chunk.buffer !== part.buffer) part.set(chunk.subarray(i, i + take), this.filled);
    this.filled += take;
    if (this.filled === part.length) {
      this.fill = undefined;
      this.#parts.push(part);
    }
    return i + take;
  }

  #badByte(byte: number): SparrowError {
    return this.#fail(ErrorCode.ProtocolError, `bad chain byte 0x${byte.toString(16)} where a part or the end of chain belongs`);
  }

  #tooLarge(what: string, limit: number): SparrowError {
    return this.#fail(ErrorCode.LimitExceeded, `${what} larger than ${limit} bytes`);
  }

  #fail(code: ErrorCode, message: string): SparrowError {
    this.error = new SparrowError(code, message);
    this.#drop();
    return this.error;
  }

  #drop(): void {
    this.fill = this.#head = undefined;
    this.#parts = [];
  }
}

/**
 * The chain parser with what a guarded link (link-limits.ts) watches and
 * Node's socket transports use: where the stream is between chains, what
 * the unfinished chain holds, the rest of a large part to read straight
 * into, and uninitialised memory for large parts where the platform allows.
 */
export class WatchedChainDecoder extends ChainDecoder {
  /** The error that killed this parser, if any. */
  get failure(): SparrowError | undefined {
    return this.error;
  }

  /** True when no partial chain is buffered (the stream is at a chain boundary). */
  get idle(): boolean {
    return this.size === 0 && !this.inParts;
  }

  /** Bytes the unfinished chain holds or has reserved (declared part lengths count in full); 0 at a chain boundary. */
  get pendingBytes(): number {
    return this.error === undefined ? this.size : 0;
  }

  /**
   * The unfilled rest of the part being assembled when it is at least
   * `min` bytes long, else undefined. A transport may read the next bytes
   * straight into it and push a view of what it read there: `push` sees
   * they are already in place and does not copy them (a large blob then
   * goes from the socket into the part with no copy in between).
   */
  spareCapacity(min: number): Uint8Array | undefined {
    const fill = this.fill;
    if (fill === undefined || this.error !== undefined || fill.length - this.filled < min) return undefined;
    return fill.subarray(this.filled);
  }

  /**
   * A large part uninitialised where the platform allows (Node: a zero-filled 1 MiB part cost a memset per
   * blob, and the blob bench ran 1.2-1.3 GB/s instead of 1.5-1.7); safe, as a part is handed out only once
   * every byte of it has been written.
   */
  protected override allocate(length: number): Uint8Array {
    return length < OWN_PART_BYTES ? new Uint8Array(length) : platform().allocateUninitialised(length);
  }
}

/**
 * Creates a chain parser.
 *
 * @throws SparrowError `unsupported` for an invalid limit. Its `push` throws
 *   `protocol-error` and `limit-exceeded` (see ChainDecoder.push).
 */
export function createChainDecoder(sink: ChainSink, limits?: Partial<ChainLimits>): ChainDecoder {
  return new ChainDecoder(sink, limits);
}
