/**
 * The language server's statement-level re-parse (compiler/syntax/incremental.ts)
 * must give exactly what a full parse gives, for any edit: the same AST
 * (ranges included), diagnostics, tokens and comments. Seeded random edits
 * (inserts, deletes, replacements anywhere, doc comment edits) on the
 * repository's schemas and a generated large one, each compared with a full parse.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateSchema } from '../../bench/scripts/gen-schema.ts';
import { createSourceFile } from '../../compiler/source/source-file.ts';
import { reparseSchema } from '../../compiler/syntax/incremental.ts';
import { parseSchema, type ParseResult } from '../../compiler/syntax/parse.ts';
import { projectRoot } from '../helpers/cli.ts';
import { createRandom } from '../helpers/seeded-random.ts';

const view = (result: ParseResult): string =>
  JSON.stringify({ ast: result.ast, diagnostics: result.diagnostics, tokens: result.tokens.map((t) => [t.image, t.startOffset]), comments: result.comments.map((t) => [t.image, t.startOffset]) }, (_key, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : value,
  );

const schemas: [string, string][] = [
  ...['demo.sparrow', 'demo-common.sparrow', 'sys.sparrow', 'size-streams-callbacks.sparrow'].map((name): [string, string] => [name, readFileSync(path.join(projectRoot, 'schemas', name), 'utf8')]),
  ['generated (40 methods)', generateSchema({ methods: 40, perService: 20 })],
];
const snippets = ['x', ' ', '\n', '/// doc\n', '// note\n', '}', '{', ',', 'int32', ': string', '"s"', '@deprecated ', 'struct S { a: int32 }\n', '=', '1.5'];

describe('statement-level re-parse equals a full parse', () => {
  for (const [name, original] of schemas) {
    it(`${name}: 150 seeded random edits`, () => {
      const random = createRandom(name.length * 7919);
      const pick = (n: number): number => Math.floor(random() * n);
      let text = original;
      let previous = parseSchema(createSourceFile('/w/a.sparrow', 'a.sparrow', text));
      let incremental = 0;
      for (let edit = 0; edit < 150; edit++) {
        // Every 10th edit starts again from the valid original: most edits then land in a file without errors.
        if (edit % 10 === 0 && text !== original) {
          text = original;
          previous = parseSchema(createSourceFile('/w/a.sparrow', 'a.sparrow', text));
        }
        const at = pick(text.length + 1);
        const kind = pick(4);
        const removed = kind === 0 ? 0 : Math.min(text.length - at, 1 + pick(kind === 3 ? 40 : 4));
        const inserted = kind === 1 ? '' : (snippets[pick(snippets.length)] ?? '');
        const next = text.slice(0, at) + inserted + text.slice(at + removed);
        const source = createSourceFile('/w/a.sparrow', 'a.sparrow', next);
        const reparsed = reparseSchema(text, previous, source);
        const full = parseSchema(source);
        // The statement-level path leaves the tokens to be lexed on first use (a getter).
        if (Object.getOwnPropertyDescriptor(reparsed, 'tokens')?.get !== undefined) incremental++;
        assert.equal(view(reparsed), view(full), `edit ${edit}: ${JSON.stringify({ at, removed, inserted })}`);
        text = next;
        previous = reparsed;
      }
      // Random edits break the syntax most of the time (then a full parse is the answer): the path must still run often.
      assert.ok(incremental >= 5, `the incremental path ran (${incremental} edits)`);
    });
  }

  it('an edit inside one statement reuses the statements before it and moves those after it', () => {
    const text = generateSchema({ methods: 40, perService: 20 });
    const before = parseSchema(createSourceFile('/w/a.sparrow', 'a.sparrow', text));
    const at = text.indexOf('struct Record3 {');
    const edited = `${text.slice(0, at)}/// Now documented.\n${text.slice(at)}`;
    const index = before.ast.statements.findIndex((s) => s.kind === 'struct' && s.name.text === 'Record3');
    assert.ok(index > 0);
    const previousStatements = [...before.ast.statements];
    const nextStart = previousStatements[index + 1]?.range.start ?? 0;
    const after = reparseSchema(text, before, createSourceFile('/w/a.sparrow', 'a.sparrow', edited));
    assert.equal(after.ast.statements[index - 1], previousStatements[index - 1], 'statements before the edit are reused as they are');
    assert.notEqual(after.ast.statements[index], previousStatements[index], 'the edited statement is parsed again');
    const moved = after.ast.statements[index + 1];
    assert.equal(moved, previousStatements[index + 1], 'statements after the edit are reused, moved');
    assert.equal(moved?.range.start, nextStart + '/// Now documented.\n'.length);
    assert.deepEqual(after.ast, parseSchema(createSourceFile('/w/a.sparrow', 'a.sparrow', edited)).ast);
    const edited3 = after.ast.statements[index];
    assert.equal(edited3?.kind === 'struct' ? edited3.doc : undefined, 'Record number 3.\nNow documented.');
  });
});
