/**
 * The state one comparison shares between its steps: both models, the
 * change list, and the declaration pairs already compared (so recursive
 * types terminate and each pair is judged once).
 */
import type { Declaration, Field, ModelValue, Param, SchemaModel, ServiceMember, SourceLocation, TypeRef } from '../model/model.ts';
import { printType } from '../model/print-type.ts';
import type { CompatChange, CompatChangeKind } from './compat-change.ts';

/** One comparison in progress. */
export interface Comparison {
  readonly oldModel: SchemaModel;
  readonly newModel: SchemaModel;
  readonly changes: CompatChange[];
  readonly comparedPairs: Set<string>;
  add(kind: CompatChangeKind, breaking: boolean, message: string, side: 'old' | 'new', location: SourceLocation): void;
  /** Compares two declarations met as a type's target (set by compare-models.ts, which owns the dispatch). */
  compareDeclarations(oldDeclaration: Declaration, newDeclaration: Declaration): void;
}

/** How a type at one position changed: nothing, only to accept more, only to accept less, or otherwise. */
export type TypeVerdict = 'same' | 'widened' | 'narrowed' | 'changed';

/** True when a writer may leave the key out: optional, or with a default. */
export function omittable(element: Field | Param): boolean {
  // Stream and callback params take no default.
  return element.optional || ('default' in element && element.default !== undefined);
}

/** Combines the verdicts of a type's parts. */
export function combine(verdicts: readonly TypeVerdict[]): TypeVerdict {
  if (verdicts.includes('changed')) return 'changed';
  const widened = verdicts.includes('widened');
  const narrowed = verdicts.includes('narrowed');
  if (widened && narrowed) return 'changed';
  return narrowed ? 'narrowed' : widened ? 'widened' : 'same';
}

/** A type as written in a schema, with declared types by their plain name. */
export function formatType(type: TypeRef): string {
  return printType(type, { refs: 'plain' });
}

/** A method result as written in a schema. */
export function formatResult(result: { readonly kind: 'value'; readonly type: TypeRef } | { readonly kind: 'stream'; readonly item: TypeRef }): string {
  return result.kind === 'value' ? formatType(result.type) : `stream<${formatType(result.item)}>`;
}

/** A value as JSON. */
export function formatValue(value: ModelValue): string {
  return JSON.stringify(value);
}

/** Auth groups as a list of JSON strings. */
export function formatGroups(groups: readonly string[]): string {
  return groups.map((g) => JSON.stringify(g)).join(', ');
}

/** A param kind for messages. */
export function paramKindName(param: Param): string {
  return param.kind === 'value' ? 'value param' : param.kind === 'stream' ? 'stream param' : 'callback param';
}

/** A member kind for messages. */
export function memberKindName(member: ServiceMember): string {
  return member.kind === 'call' ? 'method' : member.kind;
}
