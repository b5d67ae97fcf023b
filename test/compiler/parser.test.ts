import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertValid, compileText, extractMarker } from './schema-test-utils.ts';

/** Every construct of the language, each on its own: all must compile without error. */
const validSchemas: [string, string][] = [
  ['an empty file', ''],
  ['only comments', '// nothing\n/* block\n comment */\n/// stray doc\n'],
  ['a package', 'package demo.v1'],
  ['a package and declarations separated by ;', 'package a; struct A { x: int32 }; struct B { y: int32 };'],
  ['consts of every scalar type', 'const A: bool = true\nconst B: int8 = -128\nconst C: uint64 = 18_446_744_073_709_551_615\nconst D: float32 = 1.5e3\nconst E: string = "x"\nconst F: int = 0x1F_FF\nconst G: float64 = -2\nconst H: any = { a: [1, "b", null, true] }'],
  ['an enum with mixed separators and a trailing one', 'enum Color { red = 1, green = 2; blue = 3\n  cyan = -4, }'],
  ['an enum with hex values', 'enum Flags { a = 0x1, b = 0x2, c = 0x4_0 }'],
  ['a struct with every type', 'struct S {\n a: bool\n b: int8\n c: int16\n d: int32\n e: uint8\n f: uint16\n g: uint32\n h: int\n i: int64\n j: uint64\n k: float32\n l: float64\n m: string\n n: bytes\n o: any\n p: list<int32>\n q: map<string, list<string>>\n r: map<int32, bool>\n s: tuple<int32, string, list<bool>>\n t?: string\n}'],
  ['struct fields separated by , and ; on one line', 'struct P { x: float64, y: float64; z: float64, }'],
  ['defaults of every kind', 'enum Color { red = 1 }\nstruct Inner { a: int32; b?: string }\nstruct S {\n tags: list<string> = []\n m: map<string, int32> = { "a": 1, b: 2 }\n im: map<uint8, string> = { 1: "one", "2": "two" }\n t: tuple<int32, string> = [1, "x"]\n c: Color = Color.red\n c2: Color = red\n inner: Inner = { a: 1 }\n o?: string = null\n f: float64 = 3\n s: string = "tab\\t quote\\" \\u00e9 slash\\/"\n big: int64 = -9_223_372_036_854_775_808\n}'],
  ['a const used as a default', 'const MAX: int32 = 100\nstruct S { limit: int32 = MAX; f: float64 = MAX; l: int64 = MAX }'],
  ['a union, with and without a leading |', 'struct A { a: int32 }\nstruct B { b: int32 }\nunion U = A | B\nunion V =\n  | A\n  | B'],
  ['an error', 'error NotFound { id: string; detail?: string }'],
  ['a service with every member kind', `error E { x: int32 }
error F { y: int32 }
struct P { x: float64 }
service S {
  plain(a: int32, b?: string, c: string = "d"): string
  nothing(): void
  implicit_void()
  multipart(up_to: int32): stream<tuple<int32, int32>>
  iterable(data: stream<int32>): int32
  progress(data: list<string>, progress: callback(message: string)): string
  ask(question: callback(q: string): bool): void
  optional_callback(cb?: callback(n: int32)): void
  failing(): bytes throws E
  failing_more(): bytes throws E, F
  after_throws(): void throws E, F, next_method(): void
  notify log(line: string, level: int8 = 0)
  topic ticks: P
}`],
  ['keywords as member, field and param names', `struct K { stream: int32; topic: string; notify: bool; service: int32; error: string; struct: int32; package: int32; import: int32; throws: int32; true: int32 }
service S {
  topic(x: int32): void
  notify(x: int32): void
  stream(callback: int32, list: string): void
  service(): void
  error(): void
}
service T {
  topic topic: int32
  notify notify(stream: int32)
}`],
  ['members separated by , and ; with a trailing separator', 'service S { a(): void, b(): void; c(): void; }'],
  ['params over several lines with a trailing comma', 'service S {\n  f(\n    a: int32,\n    b: string,\n  ): void\n}'],
  ['attributes everywhere they apply', `@deprecated("old") struct Old { @wire("X") @deprecated x: int32 }
@namespace("") @auth("admin", "ops") service S {
  @auth("user") @wire("do_it") @deprecated("use other") f(@wire("A") a: int32): void
  @auth("user") notify n()
  @auth("user") topic t: int32
}
enum E { @deprecated a = 1 }`],
  ['doc comments everywhere', '/// file doc\npackage p\n/// struct doc\nstruct S {\n  /// field doc\n  x: int32\n}\n/// service doc\nservice T {\n  /// method doc\n  f(\n    /// param doc\n    a: int32): void\n}'],
  ['map and list nesting with closing >> written together', 'struct S { m: map<string, list<map<int64, string>>> }'],
  ['a namespace with dots and dashes', '@namespace("my.app-v2") service S { f(): void }'],
];

