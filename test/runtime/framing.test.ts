import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { ChainDecoder, DEFAULT_CHAIN_LIMITS, WatchedChainDecoder, type Chain, type ChainLimits } from '../../runtime/framing/chain-decoder.ts';
import { encodeChain as encodeChainDirect, lengthByteCount } from '../../runtime/framing/chain-encoder.ts';
import { encodeChainPieces } from '../../runtime/framing/chain-writers.ts';
import { chainLength, joinChain } from '../../runtime/wire.ts';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import { fromHex, loadVectors, toHex } from '../helpers/vectors.ts';

/** Decodes `chunks` in order, returning copies of every chain (parts may be views). */
function decodeAll(chunks: Uint8Array[], limits?: Partial<ChainLimits>): { prefix: string; parts: string[] }[] {
  const out: { prefix: string; parts: string[] }[] = [];
  const decoder = new WatchedChainDecoder((chain: Chain) => out.push({ prefix: chain.prefix, parts: chain.parts.map(toHex) }), limits);
  for (const chunk of chunks) decoder.push(chunk);
  assert.equal(decoder.idle, true, 'decoder left a partial chain');
  return out;
}

/** Parses a chain by hand for the expectation (a second, naive implementation). */
function naiveParse(bytes: Uint8Array): { prefix: string; parts: string[] } {
  let i = 0;
  let prefix = '';
  while (bytes[i]! < 0x80) prefix += String.fromCharCode(bytes[i++]!);
  const parts: string[] = [];
  for (;;) {
    const sop = bytes[i++]!;
    if (sop === 0xff) break;
    let length = 0;
    for (let n = 0; n < sop - 0x80; n++) length = length * 256 + bytes[i++]!;
    parts.push(toHex(bytes.subarray(i, i + length)));
    i += length;
  }
  assert.equal(i, bytes.length);
  return { prefix, parts };
}

/** Splits a chunk while reusing one scratch buffer per piece, as a transport may. */
function reusedChunks(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    pieces.push(bytes.slice(at, at + size));
    at += size;
  }
  if (at < bytes.length) pieces.push(bytes.slice(at));
  return pieces;
}

const allChains = loadVectors().flatMap((vector) => vector.chains.map((chain) => ({ name: vector.name, bytes: chain.bytes })));

describe('chain encoder', () => {
  it('writes minimal length headers', () => {
    assert.equal(lengthByteCount(0), 0);
    assert.equal(lengthByteCount(1), 1);
    assert.equal(lengthByteCount(255), 1);
    assert.equal(lengthByteCount(256), 2);
    assert.equal(lengthByteCount(65535), 2);
    assert.equal(lengthByteCount(65536), 3);
    assert.equal(lengthByteCount(2 ** 32), 5);
    assert.equal(toHex(encodeChainDirect('', [])), 'ff');
    assert.equal(toHex(encodeChainDirect('j', [new Uint8Array(0)])), '6a80ff');
    assert.equal(toHex(encodeChainDirect('', [new Uint8Array(256)])).slice(0, 6), '820100');
    assert.equal(toHex(encodeChainDirect('', [new Uint8Array(70000)])).slice(0, 8), '83011170');
  });

  it('writes text parts as UTF-8, ASCII or not', () => {
    assert.equal(toHex(encodeChainDirect('j', ['"pong"'])), '6a810622706f6e6722ff');
    assert.equal(toHex(encodeChainDirect('', ['"é€"'])), '8107' + '22c3a9e282ac22' + 'ff');
  });

  it('re-encodes every vector chain byte for byte from its parsed parts', () => {
    for (const { name, bytes } of allChains) {
      const parsed = naiveParse(bytes);
      const again = encodeChainDirect(parsed.prefix, parsed.parts.map((hex) => fromHex(hex)));
      assert.equal(toHex(again), toHex(bytes), name);
    }
  });

  it('refuses a non-ASCII prefix', () => {
    assert.throws(() => encodeChainDirect('é', []), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.ProtocolError);
  });
});

