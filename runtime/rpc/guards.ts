/**
 * The checks every part of rpc/ (and the schema glue) shares: how an
 * iterable is opened, a param's kind, and whether an identity is in a
 * member's `@auth` groups ("a promise" and "an iterable" are values.ts's).
 */
import type { Identity, ParamKind } from './types.ts';

/** Opens an iterable, async first. */
export function openIterator(source: Iterable<unknown> | AsyncIterable<unknown>): Iterator<unknown> | AsyncIterator<unknown> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

/** The kind of a param the caller gave no kind for (see `ParamKind`). */
export function detectParamKind(value: unknown): ParamKind {
  if (typeof value === 'function') return 'callback';
  if (typeof value === 'object' && value !== null) {
    if (Symbol.asyncIterator in value) return 'iterable';
    if (Symbol.iterator in value && typeof (value as { next?: unknown }).next === 'function') return 'iterable';
  }
  return 'value';
}

/**
 * May a caller with `identity` call a member with these `@auth` groups (the
 * default rule of `registerService`)? No groups: anyone; an empty list: any
 * identity; else one group in common.
 */
export function inGroups(identity: Identity | undefined, groups: readonly string[] | undefined): boolean {
  if (groups === undefined) return true;
  if (identity === undefined) return false;
  return groups.length === 0 || groups.some((group) => identity.groups.includes(group));
}
