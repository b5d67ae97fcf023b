/**
 * `npm run demo` (after `gen:demo` has regenerated examples/generated/):
 * starts the demo server as one process listening on TCP, a Unix socket
 * and WebSocket, then runs the demo client as separate processes against
 * each transport, over stdio (the client spawns its own server), and
 * against TCP with every serialiser × layout. Exits 0 when every call of
 * every run gave the expected result, 1 otherwise.
 *
 * Everything is bounded: the server must listen within 5 s, each client
 * run must finish within 15 s, the whole demo within 40 s; the server is
 * stopped with SIGTERM (and must exit 0), and the temp dir of the Unix
 * socket is removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { entryPoints, exited, spawnArgv, stdioServerUrl, stop, tsNodeArgv, waitForLines } from './processes.ts';
import { wantsColor } from './output.ts';

const LISTEN_TIMEOUT_MS = 5_000;
const CLIENT_TIMEOUT_MS = 15_000;
const DEMO_TIMEOUT_MS = 40_000;

const started = performance.now();
const color = wantsColor(process.stdout);
const bold = (text: string): string => (color ? `\x1b[1m${text}\x1b[22m` : text);
const children = new Set<ChildProcess>();
const socketDir = mkdtempSync(join(tmpdir(), 'sparrow-demo-'));
/** The server's token for `@auth` members, handed to every client run. */
// Hex, not base64url: a token starting with '-' reads as an option ("--token argument is ambiguous"), 1 run in 64.
const token = randomBytes(12).toString('hex');

/** Last resort: whatever happens, leave no process and no socket file behind. */
function cleanUpNow(): void {
  for (const child of children) child.kill('SIGKILL');
  rmSync(socketDir, { recursive: true, force: true });
}
process.once('exit', cleanUpNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUpNow();
    process.exit(130);
  });
}
const deadline = setTimeout(() => {
  console.error(`demo: did not finish within ${DEMO_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, DEMO_TIMEOUT_MS);
deadline.unref();

/** Runs the demo client with `args`; its output goes straight to ours (a terminal stays a terminal). */
async function runClient(args: readonly string[]): Promise<boolean> {
  const child = spawnArgv(tsNodeArgv(entryPoints.client, [...args, '--token', token]), { stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(child);
  const timer = setTimeout(() => {
    console.error(`demo: client ${args.join(' ')} did not finish within ${CLIENT_TIMEOUT_MS / 1000} s`);
    child.kill('SIGKILL');
  }, CLIENT_TIMEOUT_MS);
  const code = await exited(child);
  clearTimeout(timer);
  children.delete(child);
  return code === 0;
}

async function main(): Promise<number> {
  console.log(bold('Sparrow demo: schemas/demo.sparrow, a server process and a client process per run'));
  const server = spawnArgv(
    tsNodeArgv(entryPoints.server, ['--listen', 'tcp://127.0.0.1:0', '--listen', `unix:${join(socketDir, 'demo.sock')}`, '--listen', 'ws://127.0.0.1:0/', '--token', token]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(server);
  const [tcp, unix, ws] = await waitForLines(server, /^listening on (\S+)/, 3, LISTEN_TIMEOUT_MS);
  // The server prints nothing else on stdout; keep draining it so it can never block.
  server.stdout?.resume();
  console.log(`server pid ${server.pid} listening on ${tcp}, ${unix}, ${ws}`);

  const runs: string[][] = [
    ['--connect', tcp!],
    ['--connect', unix!],
    ['--connect', ws!],
    ['--connect', stdioServerUrl(['--token', token])],
    ['--connect', tcp!, '--matrix'],
  ];
  const results: boolean[] = [];
  for (const args of runs) results.push(await runClient(args));

  const serverExit = await stop(server, 'SIGTERM');
  children.delete(server);
  const serverOk = serverExit === 0;
  const failedRuns = results.filter((ok) => !ok).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log('');
  console.log(serverOk ? `server stopped with SIGTERM, exit 0` : `server did not exit cleanly on SIGTERM (${serverExit})`);
  console.log(
    bold(failedRuns === 0 && serverOk ? `demo: all ${runs.length} client runs passed in ${seconds} s` : `demo: ${failedRuns} of ${runs.length} client runs failed (${seconds} s)`),
  );
  return failedRuns === 0 && serverOk ? 0 : 1;
}

main().then(
  (code) => {
    clearTimeout(deadline);
    cleanUpNow();
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('demo:', error instanceof Error ? error.message : error);
    cleanUpNow();
    process.exitCode = 1;
  },
);
