/**
 * `sparrowc compat <old.sparrow> <new.sparrow>`: compiles both versions of a
 * schema and prints every change between them, judged from the wire
 * (docs/compat.md), one per line:
 * `new.sparrow:12:3: breaking: param 'limit' of Notes.list changed type from int32 to string`,
 * then a summary line; or one JSON object with `--format json`.
 *
 * `sparrowc compat --against <git-ref> <files...>` compares the files with
 * themselves at a git ref instead (see {@link runCompatAgainst}).
 *
 * Exit codes: 0 every change is compatible (or none), 1 any change breaks,
 * 2 a usage error, a file that cannot be read, or a schema with errors (its
 * diagnostics go to stderr).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
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
  return report({ label: oldFile, entry: oldFile, model: oldModel }, { label: newFile, entry: newFile, model: newModel }, options, io);
}

/**
 * `compat --against <ref> <files...>`: compares the working tree's schemas
 * with the same files at a git ref, read with `git show ref:path` (no
 * checkout); their imports are read at that ref too. A file that does not
 * exist at the ref counts as added. Same output and exit codes as
 * {@link runCompat}; 2 also when `cwd` is not in a git repository or the ref
 * is unknown.
 */
export async function runCompatAgainst(ref: string, files: readonly string[], options: CompatCommandOptions, io: CompatIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const git = openGitRef(ref, io.cwd);
  if (typeof git === 'string') {
    io.stderr.write(`sparrowc compat: ${git}\n`);
    return 2;
  }
  for (const file of files) {
    try {
      readFileSync(path.resolve(io.cwd, file));
    } catch (error) {
      io.stderr.write(`sparrowc compat: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
      return 2;
    }
  }
  const newModel = compileChecked(files, (p) => readFileSync(p, 'utf8'), io, files.join(', '));
  if (newModel === undefined) return 2;
  const oldEntries = files.filter((f) => git.read(path.resolve(io.cwd, f)) !== undefined);
  const oldModel = compileChecked(oldEntries, git.read, io, `${ref}:${files.join(', ')}`);
  if (oldModel === undefined) return 2;
  const label = files.join(' ');
  return report({ label: `${ref}:${label}`, entry: oldEntries[0] ?? files[0] ?? '.', model: oldModel }, { label, entry: files[0] ?? '.', model: newModel }, options, io);
}

/** One side of a comparison: how to name it, the entry its model paths are relative to, and its model. */
interface Side {
  readonly label: string;
  readonly entry: string;
  readonly model: SchemaModel;
}

function report(oldSide: Side, newSide: Side, options: CompatCommandOptions, io: CompatIo): number {
  const changes = compareModels(oldSide.model, newSide.model).map(
    (c): CompatChangeOutput => ({
      kind: c.kind,
      breaking: c.breaking,
      message: c.message,
      side: c.side,
      // Model paths are relative to each entry's folder; show them as the user named the entry.
      file: displayPath(c.side === 'new' ? newSide.entry : oldSide.entry, c.location.file),
      line: c.location.line,
      column: c.location.column,
    }),
  );
  const breaking = changes.filter((c) => c.breaking).length;
  const compatible = changes.length - breaking;

  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify({ old: oldSide.label, new: newSide.label, compatible: breaking === 0, breakingChanges: breaking, compatibleChanges: compatible, changes }, null, 2)}\n`);
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

/** Compiles entries through `readFile`; prints the diagnostics and returns `undefined` on errors. */
function compileChecked(entries: readonly string[], readFile: (p: string) => string | undefined, io: CompatIo, label: string): SchemaModel | undefined {
  const result = compileSchemas(entries, { cwd: io.cwd, readFile });
  if (result.model === undefined) {
    for (const diagnostic of result.diagnostics) io.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    io.stderr.write(`sparrowc compat: '${label}' has errors; nothing compared.\n`);
  }
  return result.model;
}

/** Reads files as they are at `ref`; a message when there is no repository or no such ref. */
function openGitRef(ref: string, cwd: string): { read: (absolutePath: string) => string | undefined } | string {
  const git = (args: readonly string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  let root: string;
  try {
    root = git(['rev-parse', '--show-toplevel']).trim();
  } catch {
    return `'${cwd}' is not inside a git repository (needed by --against)`;
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return `unknown git ref '${ref}'`;
  }
  const cache = new Map<string, string | undefined>();
  return {
    read(absolutePath) {
      const relative = path.relative(realpath(root), realpath(absolutePath)).split(path.sep).join('/');
      if (relative.startsWith('../')) return undefined;
      if (!cache.has(relative)) {
        let text: string | undefined;
        try {
          text = git(['show', `${ref}:${relative}`]);
        } catch {
          text = undefined;
        }
        cache.set(relative, text);
      }
      return cache.get(relative);
    },
  };
}

/** The real path of a file or, for one that does not exist, of its folder. */
function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.join(realpath(path.dirname(p)), path.basename(p));
  }
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
