/**
 * Golden tests of the TypeScript emitter: each folder of `cases/` holds
 * schemas (`schemas/main.sparrow`, or the entries of `case.json`) and the
 * expected output in `expected/`. The runner emits in memory and fails on
 * any missing, different or stale file; `RECORD=1` rewrites `expected/`.
 * A few cases also hold `expected-js/`, the `--target js` output.
 * The goldens sit under `test/`, so `npm run typecheck` checks them too;
 * one more test type-checks a fresh emit in a temp folder of the checkout.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileSchemas } from '../../compiler/index.ts';
import { emitJavaScript, emitTypeScript, type EmittedFile } from '../../compiler/emit/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const casesDir = path.join(here, 'cases');
const record = process.env['RECORD'] === '1';
const version = (JSON.parse(readFileSync(path.join(root, 'compiler/package.json'), 'utf8')) as { version: string }).version;

function entriesOf(caseDir: string): string[] {
  const config = path.join(caseDir, 'case.json');
  if (existsSync(config)) return (JSON.parse(readFileSync(config, 'utf8')) as { entries: string[] }).entries;
  return ['schemas/main.sparrow'];
}

function emitCase(caseDir: string): EmittedFile[] {
  const result = compileSchemas(entriesOf(caseDir), { cwd: caseDir });
  assert.ok(result.model, result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return emitTypeScript(result.model, { version });
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => (statSync(path.join(dir, name)).isDirectory() ? listFiles(path.join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]))
    .sort();
}

const cases = readdirSync(casesDir).filter((name) => statSync(path.join(casesDir, name)).isDirectory()).sort();

/** Cases whose `--target js` output is golden too: imports across folders, and classes (error fields, `override`). */
const jsCases = ['errors', 'imports'];

/** Compares `files` with `<case>/<folder>/` (or rewrites it with RECORD=1). */
function assertGolden(name: string, folder: string, files: readonly EmittedFile[]): void {
  const expectedDir = path.join(casesDir, name, folder);
  const emitted = new Map(files.map((f) => [f.path, f.content]));
  if (record) {
    rmSync(expectedDir, { recursive: true, force: true });
    for (const file of files) {
      const target = path.join(expectedDir, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    return;
  }
  const onDisk = listFiles(expectedDir);
  const stale = onDisk.filter((p) => !emitted.has(p));
  const missing = [...emitted.keys()].filter((p) => !onDisk.includes(p));
  assert.deepEqual({ stale, missing }, { stale: [], missing: [] }, `${folder}/ is out of date for ${name}: run RECORD=1 npm test`);
  for (const [p, content] of emitted) assert.equal(readFileSync(path.join(expectedDir, p), 'utf8'), content, `${name}/${folder}/${p} differs (RECORD=1 to update)`);
}

describe('golden: generated JavaScript (--target js)', () => {
  for (const name of jsCases) it(name, async () => assertGolden(name, 'expected-js', await emitJavaScript(emitCase(path.join(casesDir, name)))));
});

describe('golden: generated TypeScript', () => {
  for (const name of cases) it(name, () => assertGolden(name, 'expected', emitCase(path.join(casesDir, name))));

  it('is deterministic: LF only, no absolute paths, same bytes twice', () => {
    for (const name of cases) {
      const a = emitCase(path.join(casesDir, name));
      const b = emitCase(path.join(casesDir, name));
      assert.deepEqual(a, b);
      for (const file of a) {
        assert.ok(!file.content.includes('\r'), `${name}/${file.path} has CR`);
        assert.ok(!file.content.includes(root), `${name}/${file.path} has an absolute path`);
      }
    }
  });

  it('fresh output of every case type-checks under the strict root tsconfig', () => {
    const dir = path.join(root, 'test', '.gen', `typecheck-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    try {
      for (const name of cases) {
        for (const file of emitCase(path.join(casesDir, name))) {
          const target = path.join(dir, name, file.path);
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, file.content);
        }
      }
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.relative(dir, path.join(root, 'tsconfig.json')).split(path.sep).join('/'), include: ['.'] }));
      try {
        execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { cwd: root, encoding: 'utf8' });
      } catch (error) {
        assert.fail(`tsc failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
