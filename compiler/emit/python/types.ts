/**
 * Schema types in generated Python: annotations, decoder expressions (wire →
 * checked Python value, see `sparrowrpc_typed.values`), inline encoder
 * expressions (Python value → wire) and literals for defaults and consts.
 */
import type { Declaration, IntType, ModelValue, QualifiedName, TypeRef } from '../../model/model.ts';
import { escapeName, memberName, snakeCase } from './names.ts';

/** How a module refers to declarations, its own or imported. */
export interface TypeScope {
  /** The declaration `target`. */
  decl(target: QualifiedName): Declaration;
  /** `name` (a module-level Python name of `target`'s module) as this module reaches it. */
  qualify(target: QualifiedName, name: string): string;
}

/** The Python class (or alias) name of a declaration. */
export function declName(d: { readonly name: string }): string {
  return escapeName(d.name);
}

/** The module-level helper names of a union. */
export function unionHelpers(d: { readonly name: string }): { toWire: string; fromWire: string } {
  const base = snakeCase(d.name);
  return { toWire: `${base}_to_wire`, fromWire: `${base}_from_wire` };
}

/** The type annotation of `t`. */
export function pyType(t: TypeRef, scope: TypeScope): string {
  switch (t.kind) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float';
    case 'string':
      return 'str';
    case 'bytes':
      return 'bytes';
    case 'any':
      return 'Any';
    case 'void':
      return 'None';
    case 'list':
      return `list[${pyType(t.element, scope)}]`;
    case 'map':
      return `dict[${pyType(t.key, scope)}, ${pyType(t.value, scope)}]`;
    case 'tuple':
      return `tuple[${t.elements.map((e) => pyType(e, scope)).join(', ')}]`;
    case 'ref':
      return scope.qualify(t.target, declName(scope.decl(t.target)));
  }
}

function intDecoder(t: IntType): string {
  return t.name === 'int' ? '_v.int_' : `_v.${t.name}`;
}

/** An expression of type `Decoder[T]` for `t`. */
export function decoder(t: TypeRef, scope: TypeScope): string {
  switch (t.kind) {
    case 'bool':
      return '_v.boolean';
    case 'int':
      return intDecoder(t);
    case 'float':
      return '_v.floating';
    case 'string':
      return '_v.string';
    case 'bytes':
      return '_v.binary';
    case 'any':
    case 'void':
      return '_v.anything';
    case 'list':
      return `_v.list_of(${decoder(t.element, scope)})`;
    case 'map': {
      const key = t.key.kind === 'int' ? `_v.map_key_integer(${JSON.stringify(t.key.name)}, ${t.key.min}, ${t.key.max})` : decoder(t.key, scope);
      return `_v.map_of(${key}, ${decoder(t.value, scope)})`;
    }
    case 'tuple':
      return `_v.tuple_of(${t.elements.map((e) => decoder(e, scope)).join(', ')})`;
    case 'ref': {
      const d = scope.decl(t.target);
      if (d.kind === 'enum') return `_v.enum_of(${scope.qualify(t.target, declName(d))}, ${JSON.stringify(d.name)})`;
      if (d.kind === 'union') return scope.qualify(t.target, unionHelpers(d).fromWire);
      return `${scope.qualify(t.target, declName(d))}.from_wire`;
    }
  }
}

/** True when values of `t` are already in wire form (no struct, enum, float or integer key inside). */
export function isWireForm(t: TypeRef): boolean {
  switch (t.kind) {
    case 'list':
      return isWireForm(t.element);
    case 'map':
      return t.key.kind !== 'int' && isWireForm(t.value);
    case 'tuple':
      return t.elements.every(isWireForm);
    case 'ref':
    case 'float':
      return false;
    default:
      return true;
  }
}

