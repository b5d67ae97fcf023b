/**
 * A nats-server of the bench's own for the NATS rows, on 127.0.0.1 with a
 * port the system chose, started in the row's server process and stopped
 * with it. Debian's package `nats-server` (scripts/install-system-deps.sh).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/** A running nats-server. */
export interface BenchNatsServer {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  stop(): Promise<void>;
}

function natsServerBinary(): string {
  for (const candidate of [process.env['NATS_SERVER'], '/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    if (candidate !== undefined && existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return which.stdout.trim();
  throw new Error('nats-server not found: apt-get install nats-server (or scripts/install-system-deps.sh), or set NATS_SERVER');
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts nats-server and resolves once it accepts clients (rejects after 15 s). */
export async function startBenchNats(): Promise<BenchNatsServer> {
  const port = await freePort();
  const child = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start within 15 s: ${log}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${String(code)}: ${log}`));
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
