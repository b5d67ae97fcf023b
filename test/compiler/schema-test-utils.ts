/**
 * Helpers for the compiler tests: compile schema text against an in-memory
 * file system, and the `┆` marker that says where a diagnostic must point.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { compileSchemas, type CompileResult } from '../../compiler/compile.ts';

/** The virtual folder schemas live in during tests. */
export const virtualRoot = path.resolve('/virtual-schemas');

/** Compiles `files` (name → text) from memory, entry first. */
export function compileFiles(files: Record<string, string>, entry = Object.keys(files)[0] ?? 'main.sparrow', options: { systemSchema?: boolean } = {}): CompileResult {
  return compileSchemas([entry], {
    cwd: virtualRoot,
    readFile: (p) => files[path.relative(virtualRoot, p).split(path.sep).join('/')],
    ...options,
  });
}

/** Compiles one schema text as `main.sparrow`. */
export function compileText(text: string, imports: Record<string, string> = {}): CompileResult {
  return compileFiles({ 'main.sparrow': text, ...imports }, 'main.sparrow');
}

/** Removes the `┆` marker and returns its 1-based line and column. */
export function extractMarker(marked: string): { text: string; line: number; column: number } {
  const at = marked.indexOf('┆');
  assert.ok(at >= 0, 'test source needs a ┆ marker');
  const before = marked.slice(0, at);
  const lines = before.split('\n');
  return { text: marked.slice(0, at) + marked.slice(at + 1), line: lines.length, column: (lines.at(-1) ?? '').length + 1 };
}

/** Asserts a compilation has no error (warnings allowed) and returns its model. */
export function assertValid(result: CompileResult): NonNullable<CompileResult['model']> {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`), []);
  assert.ok(result.model);
  return result.model;
}
