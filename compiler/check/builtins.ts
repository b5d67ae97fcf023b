/**
 * The built-in type names and integer ranges. Built-in names are reserved as
 * type names: no declaration may be called `list` or `int32`.
 */
// The table alone, not the runtime's entry: that one loads ~180 modules, a third of a `sparrowc check`'s start-up.
import { INT_RANGES } from 'sparrow-rpc/int-ranges';
import type { IntType, IntTypeName, TypeRef } from '../model/model.ts';

/** An integer type with its range from the runtime's table, the one the value codecs check against. */
function intType(name: IntTypeName): IntType {
  const range = INT_RANGES[name];
  return { kind: 'int', name, min: range.min.toString(), max: range.max.toString(), bigint: range.big };
}

/** Types written as a bare name. */
export const scalarTypes: ReadonlyMap<string, TypeRef> = new Map<string, TypeRef>([
  ['bool', { kind: 'bool' }],
  ['int8', intType('int8')],
  ['int16', intType('int16')],
  ['int32', intType('int32')],
  ['uint8', intType('uint8')],
  ['uint16', intType('uint16')],
  ['uint32', intType('uint32')],
  ['int', intType('int')],
  ['int64', intType('int64')],
  ['uint64', intType('uint64')],
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
