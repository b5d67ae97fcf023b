/**
 * `sparrowc compat <old.sparrow> <new.sparrow>`: compiles both versions of a
 * schema and prints every change between them, judged from the wire
 * (docs/compat.md), one per line:
 * `new.sparrow:12:3: breaking: param 'limit' of Notes.list changed type from int32 to string`,
 * then a summary line; or one JSON object with `--format json`.
 *
 * Exit codes: 0 every change is compatible (or none), 1 any change breaks,
 * 2 a usage error, a file that cannot be read, or a schema with errors (its
 * diagnostics go to stderr).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileSchemas } from '../compile.ts';
import { compareModels } from '../compat/compare-models.ts';
import type { CompatChange } from '../compat/compat-change.ts';
import { formatDiagnostic } from '../diagnostics/format.ts';
import type { SchemaModel } from '../model/model.ts';

/** Options parsed by commander. */
export interface CompatCommandOptions {
  readonly format: 'text' | 'json';
}

/** Where the command writes; a seam for tests. */
export interface CompatIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
}

/** One change as `--format json` prints it: the file as the user would open it. */
interface CompatChangeOutput {
  readonly kind: CompatChange['kind'];
  readonly breaking: boolean;
  readonly message: string;
  readonly side: 'old' | 'new';
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Compares the two schemas; resolves to the exit code. */
export async function runCompat(oldFile: string, newFile: string, options: CompatCommandOptions, io: CompatIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const oldModel = compileOne(oldFile, io);
  if (oldModel === undefined) return 2;
  const newModel = compileOne(newFile, io);
  if (newModel === undefined) return 2;

  const changes = compareModels(oldModel, newModel).map(
    (c): CompatChangeOutput => ({
      kind: c.kind,
      breaking: c.breaking,
      message: c.message,
      side: c.side,
      // Model paths are relative to each entry's folder; show them as the user named the entry.
      file: displayPath(c.side === 'new' ? newFile : oldFile, c.location.file),
      line: c.location.line,
      column: c.location.column,
    }),
  );
  const breaking = changes.filter((c) => c.breaking).length;
  const compatible = changes.length - breaking;

  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify({ old: oldFile, new: newFile, compatible: breaking === 0, breakingChanges: breaking, compatibleChanges: compatible, changes }, null, 2)}\n`);
  } else {
    for (const c of changes) io.stdout.write(`${c.file}:${c.line}:${c.column}: ${c.breaking ? 'breaking' : 'compatible'}: ${c.message}\n`);
    io.stdout.write(
      changes.length === 0
        ? 'No changes.\n'
        : `${breaking === 0 ? 'Compatible' : 'Breaking'}: ${plural(breaking, 'breaking change')}, ${plural(compatible, 'compatible change')}.\n`,
    );
  }
  return breaking === 0 ? 0 : 1;
}

/** Compiles one entry schema; prints why and returns `undefined` when it cannot be read or has errors. */
function compileOne(file: string, io: CompatIo): SchemaModel | undefined {
  const absolutePath = path.resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    io.stderr.write(`sparrowc compat: cannot read '${file}' (${reason})\n`);
    return undefined;
  }
  const result = compileSchemas([file], { cwd: io.cwd, readFile: (p) => (p === absolutePath ? text : readFileSync(p, 'utf8')) });
  if (result.model === undefined) {
    for (const diagnostic of result.diagnostics) io.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    io.stderr.write(`sparrowc compat: '${file}' has errors; nothing compared.\n`);
  }
  return result.model;
}

/** `file` of a model location, relative to the entry as the user gave it, `/`-separated. */
function displayPath(entry: string, modelFile: string): string {
  return path.join(path.dirname(entry), modelFile).split(path.sep).join('/');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
