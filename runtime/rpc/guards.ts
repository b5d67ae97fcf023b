/**
 * The checks every part of rpc/ (and the schema glue) shares: a positive
 * option, how an iterable is opened, a param's kind, and whether an
 * identity is in a member's `@auth` groups ("a promise" and "an iterable"
 * are values.ts's).
 */
import type { Params } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Identity, ParamKind } from './types.ts';

/**
 * `value`, or `fallback` when it is not given.
 * @throws SparrowError `invalid-params` naming option `name` when it is not a positive number.
 */
export function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 1)) throw new SparrowError(ErrorCode.InvalidParams, `${name} must be a positive number`);
  return value;
}

/** Opens an iterable, async first. */
export function openIterator(source: Iterable<unknown> | AsyncIterable<unknown>): Iterator<unknown> | AsyncIterator<unknown> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

/** The kind of param `name`: as `kinds` says, else detected from its value (see `ParamKind`). */
export function paramKind(name: string, value: unknown, kinds: Readonly<Record<string, ParamKind>> | undefined): ParamKind {
  if (kinds && Object.hasOwn(kinds, name)) return kinds[name]!;
  if (typeof value === 'function') return 'callback';
  if (typeof value === 'object' && value !== null) {
    if (Symbol.asyncIterator in value) return 'iterable';
    if (Symbol.iterator in value && typeof (value as { next?: unknown }).next === 'function') return 'iterable';
  }
  return 'value';
}

/** How many of `params` travel as plain values; -1 when one is a callback or an iterable (see `paramKind`). */
export function countPlainParams(params: Params, kinds: Readonly<Record<string, ParamKind>> | undefined): number {
  let count = 0;
  for (const name in params) {
    if (paramKind(name, params[name], kinds) !== 'value') return -1;
    count++;
  }
  return count;
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
