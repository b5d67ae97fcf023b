import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileSchemas, compileSchemaText, systemSchemaPath } from '../../compiler/compile.ts';
import { diagnosticMessages, type DiagnosticCode } from '../../compiler/diagnostics/messages.ts';
import type { CallMember, SchemaModel, ServiceDeclaration, StructDeclaration } from '../../compiler/model/model.ts';
import { projectRoot } from '../helpers/cli.ts';
import { assertValid, compileFiles, compileText, extractMarker } from './schema-test-utils.ts';

/** [code, case name, main.sparrow with ┆ at the expected position, other files, entry file]. */
const checkCases: [DiagnosticCode, string, string, Record<string, string>?, string?][] = [
  ['unknown-type', 'an undeclared type', 'struct A { x: ┆Foo }'],
  ['unknown-type', 'a qualified name of a package not imported', 'struct A { x: ┆other.Foo }'],
  ['unknown-type', 'an unknown error in throws', 'service S { f(): void throws ┆Nope }'],
  ['not-a-type', 'a service used as a type', 'service S { f(): void }\nstruct A { x: ┆S }'],
  ['invalid-type-arguments', 'list with two arguments', 'struct A { x: ┆list<int32, int32> }'],
  ['invalid-type-arguments', 'a scalar with arguments', 'struct A { x: ┆int32<string> }'],
  ['invalid-type-arguments', 'map with one argument', 'struct A { x: ┆map<string> }'],
  ['invalid-type-arguments', 'list without arguments', 'struct A { x: ┆list }'],
  ['invalid-type-arguments', 'a parameter list on something else than callback', 'service S { f(cb: ┆handler(x: int32)): void }'],
  ['invalid-map-key', 'a float map key', 'struct A { x: map<┆float64, int32> }'],
  ['stream-not-allowed', 'in a struct field', 'struct A { x: ┆stream<int32> }'],
  ['stream-not-allowed', 'nested in a result', 'service S { f(): list<┆stream<int32>> }'],
  ['stream-not-allowed', 'in a callback param', 'service S { f(cb: callback(s: ┆stream<int32>)): void }'],
  ['stream-not-allowed', 'as a map key', 'struct A { x: map<┆stream<int32>, int32> }'],
  ['stream-not-allowed', 'as a topic type', 'service S { topic t: ┆stream<int32> }'],
  ['stream-not-allowed', 'in a notify param', 'service S { notify n(s: ┆stream<int32>) }'],
  ['stream-not-allowed', 'nested stream in a stream', 'service S { f(): stream<┆stream<int32>> }'],
  ['callback-not-allowed', 'in a field', 'struct A { x: ┆callback(a: int32) }'],
  ['callback-not-allowed', 'in a notify', 'service S { notify n(cb: ┆callback(a: int32)) }'],
  ['callback-not-allowed', 'in a callback', 'service S { f(cb: callback(inner: ┆callback())): void }'],
  ['void-not-allowed', 'as a param type', 'service S { f(a: ┆void): void }'],
  ['void-not-allowed', 'in a list', 'struct A { x: list<┆void> }'],
  ['union-member-not-struct', 'an enum in a union', 'enum E { a = 1 }\nstruct B { b: int32 }\nunion U = B | ┆E'],
  ['throws-not-error', 'a struct in throws', 'struct X { a: int32 }\nservice S { f(): void throws ┆X }'],
  ['duplicate-name', 'two declarations', 'struct A { x: int32 }\nenum ┆A { a = 1 }'],
  ['duplicate-name', 'two members', 'service S { f(): void\n  notify ┆f() }'],
  ['duplicate-name', 'two params', 'service S { f(a: int32, ┆a: string): void }'],
  ['duplicate-name', 'two fields', 'struct A { x: int32; ┆x: string }'],
  ['duplicate-name', 'two enum members', 'enum E { a = 1, ┆a = 2 }'],
  ['duplicate-name', 'a union member twice', 'struct B { b: int32 }\nunion U = B | ┆B'],
  ['duplicate-wire-name', 'a @wire name equal to another member', 'service S { @wire("g") f(): void; ┆g(): void }'],
  ['duplicate-enum-value', 'two members with one value', 'enum E { a = 1, b = ┆1 }'],
  ['reserved-name', 'a struct named like a built-in', 'struct ┆list { x: int32 }'],
  ['import-not-found', 'a missing file', 'import ┆"missing.sparrow"'],
  // Reported at the import that closes the loop, seen from the entry.
  ['import-cycle', 'two files importing each other', 'import ┆"b.sparrow"', { 'b.sparrow': 'import "main.sparrow"' }, 'b.sparrow'],
  ['import-cycle', 'a file importing itself', 'import ┆"main.sparrow"'],
  ['import-name-clash', 'an imported name equal to a local one', 'import ┆"b.sparrow"\nstruct Id { x: int32 }', { 'b.sparrow': 'package b\nstruct Id { y: int32 }' }],
  ['package-not-first', 'package after a declaration', 'struct A { x: int32 }\n┆package p'],
  ['duplicate-package', 'two packages', 'package p\n┆package q'],
  ['value-type-mismatch', 'a string default for an int', 'struct A { x: int32 = ┆"a" }'],
  ['value-type-mismatch', 'a float for an int const', 'const A: int32 = ┆1.5'],
  ['value-type-mismatch', 'a struct literal missing a field', 'struct P { x: int32; y: int32 }\nstruct A { p: P = ┆{ x: 1 } }'],
  ['value-type-mismatch', 'an unknown enum member', 'enum C { red = 1 }\nstruct A { c: C = ┆C.purple }'],
  ['value-type-mismatch', 'null for a required field', 'struct A { x: string = ┆null }'],
  ['value-type-mismatch', 'a default on a stream param', 'service S { f(s: stream<int32> = ┆[]): void }'],
  ['value-type-mismatch', 'a const of another type', 'const N: string = "x"\nstruct A { x: int32 = ┆N }'],
  ['const-cycle', 'a const defined by itself', 'const A: int32 = ┆A'],
  ['const-cycle', 'two consts defined by each other', 'const A: int32 = ┆B\nconst B: int32 = A'],
  ['value-type-mismatch', 'a tuple of the wrong length', 'const T: tuple<int32, int32> = ┆[1]'],
  ['value-type-mismatch', 'an unknown struct field', 'struct P { x: int32 }\nconst Q: P = { x: 1, ┆y: 1 }'],
  ['value-type-mismatch', 'bytes have no literal', 'const B: bytes = ┆"x"'],
  ['value-type-mismatch', 'an enum value that is not an integer', 'enum E { a = ┆"x" }'],
  ['invalid-type-arguments', 'callback without a parameter list', 'service S { f(cb: ┆callback): void }'],
  ['int-out-of-range', 'uint8 256', 'struct A { x: uint8 = ┆256 }'],
  ['int-out-of-range', 'a negative unsigned', 'const A: uint32 = ┆-1'],
  ['int-out-of-range', 'beyond int64', 'const A: int64 = ┆9_223_372_036_854_775_808'],
  ['int-out-of-range', 'an enum value beyond int32', 'enum E { a = ┆0x1_0000_0000 }'],
  ['int-out-of-range', 'a map key out of range', 'struct A { m: map<uint8, string> = { ┆300: "x" } }'],
  ['enum-value-required', 'an enum member without a value', 'enum E { ┆a }'],
  ['unknown-attribute', 'an attribute nobody knows', '┆@cached service S { f(): void }'],
  ['invalid-attribute-target', '@namespace on a struct', '┆@namespace("x") struct A { x: int32 }'],
  ['invalid-attribute-argument', '@wire with a number', 'service S { ┆@wire(1) f(): void }'],
  ['duplicate-attribute', '@auth twice', 'service S { @auth("a") ┆@auth("b") f(): void }'],
  ['auth-without-groups', '@auth()', 'service S { ┆@auth() f(): void }'],
  ['reserved-namespace', '#sys in a user schema', '@namespace(┆"#sys") service S { ping(): string }'],
  ['reserved-namespace', 'any #-namespace', '@namespace(┆"#mine") service S { ping(): string }'],
  ['invalid-namespace', 'a namespace with a space', '@namespace(┆"a b") service S { f(): void }'],
  ['deprecated-reference', 'a field of a deprecated type', '@deprecated("use B") struct A { x: int32 }\nstruct C { a: ┆A }'],
  ['ts-name-clash', 'two members with one camelCase name', 'service S { hello_world(): void; ┆helloWorld(): void }'],
  ['duplicate-import', 'one file imported twice', 'import "b.sparrow"\nimport ┆"b.sparrow"', { 'b.sparrow': 'struct B { x: int32 }' }],
];

