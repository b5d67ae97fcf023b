/**
 * Reading schema files from disk (or from a caller-supplied reader), and
 * naming them for diagnostics and for the model.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads one file's text. Returns `undefined` (or throws) when the file cannot
 * be read; the compiler turns either into a diagnostic, never a crash.
 */
export type ReadFile = (absolutePath: string) => string | undefined;

/** The default reader: UTF-8 from disk, `undefined` when missing or unreadable. */
export const readFileFromDisk: ReadFile = (absolutePath) => {
  try {
    return readFileSync(absolutePath, 'utf8');
  } catch {
    return undefined;
  }
};

/** Calls a reader, treating a thrown error as "cannot read". */
export function tryReadFile(readFile: ReadFile, absolutePath: string): string | undefined {
  try {
    const text = readFile(absolutePath);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves an import specifier against the importing file's folder. */
export function resolveImportPath(importingFile: string, specifier: string): string {
  return path.resolve(path.dirname(importingFile), specifier);
}

/** A path relative to `base`, with `/` separators so models are the same on every OS. */
export function toPortableRelative(base: string, absolutePath: string): string {
  const relative = path.relative(base, absolutePath);
  return (relative === '' ? path.basename(absolutePath) : relative).split(path.sep).join('/');
}
