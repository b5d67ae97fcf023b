/** Runs the bench driver (bench/driver.ts) as `npm run bench` does, for the smoke tests. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What `--json` writes, as far as the smoke tests read it. */
export interface BenchJson {
  ratiosToRawPort?: Record<string, Record<string, number | undefined>>;
  pool?: { size1: number; size2: number; speedup: number };
  results: {
    name: string;
    scenarios?: Record<string, { status: string; rate?: number; p50?: number; p99?: number }>;
    serverRssMiB?: number;
    clientRssMiB?: number;
    failures: string[];
  }[];
}

/** Runs the driver with `args`; resolves with its exit code and output, rejects (killing it) after `timeoutMs`. */
export function runBenchDriver(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'bench/driver.ts', ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench driver timed out after ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
