/**
 * Type-level tests: `test/types/usage.ts` compiles with the root tsconfig
 * (`npm run typecheck`); every `@ts-expect-error` in `test/types/must-fail/`
 * must mark a real error. tsc reports an unused directive as TS2578 and any
 * other problem as itself, so a clean exit proves both.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('every @ts-expect-error in test/types/must-fail is a real type error, and nothing else fails', () => {
  const mustFail = path.join(root, 'test/types/must-fail');
  const files = readdirSync(mustFail).filter((f) => f.endsWith('.ts')).map((f) => path.join(mustFail, f));
  assert.ok(files.length > 0);
  const dir = path.join(root, 'test', '.gen', `must-fail-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const rel = (p: string): string => path.relative(dir, p).split(path.sep).join('/');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: rel(path.join(root, 'tsconfig.json')), include: [], files: files.map(rel) }));
    let output = '';
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { cwd: root, encoding: 'utf8' });
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? String(error);
    }
    assert.equal(output, '', 'unused @ts-expect-error (TS2578) or unexpected errors');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
