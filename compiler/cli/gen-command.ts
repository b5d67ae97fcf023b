/**
 * `sparrowc gen`: compiles schemas and writes what each target generates.
 *
 * - `sparrowc gen <file...> --out <dir> [--target …]`: one target, from the
 *   command line;
 * - `sparrowc gen [--config <file>]`: the inputs and targets of a project
 *   file (`sparrow.json` in the current folder by default, see
 *   compiler/config/config.ts).
 *
 * Diagnostics print like `check`; on any error nothing is written (exit 1).
 * Only files whose content changed are rewritten, so watchers and build
 * tools downstream see no spurious changes. Files that sparrowc generated
 * earlier in an output folder and that this run no longer produces (an
 * import dropped, a schema renamed) are removed; they are recognised by
 * their generated-file header, and no other file is ever touched. `--watch`
 * regenerates on every change of a schema folder and keeps running.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, unlinkSync, writeFileSync, type Dirent } from 'node:fs';
import { watch } from 'node:fs/promises';
import path from 'node:path';
import { compileSchemas } from '../compile.ts';
import { CONFIG_FILE_NAME, ConfigError, loadConfig, type GenerateEntry, type TargetName } from '../config/config.ts';
import { formatDiagnostic } from '../diagnostics/format.ts';
import type { EmittedFile, ImportExtension } from '../emit/typescript.ts';
import { genTargets } from './targets.ts';
import { compilerVersion } from './version.ts';

/** Options parsed by commander; the first four only without a config file. */
export interface GenCommandOptions {
  readonly out?: string;
  readonly runtimeImport?: string;
  readonly importExtension?: ImportExtension;
  readonly target?: TargetName;
  /** The project file to read when no schema files are given (default `./sparrow.json`). */
  readonly config?: string;
  readonly watch?: boolean;
}

/** Where the command writes; a seam for tests. */
export interface GenIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  /** Stops `--watch` (tests); the process signal otherwise. */
  readonly signal?: AbortSignal;
}

/** The outcome of one generation; paths relative to the current folder. */
export interface GenResult {
  readonly ok: boolean;
  readonly written: readonly string[];
  readonly unchanged: number;
  readonly removed: readonly string[];
}

/** What one run compiles and generates: absolute paths. */
interface GenPlan {
  readonly inputs: readonly string[];
  readonly generate: readonly GenerateEntry[];
}

const failed: GenResult = { ok: false, written: [], unchanged: 0, removed: [] };

/** Compiles and writes once; prints diagnostics. Never throws for schema errors. */
export async function generateOnce(plan: GenPlan, io: GenIo): Promise<GenResult> {
  const result = compileSchemas(plan.inputs, { cwd: io.cwd });
  for (const diagnostic of result.diagnostics) io.stdout.write(`${formatDiagnostic(diagnostic, { color: false })}\n`);
  if (result.model === undefined) return failed;
  const model = result.model;
  const entries = plan.inputs.map((input) => path.relative(io.cwd, input));

  // Emit everything in memory first: a failing target leaves the disk untouched.
  const outputs = new Map<string, EmittedFile & { readonly absolute: string }>();
  for (const job of plan.generate) {
    const emit = genTargets[job.target].emit!;
    for (const file of await emit(model, { entries, options: job.options, version: compilerVersion() })) {
      const absolute = path.join(job.out, ...file.path.split('/'));
      if (outputs.has(absolute)) {
        io.stderr.write(`sparrowc gen: two targets generate ${path.relative(io.cwd, absolute)}; give them different out folders\n`);
        return failed;
      }
      outputs.set(absolute, { ...file, absolute });
    }
  }

  const written: string[] = [];
  let unchanged = 0;
  for (const file of outputs.values()) {
    let existing: string | undefined;
    try {
      existing = readFileSync(file.absolute, 'utf8');
    } catch {
      existing = undefined;
    }
    if (existing === file.content) {
      unchanged++;
      continue;
    }
    mkdirSync(path.dirname(file.absolute), { recursive: true });
    writeFileSync(file.absolute, file.content);
    written.push(path.relative(io.cwd, file.absolute));
  }
  const removed = plan.generate.flatMap((job) => removeStale(job, outputs, io.cwd));
  return { ok: true, written, unchanged, removed };
}

/** Enough bytes to hold any target's header. */
const HEAD_BYTES = 512;

function head(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes from `job.out` the files this job's target generated earlier that
 * no target produced now; then folders that removal left empty. Skips
 * dot-folders and node_modules.
 */
function removeStale(job: GenerateEntry, produced: ReadonlyMap<string, unknown>, cwd: string): string[] {
  const target = genTargets[job.target];
  const removed: string[] = [];
  const visit = (dir: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    let removedHere = false;
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (visit(absolute) && readdirSync(absolute).length === 0) rmdirSync(absolute);
        continue;
      }
      if (!entry.isFile()) continue;
      const relative = path.relative(job.out, absolute).split(path.sep).join('/');
      if (produced.has(absolute) || !target.isGenerated(relative, head(absolute))) continue;
      unlinkSync(absolute);
      removed.push(path.relative(cwd, absolute));
      removedHere = true;
    }
    return removedHere;
  };
  visit(job.out);
  return removed;
}

