import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { compileSchemas } from '../../compiler/compile.ts';
import { formatSchema, formatSchemaText } from '../../compiler/format/format-schema.ts';
import type { SchemaModel } from '../../compiler/model/model.ts';
import { createSourceFile } from '../../compiler/source/source-file.ts';
import { lex } from '../../compiler/syntax/lexer.ts';
import { projectRoot, runSparrowc } from '../helpers/cli.ts';
import { generateRandomSchema } from '../helpers/random-schema.ts';
import { createRandom } from '../helpers/seeded-random.ts';

/** The model without source positions: what formatting must not change. */
function meaning(model: SchemaModel | undefined): string {
  assert.ok(model, 'the schema compiles');
  return JSON.stringify(model, (key, value: unknown) => (key === 'location' ? undefined : value));
}

/** Compiles `entry` with `override` standing in for one file's text (imports from disk or `files`). */
function compileWith(entry: string, override: { path: string; text: string }, files: Record<string, string> = {}): SchemaModel | undefined {
  const result = compileSchemas([entry], {
    cwd: path.dirname(entry),
    readFile: (p) => (p === override.path ? override.text : (files[p] ?? readFileSync(p, 'utf8'))),
  });
  return result.model;
}

/** The text of every comment, in order. */
function commentsOf(text: string): string[] {
  return lex(createSourceFile('/c.sparrow', 'c.sparrow', text)).comments.map((c) => c.image.replace(/\r\n?/g, '\n').trimEnd());
}

function schemaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...schemaFiles(full));
    else if (entry.name.endsWith('.sparrow')) out.push(full);
  }
  return out.sort();
}

describe('sparrowc fmt: the canonical layout', () => {
  const cases: [string, string, string][] = [
    ['one member per line, separators dropped', 'struct P { x: int32; y: int32, z?: string }', 'struct P {\n  x: int32\n  y: int32\n  z?: string\n}\n'],
    ['spacing around every token', 'const  L :list< int32 >=[ 1,2 ,3, ]\nconst M: map<string,int32> = {a:1,"b" : 2}', 'const L: list<int32> = [1, 2, 3]\nconst M: map<string, int32> = { a: 1, "b": 2 }\n'],
    ['a blank line around declarations with a body, at most one kept elsewhere', 'package p\n\n\n\nimport "a.sparrow"\nimport "b.sparrow"\nstruct A {}\nstruct B { x: int32 }\nconst C: int32 = 1', 'package p\n\nimport "a.sparrow"\nimport "b.sparrow"\nstruct A {}\n\nstruct B {\n  x: int32\n}\n\nconst C: int32 = 1\n'],
    ['declaration attributes on their own line, member attributes inline', '@namespace("n") @auth("a") service S { @auth("b")   f( @wire("y")x: int32 ) : void throws E,F }', '@namespace("n")\n@auth("a")\nservice S {\n  @auth("b") f(@wire("y") x: int32): void throws E, F\n}\n'],
    ['a union on one line, no leading bar', 'union U =\n  | A\n  | B', 'union U = A | B\n'],
    ['trailing and own-line comments stay where they were', 'struct A { // opens\n  // about x\n  x: int32 // after x\n\n  /* y */ y: int32\n}', 'struct A { // opens\n  // about x\n  x: int32 // after x\n\n  /* y */\n  y: int32\n}\n'],
    ['a comment inside a list puts one item per line', 'service S { f(a: int32, // first\n b: string): void }', 'service S {\n  f(\n    a: int32, // first\n    b: string,\n  ): void\n}\n'],
    ['doc comments kept, multi-line block comments verbatim', '/// The file.\npackage p\n/* keep\n     this */\n/// A.\nstruct A {}', '/// The file.\npackage p\n/* keep\n     this */\n/// A.\nstruct A {}\n'],
    ['callbacks, streams, notify and topics', 'service S { watch(on: callback(x: int32):bool, s: stream<int32>): stream<string>\n notify n() ; topic t : list<int32> }', 'service S {\n  watch(on: callback(x: int32): bool, s: stream<int32>): stream<string>\n  notify n()\n  topic t: list<int32>\n}\n'],
    ['literals keep their spelling', 'const A: int64 = 0x7f_ff\nconst B: string = "\\u00e9\\n"\nconst C: float64 = 1e3', 'const A: int64 = 0x7f_ff\nconst B: string = "\\u00e9\\n"\nconst C: float64 = 1e3\n'],
    ['an empty file stays empty; a comment-only file keeps its comment', '\n\n// only\n\n', '// only\n'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const result = formatSchemaText(input);
      assert.equal(result.text, expected);
      assert.equal(formatSchemaText(expected).text, expected, 'idempotent');
    });
  }

  it('leaves a file with syntax errors alone and returns its diagnostics', () => {
    const result = formatSchemaText('struct A { x: }');
    assert.equal(result.text, undefined);
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['syntax-error']);
  });
});