describe('checker diagnostics: code, line and column', () => {
  for (const [code, name, marked, others, entry] of checkCases) {
    it(`${code}: ${name}`, () => {
      const { text, line, column } = extractMarker(marked);
      const result = compileFiles({ 'main.sparrow': text, ...others }, entry ?? 'main.sparrow');
      const found = result.diagnostics.find((d) => d.code === code && d.file === 'main.sparrow');
      assert.ok(found, `expected ${code}, got ${JSON.stringify(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`))}`);
      assert.deepEqual({ line: found.line, column: found.column }, { line, column }, found.message);
      assert.equal(found.severity, diagnosticMessages[code].severity);
      if (found.severity === 'error') assert.equal(result.model, undefined);
      else assert.ok(result.model, 'a warning alone still yields a model');
    });
  }

  it('file-not-found: an entry that cannot be read', () => {
    const result = compileFiles({}, 'nope.sparrow');
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column]), [['file-not-found', 'nope.sparrow', 1, 1]]);
  });

  it('every diagnostic code in the table is exercised by a test', () => {
    const syntaxCodes = ['syntax-error', 'unterminated-string', 'unterminated-comment', 'invalid-character', 'invalid-escape', 'invalid-number', 'missing-separator', 'nesting-too-deep', 'file-not-found'];
    const covered = new Set<string>([...checkCases.map(([code]) => code), ...syntaxCodes]);
    assert.deepEqual(Object.keys(diagnosticMessages).filter((code) => !covered.has(code)), []);
  });

  it('renders every message variant of a code with variants (the table stays closed)', () => {
    const variantsOf = (code: DiagnosticCode): Record<string, unknown> => (diagnosticMessages[code] as { variants?: Record<string, unknown> }).variants ?? {};
    assert.deepEqual(Object.keys(variantsOf('invalid-type-arguments')).sort(), ['callback-needs-params', 'no-type-arguments', 'not-callback', 'wrong-count']);
    assert.ok(Object.keys(variantsOf('value-type-mismatch')).length >= 10);
    const messages = [
      compileText('struct A { x: int32 = "a" }'),
      compileText('const T: tuple<int32, int32> = [1]'),
      compileText('struct P { x: int32; y: int32 }\nconst Q: P = { x: 1 }'),
      compileText('service S { f(cb: handler(x: int32)): void }'),
      compileText('const A: int32 = A'),
    ].map((r) => r.diagnostics[0]?.message);
    assert.deepEqual(messages, [
      "Value does not match type 'int32': expected an integer, found a string.",
      "Value does not match type 'tuple<int32, int32>': expected 2 items, found 1.",
      "Value does not match type 'P': missing required field 'y'.",
      "'handler' takes no parameter list; only 'callback(...)' does.",
      "'A' is defined in terms of itself.",
    ]);
  });

  it('names the whole cycle', () => {
    const result = compileFiles({ 'main.sparrow': 'import "b.sparrow"', 'b.sparrow': 'import "c.sparrow"', 'c.sparrow': 'import "main.sparrow"' });
    const cycle = result.diagnostics.filter((d) => d.code === 'import-cycle');
    assert.equal(cycle.length, 1);
    assert.match(cycle[0]?.message ?? '', /main\.sparrow → b\.sparrow → c\.sparrow → main\.sparrow/);
  });

  it('reports every mistake of a file at once', () => {
    const result = compileText('struct A { x: Foo; y: uint8 = 300 }\nservice S { f(a: void): void throws A; @bogus g(): void }');
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['unknown-type', 'int-out-of-range', 'void-not-allowed', 'throws-not-error', 'unknown-attribute']);
  });
});

function service(model: SchemaModel, name: string): ServiceDeclaration {
  const declaration = model.declarations[name];
  assert.equal(declaration?.kind, 'service');
  return declaration as ServiceDeclaration;
}

function call(svc: ServiceDeclaration, name: string): CallMember {
  const member = svc.members.find((m) => m.name === name);
  assert.equal(member?.kind, 'call', `${name} is a call`);
  return member as CallMember;
}

describe('the model', () => {
  const demo = compileSchemas([`${projectRoot}schemas/demo.sparrow`], { cwd: projectRoot });
  const model = assertValid(demo);

  it('reproduces the seed README services in the default namespace', () => {
    const svc = service(model, 'demo.v1.Demo');
    assert.equal(svc.namespace, '');
    const hello = call(svc, 'hello_world');
    assert.equal(hello.tsName, 'helloWorld');
    assert.equal(hello.wireName, 'hello_world');
    assert.deepEqual(hello.params.map((p) => [p.kind, p.name, p.kind === 'value' ? p.default : undefined]), [['value', 'name', 'world']]);
    assert.deepEqual(hello.result, { kind: 'value', type: { kind: 'string' } });
    const progress = call(svc, 'demo_progress_update');
    assert.deepEqual(progress.params.map((p) => p.kind), ['value', 'callback']);
    const callback = progress.params[1];
    assert.ok(callback?.kind === 'callback');
    assert.deepEqual(callback.result, { kind: 'void' });
    assert.deepEqual(callback.params.map((p) => p.name), ['message']);
    const multipart = call(svc, 'demo_multipart_response');
    assert.equal(multipart.result.kind, 'stream');
    assert.equal(multipart.params[0]?.tsName, 'upTo');
    const iterable = call(svc, 'demo_multipart_param');
    assert.equal(iterable.params[0]?.kind, 'stream');
  });

  it('resolves qualified names, throws, auth, reserved words and topics', () => {
    const notes = service(model, 'demo.v1.Notes');
    assert.equal(notes.namespace, 'notes');
    const remove = call(notes, 'delete');
    // A property name, so the reserved word stays as written.
    assert.equal(remove.tsName, 'delete');
    assert.deepEqual(remove.auth, ['admin']);
    assert.deepEqual(remove.throws, ['demo.common.NotFound', 'demo.common.Forbidden']);
    assert.deepEqual(remove.params[0]?.kind === 'value' && remove.params[0].type, { kind: 'ref', target: 'demo.common.Id', targetKind: 'struct' });
    const topic = notes.members.find((m) => m.kind === 'topic');
    assert.deepEqual(topic && topic.kind === 'topic' && topic.type, { kind: 'ref', target: 'demo.v1.Note', targetKind: 'struct' });
    assert.equal(call(notes, 'list_all').deprecated, 'use list');
    const note = model.declarations['demo.v1.Note'] as StructDeclaration;
    const created = note.fields.find((f) => f.name === 'created_at');
    assert.equal(created?.tsName, 'createdAt');
    assert.deepEqual(created?.type, { kind: 'int', name: 'int64', min: '-9223372036854775808', max: '9223372036854775807', bigint: true });
    assert.equal(created?.doc, 'Milliseconds since the epoch; int64 travels exactly.');
  });

  it('is deeply frozen and survives a JSON round trip unchanged', () => {
    assert.ok(Object.isFrozen(model));
    const note = model.declarations['demo.v1.Note'] as StructDeclaration;
    assert.ok(Object.isFrozen(note.fields[0]?.location));
    assert.deepEqual(JSON.parse(JSON.stringify(model)), model);
  });

  it('lists files with relative paths and locations', () => {
    assert.deepEqual(model.files.map((f) => [f.path, f.package, f.entry, f.imports]), [
      ['demo.sparrow', 'demo.v1', true, ['demo-common.sparrow']],
      ['demo-common.sparrow', 'demo.common', false, []],
    ]);
    const svc = service(model, 'demo.v1.Demo');
    assert.deepEqual(svc.location, { file: 'demo.sparrow', line: 12, column: 9 });
    assert.equal(model.files[0]?.doc?.startsWith('The Sparrow demo'), true);
  });

  it('accepts #sys only in the system schema', () => {
    const sys = assertValid(compileSchemas([systemSchemaPath]));
    const system = service(sys, 'sparrow.sys.System');
    assert.equal(system.namespace, '#sys');
    assert.deepEqual(system.members.map((m) => `${m.kind} ${m.name}`), ['call ping', 'call features', 'notify cancel', 'call describe']);
    assert.equal(sys.files[0]?.system, true);
    const copy = readFileSync(systemSchemaPath, 'utf8');
    assert.deepEqual(compileSchemaText(copy, '/elsewhere/sys.sparrow', { readFile: () => undefined }).diagnostics.map((d) => d.code), ['reserved-namespace']);
    assertValid(compileSchemaText(copy, '/elsewhere/sys.sparrow', { readFile: () => undefined, systemSchema: true }));
  });

  it('tells keyword-named members apart by what follows', () => {
    const m = assertValid(compileText('service S {\n  topic(x: int32): void\n  notify(x: int32): void\n  topic notify2: int32\n  notify topic2(stream: int32)\n}'));
    assert.deepEqual(service(m, 'S').members.map((x) => `${x.kind} ${x.name}`), ['call topic', 'call notify', 'topic notify2', 'notify topic2']);
  });

  it('keeps doc comments on declarations, members and params', () => {
    const m = assertValid(compileText('/// pkg\npackage p\n/// The service.\n/// Two lines.\nservice S {\n  /// Does f.\n  @auth("x") f(\n    /// The a.\n    a: int32): void\n}'));
    const s = service(m, 'p.S');
    assert.equal(m.files[0]?.doc, 'pkg');
    assert.equal(s.doc, 'The service.\nTwo lines.');
    assert.equal(s.members[0]?.doc, 'Does f.');
    assert.equal((s.members[0] as CallMember).params[0]?.doc, 'The a.');
  });

  it('folds service-level @auth into members, member @auth wins', () => {
    const m = assertValid(compileText('@auth("user") service S { f(): void; @auth("admin") g(): void }'));
    assert.deepEqual(service(m, 'S').members.map((x) => x.auth), [['user'], ['admin']]);
    assert.deepEqual(service(m, 'S').auth, ['user']);
  });

  it('converts defaults to wire values', () => {
    const m = assertValid(compileText('enum C { red = 1; blue = 3 }\nstruct In { @wire("X") x: int32 }\nstruct S {\n  big: uint64 = 0xFFFF_FFFF_FFFF_FFFF\n  c: C = blue\n  i: In = { x: 2 }\n  m: map<int16, bool> = { 0x10: true }\n}'));
    const s = m.declarations['S'] as StructDeclaration;
    assert.deepEqual(s.fields.map((f) => f.default), ['18446744073709551615', 3, { X: 2 }, { '16': true }]);
  });

  it('names TS identifiers deterministically', () => {
    const m = assertValid(compileText('struct Error { class: int32; HTTPServer: string; _private: bool }\nstruct point_2d { x: int32 }'));
    const error = m.declarations['Error'] as StructDeclaration;
    assert.equal(error.tsName, 'Error_');
    assert.deepEqual(error.fields.map((f) => f.tsName), ['class', 'httpServer', '_private']);
    assert.equal(m.declarations['point_2d']?.tsName, 'Point2d');
  });

  it('resolves a package-qualified name and a plain name to the same declaration', () => {
    const m = assertValid(compileFiles({ 'main.sparrow': 'import "common.sparrow"\nstruct A { a: common.Id; b: Id }', 'common.sparrow': 'package common\nstruct Id { v: string }' }));
    const a = m.declarations['A'] as StructDeclaration;
    assert.deepEqual(a.fields.map((f) => f.type), [{ kind: 'ref', target: 'common.Id', targetKind: 'struct' }, { kind: 'ref', target: 'common.Id', targetKind: 'struct' }]);
  });
});

describe('literal values', () => {
  it('keeps a "__proto__" key of a map or any literal as an ordinary entry', () => {
    const result = compileSchemaText('const M: map<string, int32> = { "__proto__": 1, "a": 2 }\nconst A: any = { "__proto__": [1] }');
    assert.deepEqual(result.diagnostics, []);
    const model = result.model as SchemaModel;
    const map = (model.declarations['M'] as { value: Record<string, unknown> }).value;
    assert.deepEqual(Object.keys(map), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(map), Object.prototype);
    assert.equal(JSON.stringify((model.declarations['A'] as { value: unknown }).value), '{"__proto__":[1]}');
  });
});
