/**
 * Real `nats-server` processes for the tests: one node, or a cluster of
 * nodes joined by routes, each on 127.0.0.1 with ports the system chose.
 * Outside CI a missing `nats-server` skips the test with a message; under
 * CI=true it fails (scripts/install-system-deps.sh installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.ts';

const HOW_TO_ENABLE = 'install it (Debian: apt-get install nats-server, or run scripts/install-system-deps.sh) or set NATS_SERVER to its path';

/** The nats-server binary, or a string saying why there is none. */
export function findNatsServer(): { path: string } | string {
  const candidates = [process.env['NATS_SERVER'], '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
  for (const candidate of candidates) if (candidate !== undefined && existsSync(candidate)) return { path: candidate };
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return which.status === 0 && found !== '' ? { path: found } : 'nats-server not found';
}

/** Whether a suite can run; outside CI a missing server gives the skip message, under CI=true it throws. */
export function natsServerOrSkip(): { path: string } | { skip: string } {
  const found = findNatsServer();
  if (typeof found !== 'string') return found;
  if (process.env['CI'] === 'true') throw new Error(`nats-server is required under CI=true: ${found}; ${HOW_TO_ENABLE}`);
  return { skip: `${found}; to enable: ${HOW_TO_ENABLE}` };
}

/** The binary for a test, or undefined after skipping it (fails under CI=true). */
export function requireNatsServer(t: TestContext): string | undefined {
  const found = natsServerOrSkip();
  if ('path' in found) return found.path;
  t.skip(found.skip);
  return undefined;
}

/** One running nats-server. */
export interface NatsNode {
  readonly port: number;
  /** `127.0.0.1:<port>`, for nats:// URLs. */
  readonly address: string;
  readonly process: ChildProcess;
  /** Resolves once the server's log has `count` lines matching `line` (rejects after 15 s). */
  waitForLog(line: RegExp, count: number): Promise<void>;
  /** SIGKILLs the node (no goodbye to its clients) and waits for it to exit. */
  kill(): Promise<void>;
  /** SIGTERMs the node and waits for it to exit. */
  stop(): Promise<void>;
}

/** Extra arguments of a node (a cluster's route settings, auth). */
export interface NatsNodeOptions {
  args?: readonly string[];
  /** Line of the server's log that says it is ready (default: "Server is ready"). */
  readyLine?: RegExp;
}

/** Starts one nats-server on 127.0.0.1 and resolves once it accepts clients (within 15 s). */
export async function startNatsNode(binary: string, options: NatsNodeOptions = {}): Promise<NatsNode> {
  const port = await freePort();
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), ...(options.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = options.readyLine ?? /Server is ready/;
  let log = '';
  let onLog: (() => void) | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    if (log.length < 200_000) log += chunk.toString();
    onLog?.();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start within 15 s:\n${log}`));
    }, 15_000);
    onLog = () => {
      if (!ready.test(log)) return;
      clearTimeout(timer);
      onLog = undefined;
      resolve();
    };
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${String(code)} before it was ready:\n${log}`));
    });
  });
  const waitForLog = async (line: RegExp, count: number): Promise<void> => {
    const global = new RegExp(line.source, 'g');
    const deadline = Date.now() + 15_000;
    while ((log.match(global)?.length ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`nats-server logged ${line} fewer than ${count} times:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { port, address: `127.0.0.1:${port}`, process: child, waitForLog, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** Starts `size` nodes joined by cluster routes on loopback, and resolves once every route is up. */
export async function startNatsCluster(binary: string, size: number): Promise<NatsNode[]> {
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) routePorts.push(await freePort());
  const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
  const nodes = await Promise.all(
    routePorts.map((routePort, i) =>
      startNatsNode(binary, {
        args: ['--name', `sparrow-n${i + 1}`, '--cluster_name', 'sparrow', '--cluster', `nats://127.0.0.1:${routePort}`, '--routes', routes],
      }),
    ),
  );
  // Each node has a route to every other one: only then does interest (a queue group) reach the whole cluster.
  await Promise.all(nodes.map((node) => node.waitForLog(/Route connection created/, size - 1)));
  return nodes;
}
