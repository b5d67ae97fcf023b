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

/**
 * Every integer type's range, by name. Literals, not computed: a bundle
 * that never reads the table then drops it (bigint arithmetic at load is
 * kept by bundlers); a test checks each against 2^bits.
 */
export const INT_RANGES: Readonly<Record<IntTypeName, IntRange>> = /* @__PURE__ */ Object.freeze({
  int8: { min: -128n, max: 127n, big: false },
  int16: { min: -32768n, max: 32767n, big: false },
  int32: { min: -2147483648n, max: 2147483647n, big: false },
  uint8: { min: 0n, max: 255n, big: false },
  uint16: { min: 0n, max: 65535n, big: false },
  uint32: { min: 0n, max: 4294967295n, big: false },
  // ±(2^53 − 1): the integers a JS number holds exactly.
  int: { min: -9007199254740991n, max: 9007199254740991n, big: false },
  int64: { min: -9223372036854775808n, max: 9223372036854775807n, big: true },
  uint64: { min: 0n, max: 18446744073709551615n, big: true },
});

/** True when `name` is an integer type name. */
export function isIntTypeName(name: string): name is IntTypeName {
  return Object.hasOwn(INT_RANGES, name);
}
