/**
 * Incremental decoder for `binarychain` framing (PROTOCOL.md §1):
 * `PREFIX (SOP LEN DATA)* EOC`, chains back to back, any chunking.
 *
 * Browser-safe: Uint8Array only.
 *
 * Limits are checked as soon as the number they bound is known, and always
 * before the memory for a part is allocated, so a hostile length header never
 * makes us allocate. After any error the decoder is dead: a byte stream whose
 * framing was wrong once can never be trusted again (the reference stops
 * reading the connection in the same case).
 *
 * Lifetime rule for parts: a part lying wholly inside the chunk passed to
 * `push` is handed to `onChain` as a *view* of that chunk (no copy). Such a
 * view is valid only until `onChain` returns, because the transport may
 * reuse the chunk's memory after `push` returns. A chain that spans chunks
 * has its earlier parts copied when the chunk ends, so every part handed
 * out is valid for at least the duration of the `onChain` call. Copy what
 * you keep (the envelope codec decodes synchronously and copies binary
 * values, so messages never alias transport memory).
 *
 * Exception: a part the decoder allocated itself (assembled across chunks,
 * or copied off a chunk) is owned by the chain and never reused; its bit in
 * `Chain.owned` is set, and decoders may hand out views of it instead of a
 * second copy (a 1 MiB blob is then copied once, from the socket chunks into
 * the part, instead of twice).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
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
  maxPartSize: 10 * 1024 * 1024,
  maxChainSize: 10 * 1024 * 1024,
  maxParts: 10,
  maxPrefixLength: 64,
});

/** One decoded chain. */
export interface Chain {
  /** The ASCII prefix ("" when absent). */
  prefix: string;
  /** The parts, in order; see the lifetime rule in this module's comment. */
  parts: Uint8Array[];
  /**
   * Bit k set when `parts[k]` is owned by this chain (allocated by the
   * decoder, never reused by the transport), so views of it may be kept.
   * Absent or 0: every part may alias transport memory. Parts past 30 never
   * have a bit.
   */
  owned?: number;
}

/**
 * From this size on, a part inside a chunk the transport hands over for
 * good (`push(chunk, true)`) counts as owned. Smaller ones stay unowned, so a small decoded binary
 * value is a copy and never keeps a whole read buffer alive.
 */
const OWNED_VIEW_BYTES = 64 * 1024;

/** The largest part index with a bit in `Chain.owned`. */
const MAX_OWNED_BIT = 30;

/** Receives each complete chain, synchronously, in wire order. Must not throw. */
export type ChainSink = (chain: Chain) => void;

const EOC = 0xff;
const SOP_BASE = 0x80;
const SOP_MAX = 0x88;

// Decoder states.
const S_PREFIX = 0;
const S_SOP = 1;
const S_LENGTH = 2;
const S_DATA = 3;

const EMPTY_PART = new Uint8Array(0);

/** From this size on a part is allocated uninitialised where the platform allows (see allocatePart). */
const UNINITIALISED_PART_BYTES = 64 * 1024;

/**
 * Memory for a part that spans chunks. A large one is uninitialised where
 * the platform allows (Node: a zero-filled 1 MiB part cost a memset per
 * blob, and the blob bench ran 1.2-1.3 GB/s instead of 1.5-1.7): safe,
 * because a part is handed out only once every byte of it has been
 * written. A plain Uint8Array either way.
 */
function allocatePart(size: number): Uint8Array {
  return size < UNINITIALISED_PART_BYTES ? new Uint8Array(size) : platform().allocateUninitialised(size);
}

