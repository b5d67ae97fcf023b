import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INT_RANGES } from 'sparrow-rpc';

describe('INT_RANGES: the literal table is the two\'s-complement ranges', () => {
  it('every type spans its bits, signed or not; int is ±(2^53 − 1); big past 53 bits', () => {
    const widths: Record<string, [bigint, boolean]> = { int8: [8n, true], int16: [16n, true], int32: [32n, true], int64: [64n, true], uint8: [8n, false], uint16: [16n, false], uint32: [32n, false], uint64: [64n, false] };
    for (const [name, [bits, signed]] of Object.entries(widths)) {
      const half = 2n ** (bits - 1n);
      const expectedRange = signed ? { min: -half, max: half - 1n, big: bits > 53n } : { min: 0n, max: 2n * half - 1n, big: bits > 53n };
      assert.deepEqual({ ...INT_RANGES[name as keyof typeof INT_RANGES] }, expectedRange, name);
    }
    assert.deepEqual({ ...INT_RANGES.int }, { min: BigInt(-Number.MAX_SAFE_INTEGER), max: BigInt(Number.MAX_SAFE_INTEGER), big: false });
    assert.equal(Object.keys(INT_RANGES).length, 9);
    assert.ok(Object.isFrozen(INT_RANGES));
  });
});
