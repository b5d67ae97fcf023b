/**
 * Golden tests of the Python emitter (`sparrowc gen --target python`), as
 * for TypeScript: each case of test/golden/python/cases.ts has its expected
 * package under test/golden/python/<case>/, and the fixed support package
 * one copy under test/golden/python/_support/. The runner emits in memory
 * and fails on any missing, different or stale file; `RECORD=1` rewrites.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pythonSupportFiles, type PythonFile } from '../../compiler/emit/python/index.ts';
import { emitPythonCase, pythonCases, root } from './python/cases.ts';

const goldenDir = path.join(root, 'test/golden/python');
const record = process.env['RECORD'] === '1';

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => (statSync(path.join(dir, name)).isDirectory() ? listFiles(path.join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]))
    .sort();
}

function compare(name: string, files: readonly PythonFile[]): void {
  const expectedDir = path.join(goldenDir, name);
  if (record) {
    rmSync(expectedDir, { recursive: true, force: true });
    for (const file of files) {
      const target = path.join(expectedDir, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    return;
  }
  const emitted = new Map(files.map((f) => [f.path, f.content]));
  const onDisk = listFiles(expectedDir);
  const stale = onDisk.filter((p) => !emitted.has(p));
  const missing = [...emitted.keys()].filter((p) => !onDisk.includes(p));
  assert.deepEqual({ stale, missing }, { stale: [], missing: [] }, `test/golden/python/${name} is out of date: run RECORD=1 npm test`);
  for (const [p, content] of emitted) assert.equal(readFileSync(path.join(expectedDir, p), 'utf8'), content, `test/golden/python/${name}/${p} differs (RECORD=1 to update)`);
}

describe('golden: generated Python', () => {
  const cases = pythonCases();
  for (const c of cases) it(c.name, () => compare(c.name, emitPythonCase(c)));

  it('_support (the sparrowrpc_typed package)', () => compare('_support', pythonSupportFiles()));

  it('has no folder for a case that no longer exists', () => {
    const known = new Set(['_support', ...cases.map((c) => c.name)]);
    const folders = readdirSync(goldenDir).filter((n) => statSync(path.join(goldenDir, n)).isDirectory());
    assert.deepEqual(folders.filter((n) => !known.has(n)), []);
  });

  it('is deterministic: LF only, no absolute paths, same bytes twice, support written once per output', () => {
    for (const c of cases) {
      const a = emitPythonCase(c, true);
      const b = emitPythonCase(c, true);
      assert.deepEqual(a, b);
      assert.equal(a.filter((f) => f.path === 'sparrowrpc_typed/__init__.py').length, 1);
      for (const file of a) {
        assert.ok(!file.content.includes('\r'), `${c.name}/${file.path} has CR`);
        assert.ok(!file.content.includes(root), `${c.name}/${file.path} has an absolute path`);
      }
    }
  });

  it('writes one package per schema package: __init__.py, a snake_case module per file, py.typed', () => {
    const demo = cases.find((c) => c.name === 'demo');
    assert.ok(demo);
    const paths = emitPythonCase(demo).map((f) => f.path);
    assert.deepEqual(paths, [
      'demo/__init__.py',
      'demo/common/__init__.py',
      'demo/common/demo_common.py',
      'demo/common/py.typed',
      'demo/py.typed',
      'demo/v1/__init__.py',
      'demo/v1/demo.py',
      'demo/v1/py.typed',
    ]);
  });
});
