/**
 * Test fixtures (TypeScript entry points under test/) run as child
 * processes the way the npm scripts run code: `node --conditions=source
 * --import tsx <script>`, from the project root, so `sparrow-rpc`
 * resolves to the sources.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The argv (node first) that runs `script` with `args`. */
export function fixtureArgv(script: string, args: readonly string[] = []): string[] {
  return [process.execPath, '--conditions=source', '--import', 'tsx', script, ...args];
}

/** Quotes one word for the `stdio:` URL's command line (parseCommandLine), only where it needs it. */
function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `stdio:` URL that makes a connector spawn `script` with `args` and talk to it over its stdin/stdout. */
export function fixtureStdioUrl(script: string, args: readonly string[] = []): string {
  return `stdio:${fixtureArgv(script, args).map(quoteWord).join(' ')}`;
}

/** Spawns `script` with `args` from the project root. */
export function spawnFixture(script: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const [node, ...rest] = fixtureArgv(script, args);
  return spawn(node!, rest, { cwd: projectRoot, ...options });
}

/**
 * Resolves with the first `count` non-empty lines `child` prints on stdout
 * (what a listening fixture prints: its URLs), then drains the rest unread.
 * Rejects, and kills the child, when it exits first or `timeoutMs` passes.
 */
export function readStdoutLines(child: ChildProcess, count: number, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout! });
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      reader.off('line', onLine);
      reader.close();
      // Later output is not read, but must not fill the pipe and block the child.
      child.stdout!.resume();
      if (error === undefined) resolve(lines);
      else {
        child.kill('SIGKILL');
        reject(error);
      }
    };
    const onLine = (line: string): void => {
      if (line !== '') lines.push(line);
      if (lines.length >= count) finish(undefined);
    };
    const onExit = (code: number | null): void => finish(new Error(`fixture exited with ${code} after printing: ${lines.join('\n')}`));
    const timer = setTimeout(() => finish(new Error(`fixture printed ${lines.length} of ${count} lines within ${timeoutMs} ms: ${lines.join('\n')}`)), timeoutMs);
    reader.on('line', onLine);
    child.once('exit', onExit);
  });
}
