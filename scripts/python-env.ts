/**
 * Debian's `python3` with the reference `sparrowrpc` on its path, for the
 * Python demo (`npm run demo:py-server`, `npm run demo:py-client`) and the
 * tests of `sparrowc gen --target python`.
 *
 * `node scripts/python-env.ts server|client [args…]` regenerates
 * examples/python/generated from schemas/demo.sparrow (only changed files
 * are written), then runs examples/python/demo_<server|client>.py with the
 * reference of `--layout` (`0.1.2`, default, or `next`) on PYTHONPATH,
 * forwarding SIGINT/SIGTERM and the exit code.
 *
 * The reference is used in place from `../shared/reference/python` (or
 * `$SPARROW_PYTHON_REFERENCE`); nothing is installed. This file is the one
 * place that knows where the interpreter and the reference are: the interop
 * tests (test/helpers/python-reference.ts) run Python through it too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** Debian's interpreter: it has msgpack, cbor2 and mypy as Debian packages (not the pyenv one on PATH). */
export const PYTHON = process.env['SPARROW_PYTHON'] ?? '/usr/bin/python3';

/** The reference's chain layouts, each a source folder of the reference. */
export type ReferenceLayout = '0.1.2' | 'next';

/** Where the reference sources are. */
export function referenceRoot(): string {
  return process.env['SPARROW_PYTHON_REFERENCE'] ?? path.resolve(repoRoot, '../shared/reference/python');
}

/** The reference's source folders for `layout` (under `root`): sparrowrpc, binarychain, websockets. */
export function referencePaths(layout: ReferenceLayout = '0.1.2', root = referenceRoot()): string[] {
  return [path.join(root, layout === 'next' ? 'sparrowrpc-head' : 'sparrowrpc-0.1.2', 'src'), path.join(root, 'binarychain', 'src'), path.join(root, 'websockets', 'src')];
}

/** The environment that runs Python with `extra` folders and the reference (under `root`) on its path. */
export function pythonEnv(layout: ReferenceLayout, extra: readonly string[] = [], root = referenceRoot()): NodeJS.ProcessEnv {
  // No __pycache__ written into the shared reference.
  return { ...process.env, PYTHONPATH: [...extra, ...referencePaths(layout, root)].join(path.delimiter), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
}

/**
 * Why Python cannot run here (`undefined` when it can): no interpreter, no
 * reference sources, or a missing Debian module (`msgpack`, `cbor2`, and
 * `mypy` when `withMypy`).
 */
export function pythonMissing(options: { withMypy?: boolean } = {}): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (scripts/install-system-deps.sh installs it)`;
  for (const folder of referencePaths('0.1.2')) if (!existsSync(folder)) return `the reference Python sources are missing at ${folder} (set SPARROW_PYTHON_REFERENCE)`;
  const modules = ['msgpack', 'cbor2', ...(options.withMypy === true ? ['mypy'] : [])];
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} lacks ${modules.join('/')} (scripts/install-system-deps.sh installs python3-msgpack, python3-cbor2, python3-mypy)`;
  return undefined;
}

/** The Python demo's folder, and where its generated package goes. */
export const pythonDemoDir = path.join(repoRoot, 'examples', 'python');
export const pythonDemoGenerated = path.join(pythonDemoDir, 'generated');

/** Regenerates the Python demo package from schemas/demo.sparrow; throws on a schema error. */
export async function generatePythonDemo(): Promise<void> {
  // Loaded here, not at the top: the interop tests use this file's paths without the compiler.
  const { generateOnce } = await import('../compiler/cli/gen-command.ts');
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const plan = { inputs: [path.join(repoRoot, 'schemas', 'demo.sparrow')], generate: [{ target: 'python', out: pythonDemoGenerated, options: {} }] } as const;
  const result = await generateOnce(plan, { stdout: sink, stderr: sink, cwd: repoRoot });
  if (!result.ok) throw new Error('sparrowc gen --target python failed for schemas/demo.sparrow');
}

/** argv and env that run the Python demo `role` with `args` (its `--layout` picks the reference). */
export function pythonDemoCommand(role: 'server' | 'client', args: readonly string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
  const at = args.indexOf('--layout');
  const layout: ReferenceLayout = at >= 0 && args[at + 1] === 'next' ? 'next' : '0.1.2';
  return { argv: [PYTHON, path.join(pythonDemoDir, `demo_${role}.py`), ...args], env: pythonEnv(layout, [pythonDemoGenerated, pythonDemoDir]) };
}

async function main(argv: readonly string[]): Promise<number> {
  const [role, ...args] = argv;
  if (role !== 'server' && role !== 'client') {
    console.error('usage: node scripts/python-env.ts server|client [args…]');
    return 2;
  }
  const missing = pythonMissing();
  if (missing !== undefined) {
    console.error(`demo:py-${role}: ${missing}`);
    return 1;
  }
  await generatePythonDemo();
  const { argv: command, env } = pythonDemoCommand(role, args);
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 0))));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