/** Resolves user-supplied partial limits against the defaults. */
export function resolveChainLimits(limits?: Partial<ChainLimits>): ChainLimits {
  const resolved = { ...DEFAULT_CHAIN_LIMITS, ...limits };
  for (const key of ['maxPartSize', 'maxChainSize', 'maxParts', 'maxPrefixLength'] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new SparrowError(ErrorCode.Unsupported, `chain limit ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  return resolved;
}

/**
 * Stateful chain decoder. Feed it bytes with `push`; it calls the sink once
 * per complete chain.
 */
export class ChainDecoder {
  private readonly sink: ChainSink;
  private readonly limits: ChainLimits;

  private state = S_PREFIX;
  private prefix = '';
  private parts: Uint8Array[] = [];
  /** `Chain.owned` of the chain being read. */
  private owned = 0;
  private chainSize = 0;
  /** Length bytes still to read (S_LENGTH). */
  private lengthBytesLeft = 0;
  /** Part length being read (S_LENGTH) or of the part being filled (S_DATA). */
  private partLength = 0;
  /** The part being filled across chunks (S_DATA), and how much of it is filled. */
  private partBuffer: Uint8Array = EMPTY_PART;
  private partFilled = 0;
  private error: SparrowError | undefined;

  /**
   * @param sink called once per complete chain.
   * @param limits receiver limits; missing fields take the defaults.
   * @throws SparrowError `unsupported` when a limit is not a non-negative integer.
   */
  constructor(sink: ChainSink, limits?: Partial<ChainLimits>) {
    this.sink = sink;
    this.limits = resolveChainLimits(limits);
  }

  /** The error that killed this decoder, if any. */
  get failure(): SparrowError | undefined {
    return this.error;
  }

  /** True when no partial chain is buffered (the stream is at a chain boundary). */
  get idle(): boolean {
    return this.state === S_PREFIX && this.prefix === '' && this.parts.length === 0;
  }

  /** Bytes the unfinished chain holds or has reserved (declared part lengths count in full); 0 at a chain boundary. */
  get pendingBytes(): number {
    return this.error === undefined ? this.chainSize : 0;
  }

  /**
   * The unfilled rest of the part being assembled when it is at least
   * `min` bytes long, else undefined. A transport may read the next bytes
   * straight into it and push a view of what it read there: `push` sees
   * they are already in place and does not copy them (a large blob then
   * goes from the socket into its final array with no copy in between).
   */
  spareCapacity(min: number): Uint8Array | undefined {
    if (this.state !== S_DATA || this.error !== undefined || this.partLength - this.partFilled < min) return undefined;
    return this.partBuffer.subarray(this.partFilled);
  }

  /**
   * Decodes one chunk, calling the sink for every chain it completes.
   * `owned`: the transport never reuses or changes the chunk's memory (a
   * fresh array per message or read), so a large part lying inside it is
   * handed out as an owned view (`Chain.owned`) instead of being copied.
   *
   * @throws SparrowError `protocol-error` for a byte that is neither SOP nor
   *   EOC after the prefix; `limit-exceeded` when a part, the chain, the part
   *   count or the prefix breaks its limit. After either, and for every later
   *   call, the decoder throws (the first error again).
   */
  push(chunk: Uint8Array, owned = false): void {
    if (this.error !== undefined) throw this.error;
    const length = chunk.length;
    // Read once per chunk: the getter is a good part of the cost of a view.
    const buffer = chunk.buffer;
    const base = chunk.byteOffset;
    let i = 0;
    try {
      while (i < length) {
        if (this.state === S_PREFIX && this.chainSize === 0) {
          // At a chain boundary: a chain lying whole in this chunk is read in one go.
          const next = this.readWholeChain(chunk, i, buffer, base, owned);
          if (next > 0) {
            i = next;
            continue;
          }
        }
        switch (this.state) {
          case S_PREFIX: {
            const byte = chunk[i]!;
            if (byte >= 0x80) {
              this.state = S_SOP;
              break; // reprocess this byte as SOP/EOC
            }
            if (this.prefix.length >= this.limits.maxPrefixLength) {
              throw this.fail(ErrorCode.LimitExceeded, `chain prefix longer than ${this.limits.maxPrefixLength} bytes`);
            }
            this.prefix += String.fromCharCode(byte);
            this.chainSize++;
            i++;
            break;
          }
          case S_SOP: {
            const byte = chunk[i++]!;
            if (byte === EOC) {
              this.emit();
              break;
            }
            if (byte < SOP_BASE || byte > SOP_MAX) {
              throw this.fail(ErrorCode.ProtocolError, `bad chain byte 0x${byte.toString(16).padStart(2, '0')} where a part or the end of chain was expected`);
            }
            if (this.parts.length >= this.limits.maxParts) {
              throw this.fail(ErrorCode.LimitExceeded, `chain has more than ${this.limits.maxParts} parts`);
            }
            const lengthBytes = byte - SOP_BASE;
            this.grow(1 + lengthBytes);
            if (lengthBytes === 0) {
              this.parts.push(EMPTY_PART);
            } else {
              this.lengthBytesLeft = lengthBytes;
              this.partLength = 0;
              this.state = S_LENGTH;
            }
            break;
          }
          case S_LENGTH: {
            // Big-endian; the limit check on every byte keeps the number exact
            // (it never grows past maxPartSize * 256 < 2^53).
            this.partLength = this.partLength * 256 + chunk[i++]!;
            if (this.partLength > this.limits.maxPartSize) {
              throw this.fail(ErrorCode.LimitExceeded, `chain part larger than ${this.limits.maxPartSize} bytes`);
            }
            if (--this.lengthBytesLeft > 0) break;
            const partLength = this.partLength;
            this.grow(partLength);
            if (partLength === 0) {
              this.parts.push(EMPTY_PART);
              this.state = S_SOP;
            } else if (length - i >= partLength) {
              // Hot path: the whole part is in this chunk; hand out a view.
              // `new Uint8Array(buffer, …)` rather than subarray, so a Node
              // Buffer chunk still yields a plain Uint8Array.
              // A large part of a chunk the transport never reuses is kept as it is: no copy, now or later.
              if (owned && partLength >= OWNED_VIEW_BYTES) this.markOwned(this.parts.length);
              this.parts.push(new Uint8Array(buffer, base + i, partLength));
              i += partLength;
              this.state = S_SOP;
            } else {
              this.partBuffer = allocatePart(partLength);
              this.partFilled = 0;
              this.state = S_DATA;
            }
            break;
          }
          default: {
            // S_DATA: fill a part that spans chunks.
            const wanted = this.partLength - this.partFilled;
            const available = length - i;
            const take = available < wanted ? available : wanted;
            const part = this.partBuffer;
            // Bytes read in place (see spareCapacity) are already where they belong.
            if (chunk.buffer !== part.buffer || chunk.byteOffset + i !== part.byteOffset + this.partFilled) {
              part.set(chunk.subarray(i, i + take), this.partFilled);
            }
            this.partFilled += take;
            i += take;
            if (this.partFilled === this.partLength) {
              this.markOwned(this.parts.length);
              this.parts.push(this.partBuffer);
              this.partBuffer = EMPTY_PART;
              this.state = S_SOP;
            }
          }
        }
      }
    } catch (error) {
      if (this.error === undefined) {
        // The sink threw: the rest of the chunk is lost, so the stream is desynchronised.
        this.error = SparrowError.from(error, ErrorCode.ProtocolError);
      }
      throw this.error;
    }
    this.detachViews(chunk);
  }

  /**
   * The hot path: reads the chain starting at `start` when it lies wholly in
   * `chunk` with at most a one-letter prefix, and hands it to the sink with
   * parts as views. Returns the index after its EOC, or -1 (nothing consumed,
   * nothing changed) for anything else, incomplete or wrong, which the state
   * machine then reads byte by byte and reports exactly.
   */
  private readWholeChain(chunk: Uint8Array, start: number, buffer: ArrayBufferLike, base: number, chunkOwned: boolean): number {
    const length = chunk.length;
    const limits = this.limits;
    let i = start;
    let prefix = '';
    if (chunk[i]! < 0x80) {
      if (limits.maxPrefixLength < 1 || i + 1 >= length || chunk[i + 1]! < 0x80) return -1;
      prefix = String.fromCharCode(chunk[i++]!);
    }
    let size = prefix.length;
    let owned = 0;
    const parts: Uint8Array[] = [];
    for (;;) {
      if (i >= length) return -1;
      const byte = chunk[i++]!;
      if (byte === EOC) break;
      if (byte < SOP_BASE || byte > SOP_MAX || parts.length >= limits.maxParts) return -1;
      const lengthBytes = byte - SOP_BASE;
      if (i + lengthBytes > length) return -1;
      let partLength = 0;
      for (let k = 0; k < lengthBytes; k++) partLength = partLength * 256 + chunk[i++]!;
      size += 1 + lengthBytes + partLength;
      if (partLength > limits.maxPartSize || size > limits.maxChainSize || i + partLength > length) return -1;
      // As in the state machine: a large part of a chunk the transport never reuses is kept as it is.
      if (chunkOwned && partLength >= OWNED_VIEW_BYTES && parts.length <= MAX_OWNED_BIT) owned |= 1 << parts.length;
      parts.push(partLength === 0 ? EMPTY_PART : new Uint8Array(buffer, base + i, partLength));
      i += partLength;
    }
    this.sink({ prefix, parts, owned });
    return i;
  }

  private grow(bytes: number): void {
    this.chainSize += bytes;
    if (this.chainSize > this.limits.maxChainSize) {
      throw this.fail(ErrorCode.LimitExceeded, `chain larger than ${this.limits.maxChainSize} bytes`);
    }
  }

  private emit(): void {
    const chain: Chain = { prefix: this.prefix, parts: this.parts, owned: this.owned };
    // Reset before calling out, so the decoder is consistent whatever the sink does.
    this.prefix = '';
    this.parts = [];
    this.owned = 0;
    this.chainSize = 0;
    this.state = S_PREFIX;
    this.sink(chain);
  }

  /** Copies views of `chunk` held by an unfinished chain, since the chunk may be reused once push returns. */
  private detachViews(chunk: Uint8Array): void {
    const parts = this.parts;
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!;
      // An owned part may share the chunk's memory only because the chunk was read into it.
      if (k <= MAX_OWNED_BIT && (this.owned & (1 << k)) !== 0) continue;
      if (part.buffer === chunk.buffer && part.length > 0 && part !== this.partBuffer) {
        parts[k] = part.slice();
        this.markOwned(k);
      }
    }
  }

  private markOwned(index: number): void {
    if (index <= MAX_OWNED_BIT) this.owned |= 1 << index;
  }

  private fail(code: ErrorCode, message: string): SparrowError {
    this.error = new SparrowError(code, message);
    this.partBuffer = EMPTY_PART;
    this.parts = [];
    this.owned = 0;
    return this.error;
  }
}

/**
 * Creates a chain decoder.
 *
 * @throws SparrowError `unsupported` for an invalid limit. The decoder's
 *   `push` throws `protocol-error` and `limit-exceeded` (see ChainDecoder.push).
 */
export function createChainDecoder(sink: ChainSink, limits?: Partial<ChainLimits>): ChainDecoder {
  return new ChainDecoder(sink, limits);
}