describe('sparrowc fmt keeps meaning and comments', () => {
  it('every schema in the repository: same model, every comment, idempotent', () => {
    const files = schemaFiles(projectRoot).filter((f) => !f.includes(`${path.sep}bench${path.sep}node_modules`));
    assert.ok(files.length >= 20, `found ${files.length} schemas`);
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const formatted = formatSchema(createSourceFile(file, file, text)).text;
      if (formatted === undefined) continue; // test fixtures with deliberate syntax errors
      assert.equal(formatSchema(createSourceFile(file, file, formatted)).text, formatted, `idempotent: ${file}`);
      assert.deepEqual(commentsOf(formatted), commentsOf(text), `comments: ${file}`);
      const before = compileSchemas([file], { cwd: path.dirname(file) });
      if (before.model === undefined) continue; // fixtures that are meant to fail checking
      assert.equal(meaning(compileWith(file, { path: file, text: formatted })), meaning(before.model), `model: ${file}`);
      checked++;
    }
    assert.ok(checked >= 15, `models compared for ${checked} schemas`);
  });

  it('200 seeded random schemas from the grammar: same model, every comment, idempotent', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const text = generateRandomSchema(createRandom(seed));
      const entry = path.resolve('/virtual-fmt/main.sparrow');
      const before = compileWith(entry, { path: entry, text });
      const formatted = formatSchemaText(text, 'main.sparrow').text;
      assert.ok(formatted !== undefined, `seed ${seed} formats`);
      assert.equal(formatSchemaText(formatted, 'main.sparrow').text, formatted, `seed ${seed}: idempotent`);
      assert.deepEqual(commentsOf(formatted), commentsOf(text), `seed ${seed}: comments`);
      assert.equal(meaning(compileWith(entry, { path: entry, text: formatted })), meaning(before), `seed ${seed}: model`);
    }
  });
});

describe('sparrowc fmt on the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-fmt-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const messy = 'struct A { x: int32; y: string }\n';
  const clean = 'struct A {\n  x: int32\n}\n';

  it('prints the formatted text; --check lists unformatted files and exits 1; --write rewrites them', async () => {
    writeFileSync(path.join(dir, 'messy.sparrow'), messy);
    writeFileSync(path.join(dir, 'clean.sparrow'), clean);
    const printed = await runSparrowc(['fmt', 'messy.sparrow'], { cwd: dir });
    assert.equal(printed.code, 0);
    assert.equal(printed.stdout, 'struct A {\n  x: int32\n  y: string\n}\n');
    const check = await runSparrowc(['fmt', '--check'], { cwd: dir });
    assert.deepEqual([check.code, check.stdout], [1, 'messy.sparrow\n']);
    assert.equal(readFileSync(path.join(dir, 'messy.sparrow'), 'utf8'), messy, '--check changes nothing');
    const write = await runSparrowc(['fmt', '--write', 'messy.sparrow', 'clean.sparrow'], { cwd: dir });
    assert.deepEqual([write.code, write.stdout], [0, 'messy.sparrow\n']);
    const again = await runSparrowc(['fmt', '--check', 'messy.sparrow', 'clean.sparrow'], { cwd: dir });
    assert.deepEqual([again.code, again.stdout], [0, '']);
  });

  it('reports syntax errors tsc-style and exits 1 without touching the file', async () => {
    writeFileSync(path.join(dir, 'broken.sparrow'), 'struct B { x: }\n');
    const result = await runSparrowc(['fmt', '--write', 'broken.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /broken\.sparrow:1:15: error: .*\[syntax-error\]/);
    assert.equal(readFileSync(path.join(dir, 'broken.sparrow'), 'utf8'), 'struct B { x: }\n');
  });
});
