/** Unix socket paths in a private temporary directory, removed again on close. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh socket path in its own temp directory, and a function that removes that directory. */
export function tempSocketPath(name: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-bench-'));
  return { path: path.join(dir, `${name}.sock`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