describe('chain encoder: pieces', () => {
  it('writes head, the body itself and EOC, which joined are the whole chain', () => {
    // Bodies around the length-byte boundaries of the last part (header + body).
    for (const bodySize of [0, 1, 250, 251, 65_530, 65_531, 0xffff, 0x10000, 0xfffffa, 0xfffffb]) {
      const header = new Uint8Array([0xc6, 1, 2, 3, 4]);
      const body = new Uint8Array(bodySize).fill(0xab);
      for (const [prefix, head] of [['m', [new Uint8Array([0x81, 0xa1, 0x70, 1])]], ['', [new Uint8Array([0x2e, 0x35]), 'm', '{"p": 1}']]] as const) {
        const pieces = encodeChainPieces(prefix, head, header, body);
        assert.equal(pieces.length, 3);
        assert.equal(pieces[1], body, 'the body is handed over, not copied');
        const whole = new Uint8Array(header.length + bodySize);
        whole.set(header);
        whole.set(body, header.length);
        const expected = encodeChainDirect(prefix, [...head, whole]);
        assert.equal(chainLength(pieces), expected.length);
        assert.ok(Buffer.from(joinChain(pieces)).equals(Buffer.from(expected)), `body ${bodySize}`);
      }
    }
  });

  it('refuses a non-ASCII prefix', () => {
    assert.throws(() => encodeChainPieces('é', [], new Uint8Array(1), new Uint8Array(1)), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.ProtocolError);
  });

  it('joins a whole chain as itself', () => {
    const chain = new Uint8Array([0x6a, 0xff]);
    assert.equal(joinChain(chain), chain);
    assert.equal(chainLength(chain), 2);
  });
});

