/**
 * `sparrowc gen <file...> --out <dir>`: compiles schemas and writes the
 * generated TypeScript (one module per schema file plus `index.ts`).
 * Diagnostics print like `check`; on any error nothing is written (exit 1).
 * Only files whose content changed are rewritten, so watchers and build
 * tools downstream see no spurious changes. `--watch` regenerates on every
 * change of a schema folder and keeps running.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { watch } from 'node:fs/promises';
import path from 'node:path';
import { compileSchemas } from '../check/compile.ts';
import { formatDiagnostic } from '../diagnostics/format.ts';
import { emitDescriptor } from '../emit/descriptor.ts';
import { emitPython } from '../emit/python/index.ts';
import { emitTypeScript, type EmittedFile, type ImportExtension } from '../emit/typescript.ts';

/** Options parsed by commander. */
export interface GenCommandOptions {
  readonly out: string;
  readonly runtimeImport: string;
  readonly importExtension: ImportExtension;
  readonly target: 'ts' | 'descriptor' | 'python';
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

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** The outcome of one generation. */
export interface GenResult {
  readonly ok: boolean;
  readonly written: readonly string[];
  readonly unchanged: number;
}

/** Compiles and writes once; prints diagnostics. Never throws for schema errors. */
export function generateOnce(files: readonly string[], options: GenCommandOptions, io: GenIo): GenResult {
  const result = compileSchemas(files, { cwd: io.cwd });
  for (const diagnostic of result.diagnostics) io.stdout.write(`${formatDiagnostic(diagnostic, { color: false })}\n`);
  if (result.model === undefined) return { ok: false, written: [], unchanged: 0 };
  // The descriptor target: one JSON file named after the first entry schema (`demo.sparrow` → `demo.descriptor.json`).
  // The python target: one package per schema package plus `sparrowrpc_typed/` (compiler/emit/python).
  const emitted: readonly EmittedFile[] =
    options.target === 'descriptor'
      ? [{ path: `${path.basename(files[0] ?? 'schema', '.sparrow')}.descriptor.json`, content: emitDescriptor(result.model) }]
      : options.target === 'python'
        ? emitPython(result.model, { version: packageVersion() })
        : emitTypeScript(result.model, { version: packageVersion(), runtimeImport: options.runtimeImport, importExtension: options.importExtension });
  const outDir = path.resolve(io.cwd, options.out);
  const written: string[] = [];
  let unchanged = 0;
  for (const file of emitted) {
    const target = path.join(outDir, ...file.path.split('/'));
    let existing: string | undefined;
    try {
      existing = readFileSync(target, 'utf8');
    } catch {
      existing = undefined;
    }
    if (existing === file.content) {
      unchanged++;
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    written.push(file.path);
  }
  return { ok: true, written, unchanged };
}

/** Runs the command; resolves to the exit code (with `--watch`: when stopped). */
export async function runGen(files: readonly string[], options: GenCommandOptions, io: GenIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const started = performance.now();
  const first = generateOnce(files, options, io);
  report(io, first, started, options.out);
  if (options.watch !== true) return first.ok ? 0 : 1;
  await watchAndRegenerate(files, options, io);
  return 0;
}

function report(io: GenIo, result: GenResult, started: number, out: string): void {
  const ms = Math.round(performance.now() - started);
  if (result.ok) io.stdout.write(`sparrowc gen: ${result.written.length} file(s) written, ${result.unchanged} unchanged in ${out} (${ms} ms)\n`);
  else io.stdout.write(`sparrowc gen: errors, nothing written (${ms} ms)\n`);
}

/**
 * Watches the folders of the entry schemas (imports usually sit beside them)
 * and regenerates 100 ms after the last `.sparrow` change, one line per rebuild.
 */
async function watchAndRegenerate(files: readonly string[], options: GenCommandOptions, io: GenIo): Promise<void> {
  const signal = io.signal ?? processSignal();
  const folders = [...new Set(files.map((f) => path.dirname(path.resolve(io.cwd, f))))].sort();
  io.stdout.write(`sparrowc gen: watching ${folders.map((f) => path.relative(io.cwd, f) || '.').join(', ')} (Ctrl-C to stop)\n`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const started = performance.now();
      try {
        report(io, generateOnce(files, options, io), started, options.out);
      } catch (error) {
        io.stderr.write(`sparrowc gen: ${String(error)}\n`);
      }
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
