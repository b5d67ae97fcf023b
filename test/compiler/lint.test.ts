import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { lintModel } from '../../compiler/lint/lint.ts';
import { lintRules } from '../../compiler/lint/rules.ts';
import { projectRoot, runSparrowc } from '../helpers/cli.ts';
import { assertValid, compileText } from './schema-test-utils.ts';

const documented = '/// S.\nservice S {\n  /// F.\n  f(): void\n}';

/** [rule, schema that breaks it (the finding is on line 1 column `column`... or anywhere), schema that keeps it]. */
const ruleCases: [string, string, string][] = [
  ['declaration-pascal-case', 'package p\nstruct point { x: int32 }', 'package p\nstruct Point { x: int32 }'],
  ['const-upper-snake-case', 'package p\nconst maxItems: int32 = 1', 'package p\nconst MAX_ITEMS: int32 = 1'],
  ['member-case', 'package p\nstruct P { firstName: string }', 'package p\nstruct P { first_name: string }'],
  ['service-documented', 'package p\nservice S {\n  /// F.\n  f(): void\n}', `package p\n${documented}`],
  ['member-documented', 'package p\n/// S.\nservice S { f(): void }', `package p\n${documented}`],
  ['service-no-any', 'package p\n/// S.\nservice S {\n  /// F.\n  f(x: list<any>): void\n}', `package p\n${documented}`],
  ['stream-end-documented', 'package p\n/// S.\nservice S {\n  /// Items.\n  f(): stream<int32>\n}', 'package p\n/// S.\nservice S {\n  /// Items, until the job is done.\n  f(): stream<int32>\n}'],
  ['deprecated-reason', 'package p\n@deprecated struct Old { x: int32 }', 'package p\n@deprecated("use New") struct Old { x: int32 }'],
  ['package-declared', 'struct P { x: int32 }', 'package p\nstruct P { x: int32 }'],
  ['error-suffix', 'package p\nerror Missing { id: int32 }', 'package p\nerror MissingError { id: int32 }'],
];

function lint(text: string, rules: Record<string, boolean> = {}): string[] {
  const model = assertValid(compileText(text));
  return lintModel(model, { files: ['main.sparrow'], rules }).map((f) => f.code);
}

describe('sparrowc lint: every rule', () => {
  it('every rule has a case here and a line in the docs', () => {
    assert.deepEqual(lintRules.map((r) => r.id).sort(), ruleCases.map(([id]) => id).sort());
    const docs = readFileSync(path.join(projectRoot, 'docs/language.md'), 'utf8');
    for (const rule of lintRules) assert.ok(docs.includes(`| \`${rule.id}\``), `docs list ${rule.id}`);
  });
  for (const [rule, bad, good] of ruleCases) {
    it(`${rule}: fires on a schema that breaks it, not on one that keeps it`, () => {
      const on = { [rule]: true };
      assert.ok(lint(bad, on).includes(rule), `${rule} fires: ${lint(bad, on).join(', ')}`);
      assert.ok(!lint(good, on).includes(rule), `${rule} stays quiet: ${lint(good, on).join(', ')}`);
    });
  }
  it('error-suffix is opt-in; the others are on by default', () => {
    assert.deepEqual(lint('package p\nerror Missing { id: int32 }'), []);
    assert.deepEqual(lint('package p\nstruct point { x: int32 }'), ['declaration-pascal-case']);
  });
  it('camelCase members when the project chooses them', () => {
    const model = assertValid(compileText('package p\nstruct P { firstName: string; last_name: string }'));
    assert.deepEqual(lintModel(model, { files: ['main.sparrow'], memberCase: 'camelCase' }).map((f) => `${f.line}:${f.column} ${f.code}`), ['2:31 member-case']);
  });
});

describe('sparrowc lint on the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-lint-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'api.sparrow'), 'package p\n/// S.\nservice S {\n  f(): void\n  /// G.\n  g(x: any): void\n}\n');
  writeFileSync(path.join(dir, 'legacy.sparrow'), 'struct old_thing { x: int32 }\n');

  it('prints findings tsc-style and exits 1; 0 when clean', async () => {
    const result = await runSparrowc(['lint', 'api.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "api.sparrow:4:3: error: method 'S.f' has no doc comment. [member-documented]\napi.sparrow:6:5: error: param 'x' of 'S.g' uses 'any'. [service-no-any]\n");
    writeFileSync(path.join(dir, 'sparrow.json'), JSON.stringify({ lint: { rules: { 'member-documented': false, 'service-no-any': false } } }));
    const clean = await runSparrowc(['lint', 'api.sparrow'], { cwd: dir });
    assert.deepEqual([clean.code, clean.stdout], [0, '']);
  });

  it('sparrow.json ignores files, and rules per file', async () => {
    writeFileSync(path.join(dir, 'sparrow.json'), JSON.stringify({ lint: { ignore: ['legacy.sparrow'], ignoreOnly: { 'member-documented': ['api.sparrow'] } } }));
    const result = await runSparrowc(['lint', 'api.sparrow', 'legacy.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stdout.trim().split('\n').map((l) => l.replace(/^(\S+?):\d+:\d+: error: .*\[(.*)\]$/, '$1 $2')), ['api.sparrow service-no-any']);
  });

  it('an invalid sparrow.json is a usage error (exit 2)', async () => {
    writeFileSync(path.join(dir, 'sparrow.json'), JSON.stringify({ lint: { rules: { 'no-such-rule': true } } }));
    const result = await runSparrowc(['lint', 'api.sparrow'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown lint rule 'no-such-rule'/);
  });

  it('a schema with errors prints its diagnostics and exits 1', async () => {
    rmSync(path.join(dir, 'sparrow.json'), { force: true });
    writeFileSync(path.join(dir, 'bad.sparrow'), 'struct A { x: Nope }\n');
    const result = await runSparrowc(['lint', 'bad.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /bad\.sparrow:1:15: error: Unknown type 'Nope'\. \[unknown-type\]/);
  });
});
