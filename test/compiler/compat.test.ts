/**
 * Table-driven tests of compareModels: for each rule of docs/compat.md an old
 * and a new schema, the exact set of change kinds with their breaking flags,
 * and (via a ┆ marker in the old or the new text) where the first one points.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareModels, compatChangeKinds, type CompatChangeKind } from '../../compiler/compat/index.ts';
import type { SchemaModel } from '../../compiler/model/model.ts';
import { assertValid, compileText, extractMarker } from './schema-test-utils.ts';

interface Case {
  readonly name: string;
  readonly old: string;
  readonly new: string;
  /** Expected changes as `[kind, breaking]`; the first is the one the ┆ marker locates. */
  readonly changes: ReadonlyArray<readonly [CompatChangeKind, boolean]>;
  /** A substring of the first change's message. */
  readonly message?: string;
}

const B = true;
const C = false;

const cases: readonly Case[] = [
  // Services.
  { name: 'no change', old: 'service S { f(): void }', new: 'service S { f(): void }', changes: [] },
  { name: 'service added', old: 'service S { f(): void }', new: 'service S { f(): void }\nservice ┆T { g(): void }', changes: [['service-added', C]] },
  { name: 'service removed', old: 'service S { f(): void }\nservice ┆T { g(): void }', new: 'service S { f(): void }', changes: [['service-removed', B]] },
  { name: 'service renamed, namespace kept (TS-only)', old: '@namespace("s") service S { f(): void }', new: '@namespace("s") service ┆Renamed { f(): void }', changes: [['service-renamed', C]] },
  { name: 'service renamed, default namespace follows the name (wire rename)', old: 'service S { f(): void }', new: 'service ┆T { f(): void }', changes: [['service-added', C], ['service-removed', B]] },
  { name: '@namespace changed', old: '@namespace("a") service S { f(): void }', new: '@namespace("b") service ┆S { f(): void }', changes: [['namespace-changed', B]], message: 'changed namespace from "a" to "b"' },
  { name: '@namespace("") added', old: 'service S { f(): void }', new: '@namespace("") service ┆S { f(): void }', changes: [['namespace-changed', B]] },
  // Members.
  { name: 'method added', old: 'service S { f(): void }', new: 'service S {\n  f(): void\n  ┆g(x: int32): string\n}', changes: [['member-added', C]] },
  { name: 'notify added', old: 'service S { f(): void }', new: 'service S {\n  f(): void\n  notify ┆n(x: int32)\n}', changes: [['member-added', C]] },
  { name: 'topic added', old: 'service S { f(): void }', new: 'service S {\n  f(): void\n  topic ┆t: string\n}', changes: [['member-added', C]] },
  { name: 'method removed', old: 'service S {\n  f(): void\n  ┆g(): void\n}', new: 'service S { f(): void }', changes: [['member-removed', B]], message: 'method S.g removed' },
  { name: 'topic removed', old: 'service S {\n  f(): void\n  topic ┆t: string\n}', new: 'service S { f(): void }', changes: [['member-removed', B]], message: 'subscribe' },
  { name: 'member TS rename with the same wire name', old: 'service S { get(): void }', new: 'service S { @wire("get") fetch(): void }', changes: [] },
  { name: 'member wire rename is a removal plus an addition', old: 'service S { f(): void; g(): void }', new: 'service S { f(): void; @wire("h") ┆g(): void }', changes: [['member-added', C], ['member-removed', B]] },
  { name: 'call became notify', old: 'service S { f(x: int32): void }', new: 'service S { notify ┆f(x: int32) }', changes: [['member-kind-changed', B]] },
  { name: 'call became topic', old: 'service S { f(): int32 }', new: 'service S { topic ┆f: int32 }', changes: [['member-kind-changed', B]] },
  // Results.
  { name: 'result type changed', old: 'service S { f(): int32 }', new: 'service S { ┆f(): string }', changes: [['type-changed', B]], message: 'result of S.f changed type from int32 to string' },
  { name: 'result void to value', old: 'service S { f(): void }', new: 'service S { ┆f(): int32 }', changes: [['type-changed', B]] },
  { name: 'result became a stream', old: 'service S { f(): int32 }', new: 'service S { ┆f(): stream<int32> }', changes: [['result-stream-changed', B]] },
  { name: 'result stopped being a stream', old: 'service S { f(): stream<int32> }', new: 'service S { ┆f(): int32 }', changes: [['result-stream-changed', B]] },
  { name: 'stream item type changed', old: 'service S { f(): stream<int32> }', new: 'service S { ┆f(): stream<string> }', changes: [['type-changed', B]], message: 'stream items of S.f' },
  // Params.
  { name: 'optional param added', old: 'service S { f(a: int32): void }', new: 'service S { f(a: int32, ┆b?: string): void }', changes: [['param-added', C]] },
  { name: 'param with a default added', old: 'service S { f(a: int32): void }', new: 'service S { f(a: int32, ┆b: string = "x"): void }', changes: [['param-added', C]] },
  { name: 'required param added without default', old: 'service S { f(a: int32): void }', new: 'service S { f(a: int32, ┆b: string): void }', changes: [['param-added', B]], message: "old callers don't send it" },
  { name: 'required param added to a notify', old: 'service S { notify n(a: int32) }', new: 'service S { notify n(a: int32, ┆b: string) }', changes: [['param-added', B]] },
  { name: 'optional param removed (ignored when still sent)', old: 'service S { f(a: int32, ┆b?: string): void }', new: 'service S { f(a: int32): void }', changes: [['param-removed', C]] },
  { name: 'param with default removed', old: 'service S { f(a: int32, ┆b: int32 = 1): void }', new: 'service S { f(a: int32): void }', changes: [['param-removed', C]] },
  { name: 'required param removed', old: 'service S { f(a: int32, ┆b: string): void }', new: 'service S { f(a: int32): void }', changes: [['param-removed', B]], message: 'old callees require it' },
  { name: 'param type changed', old: 'service S { list(limit: int32 = 10): void }', new: 'service S { list(┆limit: string = "10"): void }', changes: [['type-changed', B]], message: "param 'limit' of S.list changed type from int32 to string" },
  { name: 'param optional to required', old: 'service S { f(a?: int32): void }', new: 'service S { f(┆a: int32): void }', changes: [['param-now-required', B]] },
  { name: 'param default removed', old: 'service S { f(a: int32 = 1): void }', new: 'service S { f(┆a: int32): void }', changes: [['param-now-required', B]] },
  { name: 'param required to optional', old: 'service S { f(a: int32): void }', new: 'service S { f(┆a?: int32): void }', changes: [['param-now-optional', B]] },
  { name: 'param got a default', old: 'service S { f(a: int32): void }', new: 'service S { f(┆a: int32 = 1): void }', changes: [['param-now-optional', B]] },
  { name: 'param optional to default', old: 'service S { f(a?: int32): void }', new: 'service S { f(a: int32 = 1): void }', changes: [] },
  { name: 'param default changed', old: 'service S { f(a: int32 = 1): void }', new: 'service S { f(┆a: int32 = 2): void }', changes: [['default-changed', C]] },
  { name: 'param TS rename, same wire name', old: 'service S { f(a: int32): void }', new: 'service S { f(@wire("a") b: int32): void }', changes: [] },
  { name: 'param wire rename', old: 'service S { f(a: int32): void }', new: 'service S { f(@wire("b") ┆a: int32): void }', changes: [['param-added', B], ['param-removed', B]] },
  { name: 'value param became a stream param', old: 'service S { f(a: list<int32>): int32 }', new: 'service S { f(┆a: stream<int32>): int32 }', changes: [['param-kind-changed', B]] },
  { name: 'value param became a callback', old: 'service S { f(a: string): void }', new: 'service S { f(┆a: callback(m: string)): void }', changes: [['param-kind-changed', B]] },
  { name: 'stream param item type changed', old: 'service S { f(a: stream<int32>): int32 }', new: 'service S { f(┆a: stream<string>): int32 }', changes: [['type-changed', B]], message: "items of param 'a' of S.f" },
  { name: 'stream param became optional', old: 'service S { f(a: stream<int32>): int32 }', new: 'service S { f(┆a?: stream<int32>): int32 }', changes: [['param-now-optional', B]] },
  { name: 'callback got a required param', old: 'service S { f(cb: callback(m: string)): void }', new: 'service S { f(cb: callback(m: string, ┆n: int32)): void }', changes: [['param-added', B]], message: "param 'n' of callback param 'cb' of S.f" },
  { name: 'callback got an optional param', old: 'service S { f(cb: callback(m: string)): void }', new: 'service S { f(cb: callback(m: string, ┆n?: int32)): void }', changes: [['param-added', C]] },
  { name: 'callback result changed', old: 'service S { f(cb: callback(m: string): bool): void }', new: 'service S { f(┆cb: callback(m: string): string): void }', changes: [['type-changed', B]], message: 'result of callback' },
  // Integer and float ranges, any.
  { name: 'int widened', old: 'service S { f(a: int32): void }', new: 'service S { f(┆a: int64): void }', changes: [['type-widened', C]] },
  { name: 'int widened uint8 to int16', old: 'service S { f(): uint8 }', new: 'service S { ┆f(): int16 }', changes: [['type-widened', C]] },
  { name: 'int narrowed', old: 'service S { f(a: int32): void }', new: 'service S { f(┆a: int8): void }', changes: [['type-narrowed', B]] },
  { name: 'int signedness changed (neither range holds the other)', old: 'service S { f(a: int8): void }', new: 'service S { f(┆a: uint8): void }', changes: [['type-changed', B]] },
  { name: 'float widened', old: 'service S { f(a: float32): void }', new: 'service S { f(┆a: float64): void }', changes: [['type-widened', C]] },
  { name: 'float narrowed', old: 'service S { f(a: float64): void }', new: 'service S { f(┆a: float32): void }', changes: [['type-narrowed', B]] },
  { name: 'int to float', old: 'service S { f(a: int32): void }', new: 'service S { f(┆a: float64): void }', changes: [['type-changed', B]] },
  { name: 'list element widened', old: 'service S { f(a: list<int16>): void }', new: 'service S { f(┆a: list<int32>): void }', changes: [['type-widened', C]] },
  { name: 'map value narrowed', old: 'service S { f(a: map<string, int32>): void }', new: 'service S { f(┆a: map<string, int16>): void }', changes: [['type-narrowed', B]] },
  { name: 'tuple arity changed', old: 'service S { f(a: tuple<int32, int32>): void }', new: 'service S { f(┆a: tuple<int32>): void }', changes: [['type-changed', B]] },
  { name: 'tuple widened and narrowed at once', old: 'service S { f(a: tuple<int16, int32>): void }', new: 'service S { f(┆a: tuple<int32, int16>): void }', changes: [['type-changed', B]] },
  { name: 'type to any', old: 'service S { f(a: string): void }', new: 'service S { f(┆a: any): void }', changes: [['type-widened', C]] },
  { name: 'any to type', old: 'service S { f(a: any): void }', new: 'service S { f(┆a: string): void }', changes: [['type-narrowed', B]] },
  // Struct fields.
  { name: 'optional field added', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct P { x: int32; ┆y?: int32 }\nservice S { f(): P }', changes: [['field-added', C]] },
  { name: 'field with default added', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct P { x: int32; ┆y: int32 = 0 }\nservice S { f(): P }', changes: [['field-added', C]] },
  { name: 'required field added without default', old: 'struct P { x: int32 }\nservice S { f(p: P): void }', new: 'struct P { x: int32; ┆y: int32 }\nservice S { f(p: P): void }', changes: [['field-added', B]], message: "old writers don't send it" },
  { name: 'required field removed', old: 'struct P { x: int32; ┆y: int32 }\nservice S { f(): P }', new: 'struct P { x: int32 }\nservice S { f(): P }', changes: [['field-removed', B]], message: 'old readers require it' },
  { name: 'optional field removed', old: 'struct P { x: int32; ┆y?: int32 }\nservice S { f(): P }', new: 'struct P { x: int32 }\nservice S { f(): P }', changes: [['field-removed', C]] },
  { name: 'field with default removed', old: 'struct P { x: int32; ┆y: int32 = 3 }\nservice S { f(): P }', new: 'struct P { x: int32 }\nservice S { f(): P }', changes: [['field-removed', C]] },
  { name: 'field type changed', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct P { ┆x: string }\nservice S { f(): P }', changes: [['type-changed', B]], message: "field 'x' of struct P" },
  { name: 'field optional to required', old: 'struct P { x?: int32 }\nservice S { f(): P }', new: 'struct P { ┆x: int32 }\nservice S { f(): P }', changes: [['field-now-required', B]] },
  { name: 'field required to optional', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct P { ┆x?: int32 }\nservice S { f(): P }', changes: [['field-now-optional', B]] },
  { name: 'field default changed', old: 'struct P { x: int32 = 1 }\nservice S { f(): P }', new: 'struct P { ┆x: int32 = 2 }\nservice S { f(): P }', changes: [['default-changed', C]] },
  { name: 'field wire rename', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct P { @wire("y") ┆x: int32 }\nservice S { f(): P }', changes: [['field-added', B], ['field-removed', B]] },
  { name: 'field TS rename, same wire name', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct P { @wire("x") z: int32 }\nservice S { f(): P }', changes: [] },
  { name: 'struct renamed (its name never travels)', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct ┆Q { x: int32 }\nservice S { f(): Q }', changes: [['declaration-added', C], ['declaration-removed', C]] },
  { name: 'renamed struct with a changed field: compared where it is used', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'struct Q { ┆x: string }\nservice S { f(): Q }', changes: [['type-changed', B], ['declaration-added', C], ['declaration-removed', C]] },
  { name: 'struct became an enum', old: 'struct P { x: int32 }\nservice S { f(): P }', new: 'enum P { x = 1 }\nservice S { ┆f(): P }', changes: [['type-changed', B], ['declaration-added', C], ['declaration-removed', C]] },
  { name: 'recursive struct compares and terminates', old: 'struct T { v: int32; kids: list<T> }\nservice S { f(): T }', new: 'struct T { ┆v: int64; kids: list<T> }\nservice S { f(): T }', changes: [['type-widened', C]] },
  { name: 'nested struct change reported once at the field', old: 'struct A { x: int32 }\nstruct P { a: A; b: A }\nservice S { f(p: P): P; g(): A }', new: 'struct A { ┆x: string }\nstruct P { a: A; b: A }\nservice S { f(p: P): P; g(): A }', changes: [['type-changed', B]] },
  { name: 'unused struct changed is still compared', old: 'struct P { x: int32 }', new: 'struct P { ┆x: string }', changes: [['type-changed', B]] },
  // Enums.
  { name: 'enum value added', old: 'enum E { a = 1 }\nservice S { f(e: E): void }', new: 'enum E { a = 1, ┆b = 2 }\nservice S { f(e: E): void }', changes: [['enum-value-added', C]] },
  { name: 'enum value removed', old: 'enum E { a = 1, ┆b = 2 }\nservice S { f(e: E): void }', new: 'enum E { a = 1 }\nservice S { f(e: E): void }', changes: [['enum-value-removed', B]] },
  { name: 'enum value renumbered', old: 'enum E { a = 1, b = 2 }\nservice S { f(e: E): void }', new: 'enum E { a = 1, ┆b = 3 }\nservice S { f(e: E): void }', changes: [['enum-value-renumbered', B]] },
  { name: 'enum member renamed (only the integer travels)', old: 'enum E { a = 1 }\nservice S { f(e: E): void }', new: 'enum E { ┆z = 1 }\nservice S { f(e: E): void }', changes: [['enum-member-renamed', C]] },
  // Unions.
  { name: 'union variant added', old: 'struct A { x: int32 }\nstruct B { y: int32 }\nunion U = A\nservice S { f(u: U): void }', new: 'struct A { x: int32 }\nstruct B { y: int32 }\nunion ┆U = A | B\nservice S { f(u: U): void }', changes: [['union-variant-added', C]] },
  { name: 'union variant removed', old: 'struct A { x: int32 }\nstruct B { y: int32 }\nunion ┆U = A | B\nservice S { f(u: U): void }', new: 'struct A { x: int32 }\nstruct B { y: int32 }\nunion U = A\nservice S { f(u: U): void }', changes: [['union-variant-removed', B]] },
  { name: 'union variant struct renamed: its $type tag changes', old: 'struct A { x: int32 }\nunion ┆U = A\nservice S { f(u: U): void }', new: 'struct A2 { x: int32 }\nunion U = A2\nservice S { f(u: U): void }', changes: [['union-variant-removed', B], ['declaration-added', C], ['declaration-removed', C], ['union-variant-added', C]] },
  { name: 'union variant field changed', old: 'struct A { x: int32 }\nunion U = A\nservice S { f(u: U): void }', new: 'struct A { ┆x: bool }\nunion U = A\nservice S { f(u: U): void }', changes: [['type-changed', B]] },
  // Errors and throws.
  { name: 'throws added', old: 'error E { id: string }\nservice S { f(): void }', new: 'error E { id: string }\nservice S { ┆f(): void throws E }', changes: [['throws-added', C]] },
  { name: 'throws removed', old: 'error E { id: string }\nservice S { f(): void throws E }', new: 'error E { id: string }\nservice S { ┆f(): void }', changes: [['throws-removed', C]] },
  { name: 'error gained a required field', old: 'error E { id: string }\nservice S { f(): void throws E }', new: 'error E { id: string; ┆code: int32 }\nservice S { f(): void throws E }', changes: [['field-added', B]], message: "field 'code' of error E" },
  { name: 'error gained an optional field', old: 'error E { id: string }\nservice S { f(): void throws E }', new: 'error E { id: string; ┆code?: int32 }\nservice S { f(): void throws E }', changes: [['field-added', C]] },
  { name: 'error field type changed', old: 'error E { id: string }\nservice S { f(): void throws E }', new: 'error E { ┆id: int32 }\nservice S { f(): void throws E }', changes: [['type-changed', B]] },
  { name: 'thrown error renamed', old: 'error E { id: string }\nservice S { f(): void throws E }', new: 'error F { id: string }\nservice S { ┆f(): void throws F }', changes: [['throws-added', C], ['throws-removed', C], ['declaration-added', C], ['declaration-removed', C]] },
  // Auth.
  { name: '@auth added', old: 'service S { f(): void }', new: 'service S { @auth("admin") ┆f(): void }', changes: [['auth-stricter', B]] },
  { name: '@auth added on the service', old: 'service S { f(): void }', new: '@auth("admin") service S { ┆f(): void }', changes: [['auth-stricter', B]] },
  { name: '@auth removed', old: 'service S { @auth("admin") f(): void }', new: 'service S { ┆f(): void }', changes: [['auth-looser', C]] },
  { name: '@auth group removed', old: 'service S { @auth("admin", "ops") f(): void }', new: 'service S { @auth("admin") ┆f(): void }', changes: [['auth-stricter', B]], message: '"ops"' },
  { name: '@auth group added', old: 'service S { @auth("admin") f(): void }', new: 'service S { @auth("admin", "ops") ┆f(): void }', changes: [['auth-looser', C]] },
  { name: '@auth group replaced', old: 'service S { @auth("a") f(): void }', new: 'service S { @auth("b") ┆f(): void }', changes: [['auth-stricter', B]] },
  { name: '@auth on a topic', old: 'service S { topic t: int32 }', new: 'service S { @auth("a") topic ┆t: int32 }', changes: [['auth-stricter', B]] },
  // Topics.
  { name: 'topic type changed', old: 'service S { topic t: int32 }', new: 'service S { topic ┆t: string }', changes: [['type-changed', B]], message: 'topic S.t changed type' },
  { name: 'topic struct field added as optional', old: 'struct P { x: int32 }\nservice S { topic t: P }', new: 'struct P { x: int32; ┆y?: int32 }\nservice S { topic t: P }', changes: [['field-added', C]] },
  // Consts and other declarations.
  { name: 'const value changed (informational)', old: 'const N: int32 = 1', new: 'const ┆N: int32 = 2', changes: [['const-value-changed', C]] },
  { name: 'const type changed (informational)', old: 'const N: int32 = 1', new: 'const ┆N: int64 = 1', changes: [['const-type-changed', C]] },
  { name: 'const added', old: 'const N: int32 = 1', new: 'const N: int32 = 1\nconst ┆M: int32 = 1', changes: [['declaration-added', C]] },
  { name: 'unused enum removed', old: 'enum ┆E { a = 1 }\nservice S { f(): void }', new: 'service S { f(): void }', changes: [['declaration-removed', C]] },
  { name: 'package renamed only (qualified names change, wire does not)', old: 'package a.v1\nstruct P { x: int32 }\nservice S { f(): P }', new: 'package a.v2\nstruct P { x: int32 }\nservice S { f(): P }', changes: [] },
  { name: 'package renamed and a field changed', old: 'package a.v1\nstruct P { x: int32 }', new: 'package a.v2\nstruct P { ┆x: bool }', changes: [['type-changed', B]] },
];

function compile(marked: string): { model: SchemaModel; marker?: { line: number; column: number } } {
  if (!marked.includes('┆')) return { model: assertValid(compileText(marked)) };
  const { text, line, column } = extractMarker(marked);
  return { model: assertValid(compileText(text)), marker: { line, column } };
}

function sortedPairs(pairs: ReadonlyArray<readonly [string, boolean]>): string[] {
  return pairs.map(([kind, breaking]) => `${kind}:${breaking ? 'breaking' : 'compatible'}`).sort();
}

describe('compareModels', () => {
  for (const c of cases) {
    it(c.name, () => {
      const oldSide = compile(c.old);
      const newSide = compile(c.new);
      const changes = compareModels(oldSide.model, newSide.model);
      assert.deepEqual(sortedPairs(changes.map((x) => [x.kind, x.breaking])), sortedPairs(c.changes), JSON.stringify(changes, null, 2));
      const first = c.changes[0];
      if (first === undefined) return;
      const side = oldSide.marker !== undefined ? 'old' : 'new';
      const marker = oldSide.marker ?? newSide.marker;
      assert.ok(marker, 'a case with changes needs a ┆ marker');
      const located = changes.filter((x) => x.kind === first[0] && x.breaking === first[1]);
      assert.ok(
        located.some((x) => x.side === side && x.location.file === 'main.sparrow' && x.location.line === marker.line && x.location.column === marker.column),
        `expected ${first[0]} at ${side} ${marker.line}:${marker.column}, got ${JSON.stringify(located.map((x) => [x.side, x.location]))}`,
      );
      if (c.message !== undefined) assert.ok(located.some((x) => x.message.includes(c.message as string)), `message: ${located.map((x) => x.message).join(' | ')}`);
    });
  }

  it('covers every change kind in the table', () => {
    const covered = new Set(cases.flatMap((c) => c.changes.map(([kind]) => kind)));
    assert.deepEqual(compatChangeKinds.filter((kind) => !covered.has(kind)), []);
  });

  it('is a pure function of the models and sorts new-side changes before old-side ones', () => {
    const oldModel = assertValid(compileText('struct P { x: int32; y: int32 }\nservice S { f(): P; g(): void }'));
    const newModel = assertValid(compileText('struct P { x: string }\nservice S { f(): P; h(a: int32): void }'));
    const first = compareModels(oldModel, newModel);
    assert.deepEqual(compareModels(oldModel, newModel), first);
    assert.deepEqual(
      first.map((c) => c.side),
      ['new', 'new', 'old', 'old'],
    );
    assert.doesNotThrow(() => JSON.stringify(first));
  });

  it('finds nothing between a schema and itself (demo)', async () => {
    const { compileSchemas } = await import('../../compiler/compile.ts');
    const { model } = compileSchemas(['schemas/demo.sparrow']);
    assert.ok(model);
    assert.deepEqual(compareModels(model, model), []);
  });
});