describe('chain decoder', () => {
  it('has the reference defaults', () => {
    assert.equal(DEFAULT_CHAIN_LIMITS.maxPartSize, 10 * 1024 * 1024);
    assert.equal(DEFAULT_CHAIN_LIMITS.maxChainSize, 10 * 1024 * 1024);
    assert.equal(DEFAULT_CHAIN_LIMITS.maxParts, 10);
  });

  it('decodes every vector chain in one chunk', () => {
    for (const { name, bytes } of allChains) assert.deepEqual(decodeAll([bytes]), [naiveParse(bytes)], name);
  });

  it('decodes every vector chain split in two at every position', () => {
    for (const { name, bytes } of allChains) {
      const expected = [naiveParse(bytes)];
      for (let at = 0; at <= bytes.length; at++) {
        assert.deepEqual(decodeAll(reusedChunks(bytes, [at])), expected, `${name} split at ${at}`);
      }
    }
  });

  it('decodes every vector chain fed one byte at a time', () => {
    for (const { name, bytes } of allChains) {
      assert.deepEqual(decodeAll(reusedChunks(bytes, Array.from({ length: bytes.length }, () => 1))), [naiveParse(bytes)], name);
    }
  });

  it('decodes all chains of a vector concatenated, in one chunk, in 2-byte and 7-byte chunks', () => {
    for (const vector of loadVectors()) {
      const joined = Buffer.concat(vector.chains.map((chain) => chain.bytes));
      const expected = vector.chains.map((chain) => naiveParse(chain.bytes));
      assert.deepEqual(decodeAll([joined]), expected, vector.name);
      for (const size of [2, 7]) {
        const sizes = Array.from({ length: Math.ceil(joined.length / size) }, () => size);
        assert.deepEqual(decodeAll(reusedChunks(joined, sizes)), expected, `${vector.name} in ${size}-byte chunks`);
      }
    }
  });

  it('decodes every vector chain split in two at every position with the plain parser too (a page link\'s), as the watched one does', () => {
    for (const { name, bytes } of allChains) {
      const expected = [naiveParse(bytes)];
      for (let at = 0; at <= bytes.length; at++) {
        const out: { prefix: string; parts: string[] }[] = [];
        const decoder = new ChainDecoder((chain) => out.push({ prefix: chain.prefix, parts: chain.parts.map(toHex) }), undefined, true);
        for (const chunk of reusedChunks(bytes, [at])) decoder.push(chunk);
        assert.deepEqual(out, expected, `${name} split at ${at}`);
      }
    }
  });

  it('is not idle while a part header is cut by a chunk\'s end, even the first byte of a chain', () => {
    const decoder = new WatchedChainDecoder(() => {});
    decoder.push(fromHex('82'));
    assert.equal(decoder.idle, false);
    decoder.push(fromHex('01'));
    assert.equal(decoder.idle, false);
    decoder.push(fromHex('00' + '07'.repeat(256) + 'ff'));
    assert.equal(decoder.idle, true);
    assert.equal(decoder.pendingBytes, 0);
  });

  it('hands out plain Uint8Array views for parts inside the chunk, copies for parts spanning chunks', () => {
    const bytes = Buffer.from(fromHex('6a 8103 616263 8102 6465 ff'));
    let seen: Chain | undefined;
    const decoder = new ChainDecoder((chain) => (seen = chain));
    decoder.push(bytes);
    assert.equal(Object.getPrototypeOf(seen!.parts[0]), Uint8Array.prototype);
    assert.equal(seen!.parts[0]!.buffer, bytes.buffer);
    // Split: the first part must survive its chunk being overwritten.
    const first = bytes.slice(0, 7);
    decoder.push(first);
    first.fill(0);
    decoder.push(bytes.subarray(7));
    assert.deepEqual(seen!.parts.map(toHex), ['616263', '6465']);
  });

  it('accepts non-minimal length headers, zero lengths with n > 0, and the empty chain', () => {
    assert.deepEqual(decodeAll([fromHex('6a 880000000000000003 616263 8100 ff ff')]), [
      { prefix: 'j', parts: ['616263', ''] },
      { prefix: '', parts: [] },
    ]);
  });

  const limitCases: { name: string; bytes: string; limits?: Partial<ChainLimits>; code: ErrorCode }[] = [
    { name: 'a bad SOP byte', bytes: '6a 80 7f', code: ErrorCode.ProtocolError },
    { name: 'an 0x89 SOP byte', bytes: '89 00', code: ErrorCode.ProtocolError },
    { name: 'a part over the size limit', bytes: '8201 01', limits: { maxPartSize: 256 }, code: ErrorCode.LimitExceeded },
    { name: 'a hostile 8-byte length', bytes: '88 ffffffffffffffff', code: ErrorCode.LimitExceeded },
    { name: 'a chain over the size limit', bytes: '6a 81ff' + '00'.repeat(255) + '81ff', limits: { maxChainSize: 300 }, code: ErrorCode.LimitExceeded },
    { name: '11 parts', bytes: '80'.repeat(11) + 'ff', code: ErrorCode.LimitExceeded },
    { name: 'a long prefix', bytes: '61'.repeat(65), code: ErrorCode.LimitExceeded },
  ];
  for (const { name, bytes, limits, code } of limitCases) {
    it(`fails with ${code} on ${name}, then refuses more input`, () => {
      const seen: Chain[] = [];
      const decoder = new WatchedChainDecoder((chain) => seen.push(chain), limits);
      const isCode = (error: unknown) => error instanceof SparrowError && error.code === code;
      assert.throws(() => decoder.push(fromHex(bytes)), isCode);
      assert.equal(decoder.failure?.code, code);
      assert.throws(() => decoder.push(fromHex('6a80ff')), isCode);
      assert.equal(seen.length, 0);
    });
  }

  it('fails on the part count limit at the 11th SOP byte, even when fed byte by byte', () => {
    const decoder = new ChainDecoder(() => assert.fail('no chain expected'));
    for (let k = 0; k < 10; k++) decoder.push(fromHex('80'));
    assert.throws(() => decoder.push(fromHex('80')), /more than 10 parts/);
  });

  it('checks the part size before allocating', () => {
    // 8 MiB limit + a 2^40 length: must fail on the length bytes, not allocate.
    const decoder = new ChainDecoder(() => {}, { maxPartSize: 8 });
    assert.throws(() => decoder.push(fromHex('85 0100000000')), /larger than 8 bytes/);
  });

  it('keeps decoding chains after a message that fits the limits exactly', () => {
    const limits = { maxPartSize: 3, maxChainSize: 1 + 2 + 3 + 1, maxParts: 2 };
    assert.deepEqual(decodeAll([fromHex('6a 8103 616263 80 ff 6a 80 ff')], limits), [
      { prefix: 'j', parts: ['616263', ''] },
      { prefix: 'j', parts: [''] },
    ]);
  });

  it('marks itself failed when the sink throws', () => {
    const decoder = new ChainDecoder(() => {
      throw new Error('sink bug');
    });
    assert.throws(() => decoder.push(fromHex('6a80ff')), /sink bug/);
    assert.throws(() => decoder.push(fromHex('6a80ff')), /sink bug/);
  });

  it('rejects invalid limits', () => {
    assert.throws(() => new ChainDecoder(() => {}, { maxParts: -1 }), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.Unsupported);
  });
});

