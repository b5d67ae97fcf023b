/**
 * Child processes for the demo runner and the tests: how to start a demo
 * entry point with tsx, wait for a line it prints, and stop it with a
 * deadline so nothing outlives its caller.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and node_modules are). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute paths of the demo's entry points. */
export const entryPoints = {
  server: fileURLToPath(new URL('./server.ts', import.meta.url)),
  client: fileURLToPath(new URL('./client.ts', import.meta.url)),
} as const;

/**
 * argv that runs a TypeScript entry point the way the npm scripts do:
 * `--conditions=source` so `sparrow-rpc` resolves to the sources, tsx
 * for the `.ts` files.
 */
export function tsNodeArgv(entry: string, args: readonly string[] = []): string[] {
  return [process.execPath, '--conditions=source', '--import', 'tsx', entry, ...args];
}

/** Quotes one argv word for `parseCommandLine` (the `stdio:` URL's command line). */
function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `stdio:` URL that makes a client spawn the demo server and talk to it over its stdin/stdout. */
export function stdioServerUrl(extraArgs: readonly string[] = []): string {
  return `stdio:${tsNodeArgv(entryPoints.server, ['--listen', 'stdio:', ...extraArgs]).map(quoteWord).join(' ')}`;
}

/** Spawns `argv` from the project root (so `--import tsx` resolves) with the given stdio. */
export function spawnArgv(argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(argv[0]!, argv.slice(1), { cwd: projectRoot, ...options });
}

/**
 * Waits until `child` has printed `count` lines matching `pattern` on
 * stdout, and resolves with their first capture groups. Rejects when the
 * child exits first or `timeoutMs` passes.
 */
export function waitForLines(child: ChildProcess, pattern: RegExp, count: number, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const found: string[] = [];
    let buffer = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    const onData = (chunk: Buffer | string): void => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const match = pattern.exec(line);
        if (match !== null) found.push(match[1] ?? line);
      }
      if (found.length >= count) {
        cleanup();
        resolve(found);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`process exited (${signal ?? `status ${code}`}) before printing ${count} × ${pattern}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${count} × ${pattern} within ${timeoutMs} ms (got ${found.length})`));
    }, timeoutMs);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Resolves with the exit code (or the signal's name) once `child` has exited. */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 1)));
}

/**
 * Sends `signal` and waits up to `graceMs` for the exit; then SIGKILLs.
 * Resolves with the exit code (or signal name) so callers can check that a
 * polite stop really exited 0.
 */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null || child.signalCode !== null) return exited(child);
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<'SIGKILL'>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('SIGKILL');
    }, graceMs);
  });
  const result = await Promise.race([exited(child), killed]);
  clearTimeout(timer);
  return result === 'SIGKILL' ? exited(child).then(() => 'SIGKILL' as const) : result;
}
