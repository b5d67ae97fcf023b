/**
 * Comparing structs, errors, enums, unions and consts: fields by wire name, enum members by value, variants by tag.
 */
import type { Declaration, EnumDeclaration, Field, UnionDeclaration, ValueParam } from '../model/model.ts';
import { compareTypes } from './compare-types.ts';
import { formatType, formatValue, omittable, type Comparison } from './comparison.ts';

/** Compares two versions of one declaration, once per pair. */
export function compareDeclarations(c: Comparison, oldDeclaration: Declaration, newDeclaration: Declaration): void {
  const key = `${oldDeclaration.qualifiedName}\u0000${newDeclaration.qualifiedName}`;
  // Marked before recursing, so recursive types terminate.
  if (c.comparedPairs.has(key)) return;
  c.comparedPairs.add(key);
  if ((oldDeclaration.kind === 'struct' || oldDeclaration.kind === 'error') && oldDeclaration.kind === newDeclaration.kind) {
    compareFields(c, oldDeclaration.fields, (newDeclaration as typeof oldDeclaration).fields, `${newDeclaration.kind} ${newDeclaration.name}`);
  } else if (oldDeclaration.kind === 'enum' && newDeclaration.kind === 'enum') {
    compareEnums(c, oldDeclaration, newDeclaration);
  } else if (oldDeclaration.kind === 'union' && newDeclaration.kind === 'union') {
    compareUnions(c, oldDeclaration, newDeclaration);
  } else if (oldDeclaration.kind === 'const' && newDeclaration.kind === 'const') {
    if (formatType(oldDeclaration.type) !== formatType(newDeclaration.type)) {
      // One message: the value's JSON form follows the type (int64 is a string), so it would differ too.
      c.add('const-type-changed', false, `const ${newDeclaration.name} changed type from ${formatType(oldDeclaration.type)} to ${formatType(newDeclaration.type)} (consts never travel)`, 'new', newDeclaration.location);
    } else if (JSON.stringify(oldDeclaration.value) !== JSON.stringify(newDeclaration.value)) {
      c.add('const-value-changed', false, `const ${newDeclaration.name} changed value from ${formatValue(oldDeclaration.value)} to ${formatValue(newDeclaration.value)} (consts never travel; check defaults that use it)`, 'new', newDeclaration.location);
    }
  }
}

/** Compares fields by wire name: added, removed, retyped, optionality and defaults. */
export function compareFields(c: Comparison, oldFields: readonly Field[], newFields: readonly Field[], owner: string): void {
  const oldByWire = new Map(oldFields.map((f) => [f.wireName, f]));
  const newWires = new Set(newFields.map((f) => f.wireName));
  for (const field of newFields) {
    const what = `field '${field.wireName}' of ${owner}`;
    const old = oldByWire.get(field.wireName);
    if (old === undefined) {
      if (omittable(field)) c.add('field-added', false, `${what} added (${field.optional ? 'optional' : 'with a default'})`, 'new', field.location);
      else c.add('field-added', true, `${what} added as required with no default: old writers don't send it`, 'new', field.location);
      continue;
    }
    compareTypes(c, old.type, field.type, what, field.location);
    compareOptionality(c, old, field, what, 'field');
  }
  for (const field of oldFields) {
    if (newWires.has(field.wireName)) continue;
    const what = `field '${field.wireName}' of ${owner}`;
    if (omittable(field)) c.add('field-removed', false, `${what} removed (old readers don't need it; new readers ignore it)`, 'old', field.location);
    else c.add('field-removed', true, `${what} removed, but old readers require it (no default) and new writers no longer send it`, 'old', field.location);
  }
}

/** Omittability and defaults of a field or value param. */
export function compareOptionality(c: Comparison, old: Field | ValueParam, next: Field | ValueParam, what: string, noun: 'field' | 'param'): void {
  if (omittable(old) && !omittable(next)) {
    c.add(noun === 'field' ? 'field-now-required' : 'param-now-required', true, `${what} is now required: old ${noun === 'field' ? 'writers' : 'callers'} may omit it`, 'new', next.location);
  } else if (!omittable(old) && omittable(next)) {
    c.add(noun === 'field' ? 'field-now-optional' : 'param-now-optional', true, `${what} may now be omitted, but old ${noun === 'field' ? 'readers' : 'callees'} require it`, 'new', next.location);
  } else if (old.default !== undefined && next.default !== undefined && formatType(old.type) === formatType(next.type) && JSON.stringify(old.default) !== JSON.stringify(next.default)) {
    c.add('default-changed', false, `${what} changed default from ${formatValue(old.default)} to ${formatValue(next.default)} (old and new readers fill in different values)`, 'new', next.location);
  }
}

/** Compares enum members by value. */
export function compareEnums(c: Comparison, oldEnum: EnumDeclaration, newEnum: EnumDeclaration): void {
  const newByValue = new Map(newEnum.members.map((m) => [m.value, m]));
  const newByName = new Map(newEnum.members.map((m) => [m.name, m]));
  const oldValues = new Set(oldEnum.members.map((m) => m.value));
  const renumbered = new Set<number>();
  for (const old of oldEnum.members) {
    const sameName = newByName.get(old.name);
    if (sameName !== undefined && sameName.value !== old.value) {
      renumbered.add(old.value).add(sameName.value);
      c.add('enum-value-renumbered', true, `enum ${newEnum.name} member '${old.name}' changed value from ${old.value} to ${sameName.value}: its integer is what travels`, 'new', sameName.location);
    }
  }
  for (const old of oldEnum.members) {
    const next = newByValue.get(old.value);
    if (next === undefined) {
      if (!renumbered.has(old.value)) c.add('enum-value-removed', true, `enum ${oldEnum.name} value ${old.name} = ${old.value} removed: old writers may still send it`, 'old', old.location);
    } else if (next.name !== old.name && !renumbered.has(old.value)) {
      c.add('enum-member-renamed', false, `enum ${newEnum.name} value ${old.value} renamed from '${old.name}' to '${next.name}' (only the integer travels)`, 'new', next.location);
    }
  }
  for (const next of newEnum.members) {
    if (!oldValues.has(next.value) && !renumbered.has(next.value)) {
      c.add('enum-value-added', false, `enum ${newEnum.name} value ${next.name} = ${next.value} added (old readers reject it only when a new writer sends it)`, 'new', next.location);
    }
  }
}

/** Compares union variants by `$type` tag. */
export function compareUnions(c: Comparison, oldUnion: UnionDeclaration, newUnion: UnionDeclaration): void {
  const newByTag = new Map(newUnion.variants.map((v) => [v.tag, v]));
  const oldTags = new Set(oldUnion.variants.map((v) => v.tag));
  for (const old of oldUnion.variants) {
    const next = newByTag.get(old.tag);
    if (next === undefined) {
      c.add('union-variant-removed', true, `union ${oldUnion.name} variant '${old.tag}' removed: old writers may still send it`, 'old', oldUnion.location);
      continue;
    }
    const oldStruct = c.oldModel.declarations[old.type];
    const newStruct = c.newModel.declarations[next.type];
    if (oldStruct !== undefined && newStruct !== undefined) compareDeclarations(c, oldStruct, newStruct);
  }
  for (const next of newUnion.variants) {
    if (!oldTags.has(next.tag)) c.add('union-variant-added', false, `union ${newUnion.name} variant '${next.tag}' added (old readers reject it only when a new writer sends it)`, 'new', newUnion.location);
  }
}