describe('ChainDecoder buffer ownership', () => {
  it('keeps nothing of a lent chunk: views during the sink, copies of what an unfinished chain holds', () => {
    const bytes = encodeChainDirect('m', [new Uint8Array([1, 2, 3]), new Uint8Array(100).fill(9)]);
    const seen: { parts: string[]; views: boolean[] }[] = [];
    let chunks: Uint8Array[] = [];
    const decoder = new ChainDecoder((chain) => seen.push({ parts: chain.parts.map(toHex), views: chain.parts.map((part) => chunks.some((chunk) => chunk.buffer === part.buffer)) }));
    chunks = [bytes];
    decoder.push(bytes);
    assert.deepEqual(seen[0]!.views, [true, true], 'parts inside the chunk are views of it');
    // Split inside the second part: the first is copied when its chunk ends, the second assembled.
    const first = bytes.slice(0, 20);
    const second = bytes.slice(20);
    chunks = [first, second];
    decoder.push(first);
    first.fill(0);
    decoder.push(second);
    assert.deepEqual(seen[1]!.views, [false, false], 'nothing of the cut chunks is handed out');
    assert.deepEqual(seen[1]!.parts, seen[0]!.parts);
  });

  it('gives every part of 64 KiB or more memory of its own, never reused by a later chain', () => {
    const big = (fill: number): Uint8Array => encodeChainDirect('m', [new Uint8Array([1]), new Uint8Array(100_000).fill(fill)]);
    const kept: Uint8Array[] = [];
    const chunks: Uint8Array[] = [];
    const decoder = new ChainDecoder((chain) => kept.push(chain.parts[1]!));
    const feed = (bytes: Uint8Array, cut?: number): void => {
      for (const piece of cut === undefined ? [bytes] : [bytes.slice(0, cut), bytes.slice(cut)]) {
        chunks.push(piece);
        decoder.push(piece);
      }
    };
    feed(big(1), 1000); // assembled across chunks
    feed(big(2)); // lying in one chunk
    feed(big(3), 50_000);
    for (const chunk of chunks) chunk.fill(0);
    assert.deepEqual(kept.map((part) => [part.length, part.every((byte) => byte === part[0]) ? part[0] : -1]), [[100_000, 1], [100_000, 2], [100_000, 3]], 'kept parts outlive their chunks and later chains');
    assert.equal(new Set(kept.map((part) => part.buffer)).size, 3, 'no two parts share memory');
    assert.ok(kept.every((part) => chunks.every((chunk) => chunk.buffer !== part.buffer)), 'never a view of a chunk');
  });
});

