/**
 * Deterministic test bytes and a byte-exact comparison, shared by the
 * transport, stream and generated-code tests and their child-process
 * fixtures (no Node test imports here).
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';

/** A deterministic byte pattern of `length` bytes (an LCG), different per `seed`. */
export function bytePattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const cache = new Map<string, Uint8Array>();

/** `bytePattern(length, seed)`, built once per process: several MiB of LCG output is not free. Do not modify the result. */
export function cachedBytePattern(length: number, seed: number): Uint8Array {
  const key = `${length}:${seed}`;
  let bytes = cache.get(key);
  if (bytes === undefined) cache.set(key, (bytes = bytePattern(length, seed)));
  return bytes;
}

/** Asserts that `actual` is a Uint8Array with exactly the bytes of `expected`; `what` prefixes each message. */
export function assertSameBytes(actual: unknown, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: a Uint8Array arrives (got ${typeof actual})`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected), `${what}: identical bytes`);
}
