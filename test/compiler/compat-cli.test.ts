/** `sparrowc compat` end to end: exit codes 0/1/2, the text lines and summary, and --format json. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runSparrowc } from '../helpers/cli.ts';

const fixtures = 'test/fixtures/compat';

describe('sparrowc compat', () => {
  it('exits 0 and prints "No changes." for the same schema', async () => {
    const result = await runSparrowc(['compat', 'schemas/demo.sparrow', 'schemas/demo.sparrow']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'No changes.\n');
  });

  it('exits 0 and lists compatible changes with positions in the new file', async () => {
    const result = await runSparrowc(['compat', `${fixtures}/notes-v1.sparrow`, `${fixtures}/notes-v2-compatible.sparrow`]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.ok(lines.includes(`${fixtures}/notes-v2-compatible.sparrow:4:34: compatible: enum Color value blue = 3 added (old readers reject it only when a new writer sends it)`), result.stdout);
    assert.ok(lines.includes(`${fixtures}/notes-v2-compatible.sparrow:10:3: compatible: field 'tags' of struct Note added (optional)`), result.stdout);
    assert.ok(lines.includes(`${fixtures}/notes-v2-compatible.sparrow:18:28: compatible: param 'offset' of NotesService.list added (with a default; old callees ignore it)`), result.stdout);
    assert.match(result.stdout, /notes-v2-compatible\.sparrow:20:3: compatible: method NotesService\.count added/);
    assert.match(result.stdout, /compatible: service Notes renamed to NotesService/);
    for (const line of lines.slice(0, -1)) assert.match(line, /^test\/fixtures\/compat\/notes-v[12][-a-z]*\.sparrow:\d+:\d+: compatible: /);
    assert.match(lines.at(-1) ?? '', /^Compatible: 0 breaking changes, \d+ compatible changes\.$/);
  });

  it('exits 1 on breaking changes; removals point into the old file', async () => {
    const result = await runSparrowc(['compat', `${fixtures}/notes-v1.sparrow`, `${fixtures}/notes-v2-breaking.sparrow`]);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.ok(lines.includes(`${fixtures}/notes-v2-breaking.sparrow:17:8: breaking: param 'limit' of Notes.list changed type from int32 to string`), result.stdout);
    assert.ok(lines.includes(`${fixtures}/notes-v1.sparrow:18:10: breaking: notify Notes.log removed: old peers still call it`), result.stdout);
    assert.match(lines.at(-1) ?? '', /^Breaking: 2 breaking changes, \d+ compatible changes\.$/);
  });

  it('prints one JSON object with --format json', async () => {
    const result = await runSparrowc(['compat', '--format', 'json', `${fixtures}/notes-v1.sparrow`, `${fixtures}/notes-v2-breaking.sparrow`]);
    assert.equal(result.code, 1, result.stderr);
    const output = JSON.parse(result.stdout) as { compatible: boolean; breakingChanges: number; changes: Array<Record<string, unknown>> };
    assert.equal(output.compatible, false);
    assert.equal(output.breakingChanges, 2);
    assert.deepEqual(
      output.changes.find((c) => c['kind'] === 'type-changed'),
      { kind: 'type-changed', breaking: true, message: "param 'limit' of Notes.list changed type from int32 to string", side: 'new', file: `${fixtures}/notes-v2-breaking.sparrow`, line: 17, column: 8 },
    );
    assert.deepEqual(
      output.changes.find((c) => c['kind'] === 'member-removed'),
      { kind: 'member-removed', breaking: true, message: 'notify Notes.log removed: old peers still call it', side: 'old', file: `${fixtures}/notes-v1.sparrow`, line: 18, column: 10 },
    );
  });

  it('names files relative to how they were given, from another cwd', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-compat-'));
    writeFileSync(path.join(dir, 'old.sparrow'), 'service Notes { list(limit: int32 = 10): void }\n');
    writeFileSync(path.join(dir, 'new.sparrow'), '\nservice Notes {\n  list(limit: string = "10"): void\n}\n');
    const result = await runSparrowc(['compat', 'old.sparrow', 'new.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "new.sparrow:3:8: breaking: param 'limit' of Notes.list changed type from int32 to string\nBreaking: 1 breaking change, 0 compatible changes.\n");
  });

  it('exits 2 when a file cannot be read', async () => {
    const result = await runSparrowc(['compat', `${fixtures}/notes-v1.sparrow`, `${fixtures}/missing.sparrow`]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /sparrowc compat: cannot read 'test\/fixtures\/compat\/missing\.sparrow' \(ENOENT\)/);
  });

  it('exits 2 and prints the diagnostics of a schema with errors', async () => {
    const result = await runSparrowc(['compat', `${fixtures}/broken.sparrow`, `${fixtures}/notes-v1.sparrow`]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^test\/fixtures\/compat\/broken\.sparrow:1:15: error: Unknown type 'Foo'\. \[unknown-type\]$/m);
    assert.match(result.stderr, /'test\/fixtures\/compat\/broken\.sparrow' has errors; nothing compared\./);
  });

  it('exits 2 on a usage error', async () => {
    assert.equal((await runSparrowc(['compat', `${fixtures}/notes-v1.sparrow`])).code, 2);
    assert.equal((await runSparrowc(['compat', '--format', 'xml', `${fixtures}/notes-v1.sparrow`, `${fixtures}/notes-v1.sparrow`])).code, 2);
  });
});

describe('sparrowc compat --against <git-ref>', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-compat-git-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  mkdirSync(path.join(dir, 'schemas'));
  writeFileSync(path.join(dir, 'schemas/common.sparrow'), 'package common\nstruct Id { value: int64 }\n');
  writeFileSync(path.join(dir, 'schemas/api.sparrow'), 'package api\nimport "common.sparrow"\nservice Notes {\n  get(id: common.Id): string\n}\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'v1');
  git('tag', 'v1');

  it('no change against the ref: exit 0', async () => {
    const result = await runSparrowc(['compat', '--against', 'v1', 'schemas/api.sparrow'], { cwd: dir });
    assert.deepEqual([result.code, result.stdout], [0, 'No changes.\n']);
  });

  it('reads imports at the ref too: a breaking change in an imported file, uncommitted, exits 1', async () => {
    writeFileSync(path.join(dir, 'schemas/common.sparrow'), 'package common\nstruct Id { value: string }\n');
    writeFileSync(path.join(dir, 'schemas/api.sparrow'), 'package api\nimport "common.sparrow"\nservice Notes {\n  get(id: common.Id): string\n  /// New.\n  count(): int32\n}\n');
    const result = await runSparrowc(['compat', '--against', 'main', 'schemas/api.sparrow'], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /schemas\/common\.sparrow:2:13: breaking: field 'value' of struct Id changed type from int64 to string/);
    assert.match(result.stdout, /schemas\/api\.sparrow:6:3: compatible: method Notes\.count added/);
    assert.match(result.stdout, /^Breaking: 1 breaking change, 1 compatible change\.$/m);
    const json = await runSparrowc(['compat', '--against', 'v1', '--format', 'json', 'schemas/api.sparrow'], { cwd: dir });
    const parsed = JSON.parse(json.stdout) as { old: string; breakingChanges: number };
    assert.deepEqual([parsed.old, parsed.breakingChanges], ['v1:schemas/api.sparrow', 1]);
    assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean).length, 2, 'the working tree is left as it was');
  });

  it('an unknown ref or no repository is exit 2', async () => {
    const unknown = await runSparrowc(['compat', '--against', 'no-such-ref', 'schemas/api.sparrow'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown git ref 'no-such-ref'/);
    const outside = mkdtempSync(path.join(tmpdir(), 'sparrow-no-git-'));
    writeFileSync(path.join(outside, 'a.sparrow'), 'struct A { x: int32 }\n');
    const noRepo = await runSparrowc(['compat', '--against', 'main', 'a.sparrow'], { cwd: outside });
    rmSync(outside, { recursive: true, force: true });
    assert.equal(noRepo.code, 2);
    assert.match(noRepo.stderr, /not inside a git repository/);
  });

  it('without --against, compat still takes exactly two files', async () => {
    const result = await runSparrowc(['compat', 'schemas/api.sparrow'], { cwd: dir });
    assert.equal(result.code, 2);
  });
});
