import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createSourceFile } from '../../compiler/source/source-file.ts';
import { MAX_NESTING, parseSchema, parseWithRecovery } from '../../compiler/syntax/parse.ts';
import { parseValidSchema } from '../../compiler/syntax/parse-valid.ts';
import { projectRoot } from '../helpers/cli.ts';
import { mutateSchema } from '../helpers/schema-mutations.ts';
import { createRandom } from '../helpers/seeded-random.ts';

/** Every schema of the repository (examples, fixtures, golden cases, templates, the bench's). */
function repositorySchemas(): Record<string, string> {
  const found: Record<string, string> = {};
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist') continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(absolute);
      else if (entry.name.endsWith('.sparrow')) found[path.relative(projectRoot, absolute)] = readFileSync(absolute, 'utf8');
    }
  };
  for (const folder of ['schemas', 'test', 'examples', 'templates', 'bench/schemas', 'compiler/schemas']) {
    try {
      visit(path.join(projectRoot, folder));
    } catch {
      // A folder a checkout may not have.
    }
  }
  return found;
}

/**
 * The contract of the fast path: it gives up exactly where the recovering
 * parser reports something, and otherwise builds the very same AST.
 */
function assertSamePaths(text: string, label: string): 'valid' | 'invalid' {
  const source = createSourceFile(path.resolve('/p/schema.sparrow'), 'schema.sparrow', text);
  const slow = parseWithRecovery(source);
  const fast = parseValidSchema(source, MAX_NESTING);
  if (slow.diagnostics.length > 0) {
    assert.equal(fast, undefined, `${label}: the fast path accepted text the recovering parser reports (${slow.diagnostics.map((d) => d.code).join(', ')})\n--- schema ---\n${text}`);
    return 'invalid';
  }
  assert.notEqual(fast, undefined, `${label}: the fast path gave up on a well-formed file\n--- schema ---\n${text}`);
  assert.deepStrictEqual(fast, slow.ast, `${label}: the two paths built different ASTs\n--- schema ---\n${text}`);
  return 'valid';
}

const schemas = repositorySchemas();

describe('fast path of the syntax stage (parse-valid.ts)', () => {
  it('builds the same AST as the recovering parser for every schema in the repository', () => {
    const names = Object.keys(schemas);
    assert.ok(names.length >= 20, `found only ${names.length} schemas`);
    let valid = 0;
    for (const name of names) if (assertSamePaths(schemas[name] ?? '', name) === 'valid') valid++;
    // Most of the repository's schemas are well-formed; the rest are error fixtures.
    assert.ok(valid >= names.length / 2, `only ${valid} of ${names.length} took the fast path`);
  });

  it('agrees with the recovering parser on 2,500 mutated variants (gives up exactly when it reports)', () => {
    const random = createRandom(0xfa57);
    const names = Object.keys(schemas);
    const counts = { valid: 0, invalid: 0 };
    for (let i = 0; i < 2500; i++) {
      const name = names[i % names.length] as string;
      let text = schemas[name] ?? '';
      const rounds = 1 + Math.floor(random() * 3);
      for (let r = 0; r < rounds; r++) text = mutateSchema(text, random, schemas);
      counts[assertSamePaths(text, `variant ${i} of ${name}`)]++;
    }
    // Both kinds must occur, or the comparison proves little.
    assert.ok(counts.valid > 100 && counts.invalid > 100, JSON.stringify(counts));
  });

  it('agrees on the edge cases of the grammar', () => {
    const cases = [
      '',
      ';;',
      'package a.b.c;',
      '/// doc\n/// two\n@x(1, "s", [1, 2,], {a: 1, "b": 2, 3: 4, 0x10: null}, true, -1.5e3, a.b)\nstruct S { a: int32, b?: list<map<string, int64>> = [], c: x.Y; d: tuple<int32,> }',
      'service S {\n  notify(x: int32)\n  topic(x: int32)\n  notify n(x: int32)\n  topic t: int32\n  throws(): void\n  a() throws E, F.G\n  b(): int32 throws E, notify c()\n}',
      'service S { a() throws E, b() }',
      'service S { a() throws E, notify n() }',
      'service S { a() throws E, topic t: int32 }',
      'service S { a() throws E, x?: int32 }',
      'service S { a() throws E\n throws() }',
      'service S { a(cb: callback(x: int32): stream<int32>): callback() }',
      'service S { a() b() }',
      'service S { a()\n b() }',
      'enum E { a = 1 b = 2 }',
      'enum E { a = 1\n b = 2, }',
      'union U = | A | b.C',
      'union U = A |',
      'const X: int32 = 1_000',
      'const X: int32 = 1__0',
      'const X: int32 = 0x',
      'const X: float64 = 1._5',
      'const X: string = "a\\u00e9\\n"',
      'const X: string = "a\\q"',
      'const X: string = "open',
      'const X: list<int32> = [1 2]',
      'const X: list<int32> = [1\n2]',
      'struct S { a: map<string int32> }',
      'struct S { @a @b(1) x: int32 }',
      'import "a.sparrow" import "b.sparrow"',
      '/* block */ package p /* open',
      'package p // end',
      'package p\r\n/// doc\r\nstruct S {}\r\n',
      'struct S { a: int32 }\n/// trailing doc',
      'é',
      'package p -',
      'struct stream { enum: int32, struct?: error }',
      `struct S { a: ${'list<'.repeat(70)}int32${'>'.repeat(70)} }`,
      `struct S { a: ${'list<'.repeat(60)}int32${'>'.repeat(60)} }`,
    ];
    for (const [i, text] of cases.entries()) assertSamePaths(text, `case ${i}`);
  });

  it('parseSchema takes the fast path and still lexes tokens and comments on demand', () => {
    const text = '// c\npackage p\n/// d\nstruct S { a: int32 }\n';
    const result = parseSchema(createSourceFile(path.resolve('/p/s.sparrow'), 's.sparrow', text));
    const slow = parseWithRecovery(createSourceFile(path.resolve('/p/s.sparrow'), 's.sparrow', text));
    assert.deepStrictEqual(result.ast, slow.ast);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(
      result.tokens.map((t) => t.image),
      slow.tokens.map((t) => t.image),
    );
    assert.deepEqual(
      result.comments.map((t) => t.image),
      ['// c', '/// d'],
    );
  });
});
