/**
 * The built-in type names and integer ranges. Built-in names are reserved as
 * type names: no declaration may be called `list` or `int32`.
 */
import type { IntType, IntTypeName, TypeRef } from '../model/model.ts';

function intType(name: IntTypeName, min: bigint, max: bigint): IntType {
  return { kind: 'int', name, min: min.toString(), max: max.toString(), bigint: name === 'int64' || name === 'uint64' };
}

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/** Types written as a bare name. */
export const scalarTypes: ReadonlyMap<string, TypeRef> = new Map<string, TypeRef>([
  ['bool', { kind: 'bool' }],
  ['int8', intType('int8', -128n, 127n)],
  ['int16', intType('int16', -32768n, 32767n)],
  ['int32', intType('int32', -2147483648n, 2147483647n)],
  ['uint8', intType('uint8', 0n, 255n)],
  ['uint16', intType('uint16', 0n, 65535n)],
  ['uint32', intType('uint32', 0n, 4294967295n)],
  ['int', intType('int', -maxSafe, maxSafe)],
  ['int64', intType('int64', -(2n ** 63n), 2n ** 63n - 1n)],
  ['uint64', intType('uint64', 0n, 2n ** 64n - 1n)],
  ['float32', { kind: 'float', name: 'float32' }],
  ['float64', { kind: 'float', name: 'float64' }],
  ['string', { kind: 'string' }],
  ['bytes', { kind: 'bytes' }],
  ['any', { kind: 'any' }],
  ['void', { kind: 'void' }],
]);

/** Type constructors and their argument counts (`undefined`: one or more). */
export const genericTypes: ReadonlyMap<string, number | undefined> = new Map([
  ['list', 1],
  ['map', 2],
  ['tuple', undefined],
  ['stream', 1],
]);

/** Every name a declaration may not take. */
export const builtinTypeNames: ReadonlySet<string> = new Set([...scalarTypes.keys(), ...genericTypes.keys(), 'callback']);

/** The range enums use for their values. */
export const enumValueRange = { min: -2147483648n, max: 2147483647n } as const;
