/**
 * The schemas `sparrowc gen --target python` is checked on: every case of
 * the TypeScript goldens (test/golden/cases) plus the repository's other
 * schemas that compile (test fixtures, the bench schema, the compat
 * fixtures). Shared by the Python goldens and the mypy test.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSchemas } from '../../../compiler/index.ts';
import { emitPython, type PythonFile } from '../../../compiler/emit/python/index.ts';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** One golden: entries relative to `cwd`. */
export interface PythonCase {
  readonly name: string;
  readonly cwd: string;
  readonly entries: readonly string[];
}

const tsCases = path.join(root, 'test/golden/cases');

/** Every case, sorted by name. */
export function pythonCases(): PythonCase[] {
  const cases: PythonCase[] = [];
  for (const name of readdirSync(tsCases).sort()) {
    const dir = path.join(tsCases, name);
    if (!statSync(dir).isDirectory()) continue;
    const config = path.join(dir, 'case.json');
    const entries = existsSync(config) ? (JSON.parse(readFileSync(config, 'utf8')) as { entries: string[] }).entries : ['schemas/main.sparrow'];
    cases.push({ name, cwd: dir, entries });
  }
  const extra: [string, string][] = [
    ['fixture-shapes', 'test/fixtures/schemas/shapes.sparrow'],
    ['bench', 'bench/schemas/bench.sparrow'],
    ['compat-notes-v1', 'test/fixtures/compat/notes-v1.sparrow'],
    ['compat-notes-v2', 'test/fixtures/compat/notes-v2-compatible.sparrow'],
  ];
  for (const [name, file] of extra) cases.push({ name, cwd: path.join(root, path.dirname(file)), entries: [path.basename(file)] });
  return cases.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The case's generated files (the support package left out unless `withSupport`). */
export function emitPythonCase(c: PythonCase, withSupport = false): PythonFile[] {
  const result = compileSchemas(c.entries, { cwd: c.cwd });
  assert.ok(result.model, result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return emitPython(result.model, { version, withoutSupport: !withSupport });
}