describe('ChainDecoder large parts', () => {
  /** A 0.1.2-shaped chain: a small envelope part, then a large part of `size` bytes. */
  const largeChain = (size: number): { bytes: Uint8Array; body: Uint8Array } => {
    const body = new Uint8Array(size);
    for (let k = 0; k < size; k++) body[k] = (k * 31 + 7) & 0xff;
    return { bytes: encodeChainDirect('m', [new Uint8Array([0x81, 0xa1, 0x70, 1]), body]), body };
  };

  it('assembles a part split at any chunk boundary into one array of exactly its size', () => {
    const { bytes, body } = largeChain(70_000);
    // Every boundary in the head and the tail, and a stride through the body.
    const cuts = new Set<number>();
    for (let k = 1; k < 40; k++) cuts.add(k).add(bytes.length - k);
    for (let k = 40; k < bytes.length - 40; k += 997) cuts.add(k);
    for (const cut of cuts) {
      const chains: { part: Uint8Array; arrayLength: number; inScratch: boolean }[] = [];
      const decoder = new ChainDecoder((chain) => chains.push({ part: chain.parts[1]!.slice(), arrayLength: chain.parts[1]!.buffer.byteLength, inScratch: chain.parts[1]!.buffer === scratch.buffer }));
      // A reused scratch, as a transport's read buffer: whatever outlives push must have been copied.
      const scratch = new Uint8Array(bytes.length);
      for (const [from, to] of [[0, cut], [cut, bytes.length]] as const) {
        scratch.set(bytes.subarray(from, to));
        decoder.push(scratch.subarray(0, to - from));
        scratch.fill(0);
      }
      assert.equal(chains.length, 1, `cut at ${cut}`);
      const { part, arrayLength, inScratch } = chains[0]!;
      assert.ok(Buffer.from(part).equals(Buffer.from(body)), `cut at ${cut}`);
      // Assembled across chunks or copied off the one it lies in: its own array, sized from the part header, never grown.
      assert.equal(arrayLength, body.length, `cut at ${cut}`);
      assert.equal(inScratch, false, `cut at ${cut}`);
    }
  });

  it('offers the rest of a large part for reading in place, and takes such bytes without copying', () => {
    const { bytes, body } = largeChain(300_000);
    const chains: Chain[] = [];
    const decoder = new WatchedChainDecoder((chain) => chains.push(chain));
    assert.equal(decoder.spareCapacity(1), undefined, 'nothing to fill between chains');
    const headLength = bytes.length - body.length - 1;
    decoder.push(bytes.slice(0, headLength + 10));
    let filled = 10;
    let target: Uint8Array | undefined;
    let firstTarget: Uint8Array | undefined;
    // A transport reading straight into what the decoder offers, in uneven reads.
    while ((target = decoder.spareCapacity(1000)) !== undefined) {
      firstTarget ??= target;
      assert.equal(target.length, body.length - filled);
      const read = Math.min(target.length, 65_536 + (filled % 777));
      target.set(body.subarray(filled, filled + read));
      decoder.push(target.subarray(0, read));
      filled += read;
    }
    assert.ok(body.length - filled < 1000, 'a rest under the minimum is not offered');
    decoder.push(bytes.slice(headLength + filled));
    assert.equal(chains.length, 1);
    const part = chains[0]!.parts[1]!;
    assert.ok(Buffer.from(part).equals(Buffer.from(body)));
    assert.equal(part.buffer, firstTarget!.buffer, 'the bytes stayed where they were read');
    assert.equal(decoder.spareCapacity(1), undefined);
  });

  it('copies a large part lying inside one (lent) chunk into memory of its own, and leaves small parts as views', () => {
    const { bytes, body } = largeChain(70_000);
    const seen: { memory: ArrayBufferLike; head: ArrayBufferLike; part: Uint8Array }[] = [];
    const decoder = new ChainDecoder((chain) => seen.push({ memory: chain.parts[1]!.buffer, head: chain.parts[0]!.buffer, part: chain.parts[1]!.slice() }));
    decoder.push(bytes);
    // Split before the large part: the envelope lies inside the first chunk, the large part inside the second.
    const cut = bytes.length - body.length - 5;
    const second = bytes.slice(cut);
    decoder.push(bytes.slice(0, cut));
    decoder.push(second);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.head, bytes.buffer, 'the small envelope part is a view of the chunk');
    assert.notEqual(seen[0]!.memory, bytes.buffer);
    assert.notEqual(seen[1]!.memory, second.buffer);
    for (const { memory } of seen) assert.equal(memory.byteLength, body.length, 'an array of exactly its size');
    for (const { part } of seen) assert.ok(Buffer.from(part).equals(Buffer.from(body)));
  });

  it('keeps a large part lying inside a fresh chunk (Transport.freshChunks) as a view of it, and still copies one cut across chunks', () => {
    const { bytes, body } = largeChain(70_000);
    const seen: ArrayBufferLike[] = [];
    const decoder = new ChainDecoder((chain) => seen.push(chain.parts[1]!.buffer), undefined, true);
    decoder.push(bytes);
    assert.equal(seen[0], bytes.buffer, 'a view of the fresh chunk, no copy');
    // Cut inside the large part: it is assembled in memory of its own, whatever the chunks are.
    const cut = bytes.length - 1000;
    decoder.push(bytes.slice(0, cut));
    decoder.push(bytes.slice(cut));
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.byteLength, body.length);
  });

  it('checks the part and chain limits before offering or allocating anything', () => {
    const decoder = new WatchedChainDecoder(() => {}, { maxPartSize: 100_000, maxChainSize: 100_000 });
    // SOP 0x83 with a length of 200,000.
    assert.throws(() => decoder.push(new Uint8Array([0x6d, 0x83, 0x03, 0x0d, 0x40])), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.LimitExceeded);
    assert.equal(decoder.spareCapacity(1), undefined);
  });
});
