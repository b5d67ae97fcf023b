/**
 * The live reference Python peer (`sparrowrpc`) for the interop tests:
 * finding Debian's python3 and the reference sources, spawning the
 * reference's listening servers and our Python drivers (test/interop/python/),
 * and waiting for their sockets.
 *
 * The reference is used in place, from `../shared/reference/python/` beside
 * the project (or SPARROW_PYTHON_REFERENCE), located by scripts/python-env.ts: `sparrowrpc-0.1.2/` (layout 0.1.2)
 * and `sparrowrpc-head/` (layout next), with `binarychain/` and
 * `websockets/` on PYTHONPATH. The interpreter is /usr/bin/python3 (or
 * SPARROW_PYTHON) with Debian's python3-msgpack and python3-cbor2, never the
 * first python3 on PATH.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PYTHON, pythonEnv as referencePythonEnv, referenceRoot } from '../../scripts/python-env.ts';
import { freePort } from './free-port.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The Python drivers of our own (never reference code). */
export const pythonDriverDir = path.join(projectRoot, 'test/interop/python');

/** The two reference versions: their folder suffix and the chain layout they speak. */
export const REFERENCE_VERSIONS = [
  { name: '0.1.2', folder: 'sparrowrpc-0.1.2', layout: '0.1.2' },
  { name: 'head', folder: 'sparrowrpc-head', layout: 'next' },
] as const;
export type ReferenceVersion = (typeof REFERENCE_VERSIONS)[number];

/** The reference's two engines. */
export const ENGINES = ['threaded', 'async'] as const;
export type Engine = (typeof ENGINES)[number];

/** Where the interpreter and the reference are. */
export interface PythonReference {
  readonly python: string;
  readonly root: string;
}

const HOW_TO_ENABLE =
  'run scripts/install-system-deps.sh (Debian python3 with python3-msgpack, python3-cbor2, python3-pytest) and put the reference sources at ../shared/reference/python (or set SPARROW_PYTHON_REFERENCE)';

let found: PythonReference | string | undefined;

/** The interpreter and reference, or why they are missing (checked once per process). */
export function findPythonReference(): PythonReference | string {
  if (found !== undefined) return found;
  const python = PYTHON;
  const root = referenceRoot();
  if (!existsSync(python)) return (found = `no ${python}`);
  for (const folder of ['sparrowrpc-0.1.2', 'sparrowrpc-head', 'binarychain', 'websockets']) {
    if (!existsSync(path.join(root, folder))) return (found = `no reference folder ${path.join(root, folder)}`);
  }
  const probe = spawnSync(python, ['-c', 'import msgpack, cbor2, sparrowrpc'], {
    env: pythonEnv({ python, root }, REFERENCE_VERSIONS[0]),
    encoding: 'utf8',
  });
  if (probe.status !== 0) return (found = `${python} cannot import msgpack, cbor2 and sparrowrpc: ${probe.stderr.trim().split('\n').pop() ?? ''}`);
  return (found = { python, root });
}

/**
 * The reference for a test, or undefined after skipping it with a message
 * saying how to enable it. Under CI=true a missing reference fails the test.
 */
export function requirePythonReference(t: TestContext): PythonReference | undefined {
  const reference = findPythonReference();
  if (typeof reference !== 'string') return reference;
  if (process.env['CI'] === 'true') throw new Error(`the live reference Python peer is required under CI=true: ${reference}; ${HOW_TO_ENABLE}`);
  t.skip(`live reference Python peer not available (${reference}); to enable: ${HOW_TO_ENABLE}`);
  return undefined;
}

/** The environment that runs `version` of the reference (and our drivers) in place. */
export function pythonEnv(reference: PythonReference, version: ReferenceVersion, extraPath: readonly string[] = []): NodeJS.ProcessEnv {
  return referencePythonEnv(version.layout, extraPath, reference.root);
}

/** The reference tests folder of `version` (its listening servers and pytest suite). */
export function referenceTestsDir(reference: PythonReference, version: ReferenceVersion): string {
  return path.join(reference.root, version.folder, 'tests');
}

/** A running Python listener with all three transports. */
export interface PythonServer {
  readonly tcpUrl: string;
  readonly unixUrl: string;
  readonly wsUrl: string;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its socket folder. */
  close(): Promise<void>;
}

/**
 * Starts the reference's listening server of `engine` (with our extra
 * probes, test/interop/python/reference_server.py) on a TCP port, a Unix
 * socket and a WebSocket port, and resolves once all three accept.
 */
export async function startPythonServer(reference: PythonReference, version: ReferenceVersion, engine: Engine): Promise<PythonServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-py-'));
  const tcpPort = await freePort();
  const wsPort = await freePort();
  const udsPath = path.join(dir, 'reference.sock');
  const child = spawn(
    reference.python,
    [path.join(pythonDriverDir, 'reference_server.py'), engine, '--tcp_port', String(tcpPort), '--uds_path', udsPath, '--ws_port', String(wsPort)],
    { env: pythonEnv(reference, version), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server = managed(child, dir);
  try {
    await waitForSockets([{ port: tcpPort }, { port: wsPort }, { path: udsPath }], child, server.output);
  } catch (error) {
    await server.close();
    throw error;
  }
  return { ...server, tcpUrl: `tcp://127.0.0.1:${tcpPort}`, unixUrl: `unix://${udsPath}`, wsUrl: `ws://127.0.0.1:${wsPort}/` };
}

/** A child process with its output kept and a close that always ends it. */
export function managed(child: ChildProcess, dir?: string): { output(): string; close(): Promise<void> } {
  let output = '';
  const keep = (chunk: Buffer): void => {
    // Bounded: only the tail matters for a failure message.
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    output: () => output,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

type SocketAddress = { port: number } | { path: string };

/** Resolves once every address accepts a connection; rejects when `child` exits first or 30 s pass. */
export async function waitForSockets(addresses: readonly SocketAddress[], child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const address of addresses) {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before listening:\n${output()}`);
      if (await accepts(address)) break;
      if (Date.now() > deadline) throw new Error(`nothing listening at ${JSON.stringify(address)} after 30 s:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function accepts(address: SocketAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = 'port' in address ? net.connect(address.port, '127.0.0.1') : net.connect(address.path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The result of a Python process run to its end. */
export interface PythonRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `args` under the reference's python for `version` (cwd `cwd`, our
 * drivers importable) to its end; kills it after `timeoutMs`.
 */
export function runPython(
  reference: PythonReference,
  version: ReferenceVersion,
  args: readonly string[],
  options: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<PythonRun> {
  return new Promise((resolve) => {
    const child = spawn(reference.python, [...args], {
      cwd: options.cwd ?? pythonDriverDir,
      env: { ...pythonEnv(reference, version, [pythonDriverDir]), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-50_000)));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
