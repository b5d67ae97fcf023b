/**
 * The compiler row: wall time of `sparrowc check`, `sparrowc gen` (the `ts`
 * target), `sparrowc gen --target js` (JavaScript + .d.ts through ts-morph)
 * and `sparrowc fmt` on a generated schema of 2,000 methods, each in a fresh
 * process, start-up included.
 *
 * It times what users run: the `sparrowc` package's own bin
 * (compiler/bin/sparrowc.js) on its build (compiler/dist), which
 * {@link buildCompilerPackage} makes first, so the figures are never those of
 * a stale build. The repository's bin/sparrowc.js runs the TypeScript
 * sources through type-strip hooks instead, which costs more start-up (see
 * bench/README.md, "The compiler row").
 *
 * A command sparrowc does not have yet is reported as missing, not failed.
 *
 * `recheck` is measured in this process, as a language server sees it: the
 * schema is open in a workspace (compiler/workspace/) and one line changes;
 * the time to have the new diagnostics, median of several edits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSchema } from '../scripts/gen-schema.ts';

/** Methods in the generated schema. */
export const COMPILER_METHODS = 2000;

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const sparrowc = path.join(projectRoot, 'compiler', 'bin', 'sparrowc.js');

/**
 * Builds the sparrowc package (and the runtime it references) as
 * `npm run build -w compiler` does; resolves to `undefined`, or to why it failed.
 */
export function buildCompilerPackage(timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'build', '-w', 'compiler'], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      output += String(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `npm run build -w compiler: exit ${code}: ${output.trim().split('\n').slice(0, 3).join(' / ')}`.slice(0, 300));
    });
  });
}

/** One timed sparrowc command. */
export type CommandOutcome =
  | { status: 'ok'; seconds: number }
  | { status: 'missing' }
  | { status: 'error'; error: string };

/** One round of the compiler row. */
export interface CompilerRound {
  check: CommandOutcome;
  gen: CommandOutcome;
  genJs: CommandOutcome;
  fmt: CommandOutcome;
  recheck: CommandOutcome;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [sparrowc, ...args], {
      cwd: projectRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\ntimed out after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1e3 });
    });
  });
}

/**
 * Whether sparrowc has `command`: its help must exit 0 and name it. The exit
 * code alone is not enough while the CLI has no commands, because commander
 * then prints the top-level help for any `x --help` and exits 0.
 */
async function hasCommand(command: string, mustMention?: RegExp): Promise<boolean> {
  const help = await run([command, '--help'], 30_000);
  return help.code === 0 && help.stdout.includes(`sparrowc ${command}`) && (mustMention === undefined || mustMention.test(help.stdout));
}

async function timed(args: readonly string[], timeoutMs: number): Promise<CommandOutcome> {
  const result = await run(args, timeoutMs);
  if (result.code === 0) return { status: 'ok', seconds: result.seconds };
  const why = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 3).join(' / ');
  return { status: 'error', error: `exit ${result.code}: ${why}`.slice(0, 300) };
}

/** Runs one round of the compiler row: writes the schema, times check and gen, cleans up. `buildError`: the package could not be built, every command fails with it. */
export async function runCompilerRound(timeoutMs: number, buildError?: string): Promise<CompilerRound> {
  if (buildError !== undefined) {
    const failed: CommandOutcome = { status: 'error', error: buildError };
    return { check: failed, gen: failed, genJs: failed, fmt: failed, recheck: failed };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-bench-compiler-'));
  try {
    const schema = path.join(dir, 'big.sparrow');
    writeFileSync(schema, generateSchema({ methods: COMPILER_METHODS }));
    const [canCheck, canGen, canGenJs, canFmt] = await Promise.all([hasCommand('check'), hasCommand('gen'), hasCommand('gen', /\bjs\b/), hasCommand('fmt')]);
    const check: CommandOutcome = canCheck ? await timed(['check', schema], timeoutMs) : { status: 'missing' };
    const gen: CommandOutcome = canGen ? await timed(['gen', schema, '--out', path.join(dir, 'out')], timeoutMs) : { status: 'missing' };
    const genJs: CommandOutcome = canGenJs ? await timed(['gen', schema, '--target', 'js', '--out', path.join(dir, 'out-js')], timeoutMs) : { status: 'missing' };
    const fmt: CommandOutcome = canFmt ? await timed(['fmt', schema], timeoutMs) : { status: 'missing' };
    return { check, gen, genJs, fmt, recheck: await timeRecheck(schema) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median time for the diagnostics after a one-line edit of the open schema (in process, as the language server does it). */
async function timeRecheck(schema: string): Promise<CommandOutcome> {
  try {
    const { createWorkspace } = await import('../../compiler/workspace/workspace.ts');
    const text = readFileSync(schema, 'utf8');
    const workspace = createWorkspace();
    workspace.open(schema, text);
    workspace.diagnostics(schema);
    const lines = text.split('\n');
    const runs: number[] = [];
    for (let edit = 1; edit <= 5; edit++) {
      // A doc comment line changes: the file is edited, the model stays valid.
      const at = lines.findIndex((l) => l.trimStart().startsWith('///'));
      const edited = [...lines.slice(0, at), `${lines[at] ?? ''} (edit ${edit})`, ...lines.slice(at + 1)].join('\n');
      const started = performance.now();
      workspace.change(schema, edited);
      workspace.diagnostics(schema);
      runs.push((performance.now() - started) / 1e3);
    }
    runs.sort((a, b) => a - b);
    return { status: 'ok', seconds: runs[Math.floor(runs.length / 2)] ?? 0 };
  } catch (error) {
    return { status: 'error', error: String(error).slice(0, 300) };
  }
}
