/**
 * The integer types of the IDL and their inclusive ranges: the one table
 * the compiler (type checking, literal ranges) and the runtime's value
 * codecs share. `int` is ±(2^53 − 1), the integers a JS number holds
 * exactly; `int64` and `uint64` values beyond that are `bigint`.
 */

/** The integer type names. */
export type IntTypeName = 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'int' | 'int64' | 'uint64';

/** One integer type's range. */
export interface IntRange {
  readonly min: bigint;
  readonly max: bigint;
  /** True when values may exceed ±(2^53 − 1) and so travel as `bigint` (int64, uint64). */
  readonly big: boolean;
}

/** The range of a `bits`-wide integer, signed or not. */
function bitsRange(bits: bigint, signed: boolean): IntRange {
  const half = 2n ** (bits - 1n);
  return signed ? { min: -half, max: half - 1n, big: bits > 53n } : { min: 0n, max: 2n * half - 1n, big: bits > 53n };
}

/** Every integer type's range, by name. */
export const INT_RANGES: Readonly<Record<IntTypeName, IntRange>> = /* @__PURE__ */ Object.freeze({
  int8: /* @__PURE__ */ bitsRange(8n, true),
  int16: /* @__PURE__ */ bitsRange(16n, true),
  int32: /* @__PURE__ */ bitsRange(32n, true),
  uint8: /* @__PURE__ */ bitsRange(8n, false),
  uint16: /* @__PURE__ */ bitsRange(16n, false),
  uint32: /* @__PURE__ */ bitsRange(32n, false),
  // ±(2^53 − 1): the integers a JS number holds exactly.
  int: { min: 1n - 2n ** 53n, max: 2n ** 53n - 1n, big: false },
  int64: /* @__PURE__ */ bitsRange(64n, true),
  uint64: /* @__PURE__ */ bitsRange(64n, false),
});

/** True when `name` is an integer type name. */
export function isIntTypeName(name: string): name is IntTypeName {
  return Object.hasOwn(INT_RANGES, name);
}