/** A command line that cannot run; exit 2. */
class GenUsageError extends Error {
  override readonly name = 'GenUsageError';
}

const cliOnlyOptions = ['out', 'target', 'runtimeImport', 'importExtension'] as const;
const flagOf = (option: string): string => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The plan of a command line: its files and options, or a config file. */
function planOf(files: readonly string[], options: GenCommandOptions, cwd: string): GenPlan {
  if (files.length > 0) {
    if (options.config !== undefined) throw new GenUsageError('give schema files or --config, not both');
    if (options.out === undefined) throw new GenUsageError('--out <dir> is required with schema files (or put the files in sparrow.json)');
    const target = options.target ?? 'ts';
    return {
      inputs: files.map((file) => path.resolve(cwd, file)),
      generate: [
        {
          target,
          out: path.resolve(cwd, options.out),
          options: { ...(options.runtimeImport === undefined ? {} : { runtimeImport: options.runtimeImport }), ...(options.importExtension === undefined ? {} : { importExtension: options.importExtension }) },
        },
      ],
    };
  }
  const given = cliOnlyOptions.filter((option) => options[option] !== undefined);
  if (given.length > 0) throw new GenUsageError(`${given.map(flagOf).join(', ')} ${given.length === 1 ? 'goes' : 'go'} only with schema files; with a config file, set ${given.length === 1 ? 'it' : 'them'} in its "generate" entries`);
  const file = path.resolve(cwd, options.config ?? CONFIG_FILE_NAME);
  try {
    return loadConfig(file, path.relative(cwd, file));
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'not-found' && options.config === undefined) {
      throw new GenUsageError(`no schema files given and no ${CONFIG_FILE_NAME} in ${cwd} (give files and --out, or create one with sparrowc init)`);
    }
    throw error;
  }
}

/** Runs the command; resolves to the exit code (with `--watch`: when stopped). */
export async function runGen(files: readonly string[], options: GenCommandOptions, io: GenIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  let plan: GenPlan;
  try {
    plan = planOf(files, options, io.cwd);
  } catch (error) {
    if (error instanceof GenUsageError) {
      io.stderr.write(`sparrowc gen: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.problems.join('\n')}\n`);
      return 2;
    }
    throw error;
  }
  const missing = [...new Set(plan.generate.map((job) => job.target).filter((target) => genTargets[target].emit === undefined))];
  if (missing.length > 0) {
    io.stderr.write(`sparrowc gen: target ${missing.join(', ')} is not available in this version of sparrowc (available: ${Object.keys(genTargets).filter((t) => genTargets[t as TargetName].emit !== undefined).join(', ')})\n`);
    return 2;
  }
  if (plan.generate.some((job) => job.target === 'js' && job.options.importExtension === 'ts')) {
    io.stderr.write('sparrowc gen: --import-extension ts does not apply to --target js (JavaScript imports name .js files; use js or none)\n');
    return 2;
  }
  const outs = [...new Set(plan.generate.map((job) => path.relative(io.cwd, job.out) || '.'))].join(', ');
  const started = performance.now();
  const first = await generateOnce(plan, io);
  report(io, first, started, outs);
  if (options.watch !== true) return first.ok ? 0 : 1;
  await watchAndRegenerate(plan, io, outs);
  return 0;
}

function report(io: GenIo, result: GenResult, started: number, outs: string): void {
  const ms = Math.round(performance.now() - started);
  for (const file of result.removed) io.stdout.write(`removed ${file} (no longer generated)\n`);
  const removed = result.removed.length > 0 ? `, ${result.removed.length} removed` : '';
  if (result.ok) io.stdout.write(`sparrowc gen: ${result.written.length} file(s) written, ${result.unchanged} unchanged${removed} in ${outs} (${ms} ms)\n`);
  else io.stdout.write(`sparrowc gen: errors, nothing written (${ms} ms)\n`);
}

/**
 * Watches the folders of the entry schemas (imports usually sit beside them)
 * and regenerates 100 ms after the last `.sparrow` change, one line per rebuild.
 */
async function watchAndRegenerate(plan: GenPlan, io: GenIo, outs: string): Promise<void> {
  const signal = io.signal ?? processSignal();
  const folders = [...new Set(plan.inputs.map((f) => path.dirname(f)))].sort();
  io.stdout.write(`sparrowc gen: watching ${folders.map((f) => path.relative(io.cwd, f) || '.').join(', ')} (Ctrl-C to stop)\n`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const started = performance.now();
      generateOnce(plan, io).then(
        (result) => report(io, result, started, outs),
        (error: unknown) => io.stderr.write(`sparrowc gen: ${String(error)}\n`),
      );
    }, 100);
  };
  await Promise.all(
    folders.map(async (folder) => {
      try {
        for await (const event of watch(folder, { signal })) if (event.filename?.endsWith('.sparrow') === true) schedule();
      } catch (error) {
        if ((error as { name?: string }).name !== 'AbortError') throw error;
      }
    }),
  );
  clearTimeout(timer);
}

function processSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}
