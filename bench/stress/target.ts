/**
 * Starts server.ts in a process of its own and gives the harness and the
 * test slice what they need of it: its URLs, a probe peer that calls it,
 * and the bytes it logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connectPeer, type Peer } from '../../runtime/node.ts';
import type { StressTarget } from './attacks.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));

/** What the server reports of itself. */
export interface ServerSample {
  rss: number;
  peak: number;
  peers: number;
  /** Handlers in flight. */
  active: number;
  heap: number;
}

/** A running stress server. */
export interface StressServer extends StressTarget {
  readonly child: ChildProcess;
  /** A peer connected to it (also counts as one of its connections). */
  readonly probe: Peer;
  sample(): Promise<ServerSample>;
  /** Starts a new RSS peak (after a GC) and returns the baseline RSS. */
  reset(): Promise<number>;
  stop(): Promise<void>;
}

/** Latencies of the probe's calls while it ran, and how many failed. */
export interface ProbeReport {
  calls: number;
  errors: number;
  p99Ms: number;
}

/**
 * Calls `echo` on `peer` every `intervalMs` (one call at a time) until
 * stopped; a listener's idle deadline never cuts a peer that keeps calling.
 */
export function startProbe(peer: Peer, intervalMs = 20): { stop(): Promise<ProbeReport> } {
  const latencies: number[] = [];
  let errors = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      try {
        await peer.call('echo', { value: 1 }, { timeoutMs: 10_000 });
        latencies.push(performance.now() - start);
      } catch {
        errors++;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      latencies.sort((a, b) => a - b);
      const p99 = latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!;
      return { calls: latencies.length, errors, p99Ms: p99 };
    },
  };
}

// The server loads TypeScript as users run JavaScript (bench/lib/strip-types.mjs): under tsx every
// closure carries a defined `name`, which inflates the heap figures the attacks are judged by.
const typeStripper = new URL('../lib/strip-types.mjs', import.meta.url).href;

/** Spawns the server with `options` (listener options, JSON) and connects the probe. */
export async function startStressServer(options: Record<string, unknown> = {}): Promise<StressServer> {
  const child = spawn(process.execPath, ['--expose-gc', '--conditions=source', '--import', typeStripper, serverScript, JSON.stringify(options)], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logBytes = 0;
  child.stderr!.on('data', (chunk: Buffer) => {
    logBytes += chunk.length;
    if (process.env.STRESS_SERVER_LOG === '1') process.stderr.write(chunk);
  });
  const urls = await new Promise<{ tcp: string; ws: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('stress server did not start within 60 s')), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { tcp: string; ws: string });
    });
    child.once('exit', (code) => reject(new Error(`stress server exited (${String(code)})`)));
  });
  // The probe must survive every deadline the server applies: it keeps calling.
  const probe = await connectPeer(urls.tcp, { timeoutMs: 30_000 });
  const sample = (): Promise<ServerSample> => probe.call<ServerSample>('sample', {}, { namespace: 'stats' });
  return {
    child,
    probe,
    tcp: urls.tcp,
    ws: urls.ws,
    logBytes: () => logBytes,
    sample,
    // The probe is one of the peers: attacks compare with the count before them.
    peers: async () => (await sample()).peers,
    peak: async () => (await sample()).peak,
    reset: () => probe.call<number>('reset', {}, { namespace: 'stats' }),
    async stop() {
      probe.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