describe('parser and checker accept every construct', () => {
  for (const [name, text] of validSchemas) {
    it(name, () => {
      assertValid(compileText(text));
    });
  }
});

/** [code, source with ┆ where the diagnostic must start]. */
const syntaxCases: [string, string, string][] = [
  ['syntax-error', 'a missing closing brace', 'struct A { x: int32┆ '],
  ['syntax-error', 'a member without a type', 'struct A { x ┆}'],
  ['syntax-error', 'garbage at the top level', 'struct A { x: int32 }\n┆hello world\nstruct B { y: int32 }'],
  ['syntax-error', 'a missing ) in params', 'service S { f(a: int32: void }'.replace('int32: void', 'int32┆: void')],
  ['syntax-error', 'a number as a name', 'struct ┆1 { }'],
  ['syntax-error', 'a notify with a result', 'service S { notify n()┆: string }'],
  ['unterminated-string', 'a string without its closing quote', 'const A: string = ┆"abc\nstruct B { x: int32 }'],
  ['unterminated-comment', 'a block comment without */', 'struct A { x: int32 }\n┆/* never closed\nstruct B { y: int32 }'],
  ['invalid-character', 'a stray character', 'struct A { x: int32 ┆# }'],
  ['invalid-escape', 'a non-JSON escape', 'const A: string = "ab┆\\q"'],
  ['invalid-number', 'a doubled underscore', 'const A: int32 = ┆1__0'],
  ['invalid-number', 'a bare 0x', 'const A: int32 = ┆0x'],
  ['nesting-too-deep', 'a type nested 65 levels deep', `struct A { x: ${'list<'.repeat(63)}list┆<int32${'>'.repeat(64)} }`],
  ['missing-separator', 'two fields on one line', 'struct A { x: int32 ┆y: int32 }'],
  ['missing-separator', 'two list items without a comma', 'struct A { x: list<int32> = [1 ┆2] }'],
];

describe('syntax diagnostics point at the right place', () => {
  for (const [code, name, marked] of syntaxCases) {
    it(`${code}: ${name}`, () => {
      const { text, line, column } = extractMarker(marked);
      const result = compileText(text);
      assert.equal(result.model, undefined);
      const found = result.diagnostics.find((d) => d.code === code);
      assert.ok(found, `expected ${code}, got ${JSON.stringify(result.diagnostics)}`);
      assert.deepEqual({ line: found.line, column: found.column }, { line, column }, found.message);
    });
  }

  it('survives nesting far beyond the limit without exhausting the stack', () => {
    const result = compileText(`const A: any = ${'['.repeat(100_000)}`);
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['nesting-too-deep']);
  });

  it('reports what was expected', () => {
    const result = compileText('struct A { x: int32 ');
    assert.match(result.diagnostics[0]?.message ?? '', /^Expected '\}' but found the end of the file\.$/);
  });

  it('recovers and reports several syntax errors in one run', () => {
    const result = compileText('struct A { x: }\nstruct B { y int32 }\nservice S { f(: void }\nstruct C { z: Unknown }');
    const codes = result.diagnostics.map((d) => `${d.line}:${d.code}`);
    assert.ok(codes.filter((c) => c.endsWith('syntax-error')).length >= 3, codes.join(', '));
    assert.ok(codes.includes('4:unknown-type'), `declarations after errors are still checked: ${codes.join(', ')}`);
  });

  it('gives one diagnostic for an unterminated string, not a cascade', () => {
    const result = compileText('struct A {\n  s: string = "abc\n}\n');
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['unterminated-string']);
  });

  it('keeps a span with end line and column', () => {
    const result = compileText('struct A { x: Missing }');
    assert.deepEqual(result.diagnostics[0], {
      code: 'unknown-type',
      severity: 'error',
      message: "Unknown type 'Missing'.",
      file: 'main.sparrow',
      line: 1,
      column: 15,
      endLine: 1,
      endColumn: 22,
    });
  });
});