/** An expression for the wire form of `expr` (a value of `t`); `depth` keeps comprehension variables apart. */
export function encode(t: TypeRef, expr: string, scope: TypeScope, depth = 0): string {
  if (isWireForm(t)) return expr;
  switch (t.kind) {
    case 'float':
      return `float(${expr})`;
    case 'list': {
      const item = `_i${depth}`;
      return `[${encode(t.element, item, scope, depth + 1)} for ${item} in ${expr}]`;
    }
    case 'map': {
      const k = `_k${depth}`;
      const v = `_v${depth}`;
      const key = t.key.kind === 'int' ? `str(${k})` : k;
      return `{${key}: ${encode(t.value, v, scope, depth + 1)} for ${k}, ${v} in ${expr}.items()}`;
    }
    case 'tuple':
      return `[${t.elements.map((e, i) => encode(e, `${expr}[${i}]`, scope, depth + 1)).join(', ')}]`;
    case 'ref': {
      const d = scope.decl(t.target);
      if (d.kind === 'enum') return `int(${expr})`;
      if (d.kind === 'union') return `${scope.qualify(t.target, unionHelpers(d).toWire)}(${expr})`;
      return `${expr}.to_wire()`;
    }
    default:
      return expr;
  }
}

/** True for types whose Python values are immutable (a default of one can be shared). */
export function isScalar(t: TypeRef, scope: TypeScope): boolean {
  if (t.kind === 'ref') return scope.decl(t.target).kind === 'enum';
  return t.kind !== 'list' && t.kind !== 'map' && t.kind !== 'tuple' && t.kind !== 'any';
}

function pyString(value: string): string {
  // JSON string escapes are valid Python string escapes.
  return JSON.stringify(value);
}

/** A Python literal for a model value of `t` (defaults and consts). */
export function literal(t: TypeRef, value: ModelValue, scope: TypeScope): string {
  if (value === null) return 'None';
  switch (t.kind) {
    case 'bool':
      return value === true ? 'True' : 'False';
    case 'int':
      return String(value);
    case 'float': {
      const n = Number(value);
      if (Number.isNaN(n)) return "float('nan')";
      if (!Number.isFinite(n)) return n > 0 ? "float('inf')" : "-float('inf')";
      return Number.isInteger(n) ? `${n}.0` : String(n);
    }
    case 'string':
      return pyString(String(value));
    case 'bytes':
      return typeof value === 'string' ? `${pyString(value)}.encode()` : "b''";
    case 'any':
    case 'void':
      return anyLiteral(value);
    case 'list': {
      const items = value as readonly ModelValue[];
      // An empty literal says nothing of its items: `list[str]()` keeps the type for mypy.
      if (items.length === 0) return `${pyType(t, scope)}()`;
      return `[${items.map((v) => literal(t.element, v, scope)).join(', ')}]`;
    }
    case 'tuple': {
      const items = (value as readonly ModelValue[]).map((v, i) => literal(t.elements[i] ?? { kind: 'any' }, v, scope));
      return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
    }
    case 'map': {
      if (Object.keys(value as object).length === 0) return `${pyType(t, scope)}()`;
      const entries = Object.entries(value as Record<string, ModelValue>).map(
        ([k, v]) => `${t.key.kind === 'int' ? k : pyString(k)}: ${literal(t.value, v, scope)}`,
      );
      return `{${entries.join(', ')}}`;
    }
    case 'ref':
      return refLiteral(t.target, value, scope);
  }
}

function refLiteral(target: QualifiedName, value: ModelValue, scope: TypeScope): string {
  const d = scope.decl(target);
  const name = scope.qualify(target, declName(d));
  if (d.kind === 'enum') {
    const member = d.members.find((m) => m.value === value);
    return member === undefined ? `${name}(${String(value)})` : `${name}.${escapeName(member.name)}`;
  }
  if (d.kind === 'union') {
    const tag = (value as Record<string, ModelValue>)['$type'];
    const variant = d.variants.find((v) => v.tag === tag);
    return variant === undefined ? 'None' : refLiteral(variant.type, value, scope);
  }
  if (d.kind === 'struct' || d.kind === 'error') {
    const map = value as Record<string, ModelValue>;
    const args = d.fields.filter((f) => f.wireName in map).map((f) => `${memberName(f.name)}=${literal(f.type, map[f.wireName] ?? null, scope)}`);
    return `${name}(${args.join(', ')})`;
  }
  return anyLiteral(value);
}

function anyLiteral(value: ModelValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(anyLiteral).join(', ')}]`;
  return `{${Object.entries(value as Record<string, ModelValue>).map(([k, v]) => `${pyString(k)}: ${anyLiteral(v)}`).join(', ')}}`;
}
