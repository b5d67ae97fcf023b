/**
 * Scale-out over NATS: pipelined `add` calls/s with 1, 2 and 3 member
 * processes behind one service name.
 *
 *   node --conditions=source --import tsx bench/scripts/nats-scale-out.ts [--members 1,2,3] [--sessions 6] [--depth 64] [--ms 2000]
 *
 * One nats-server on 127.0.0.1; for each member count, that many member
 * processes serve the bench schema (msgpack) in the queue group, and this
 * process opens `--sessions` sessions (NATS spreads them over the members)
 * and keeps `--depth` calls in flight over all of them for `--ms` after a
 * warm-up. Bounded: every member is stopped after its run, the whole
 * script gives up after 5 minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectBench, serveBench, type BenchRemote } from '../contenders/sparrow-adapter.ts';
import { startBenchNats } from '../lib/nats-server.ts';

const SCRIPT = fileURLToPath(import.meta.url);

if (process.argv[2] === 'member') {
  // A member: the bench service on the URL given, until SIGTERM.
  const listener = await serveBench(process.argv[3]!, 'msgpack', {
    add: (a, b) => a + b,
    blob: (size) => new Uint8Array(size),
    *stream() {},
    callbacks: async () => 0,
  });
  console.log('ready');
  process.once('SIGTERM', () => void listener.close().then(() => process.exit(0)));
} else {
  const { values } = parseArgs({
    options: {
      members: { type: 'string', default: '1,2,3' },
      sessions: { type: 'string', default: '6' },
      depth: { type: 'string', default: '64' },
      ms: { type: 'string', default: '2000' },
    },
  });
  const giveUp = setTimeout(() => {
    console.error('nats-scale-out: gave up after 5 minutes');
    process.exit(1);
  }, 300_000);
  const counts = values.members.split(',').map(Number);
  const sessions = Number(values.sessions);
  const depth = Number(values.depth);
  const ms = Number(values.ms);
  const nats = await startBenchNats();
  const url = `nats://${nats.address}/scale`;
  const rows: string[] = [];
  try {
    for (const count of counts) {
      const members = await Promise.all(Array.from({ length: count }, () => startMember(url)));
      try {
        const remotes: BenchRemote[] = [];
        for (let i = 0; i < sessions; i++) remotes.push(await connectBench(url, 'msgpack', (x) => x));
        await pipelined(remotes, depth, 300);
        const rate = await pipelined(remotes, depth, ms);
        rows.push(`| ${count} | ${sessions} | ${depth} | ${Math.round(rate)} |`);
        console.error(`${count} member(s): ${Math.round(rate)} calls/s`);
        await Promise.all(remotes.map((remote) => remote.close()));
      } finally {
        await Promise.all(members.map(stopMember));
      }
    }
  } finally {
    await nats.stop();
    clearTimeout(giveUp);
  }
  console.log('| members | sessions | calls in flight | pipelined calls/s |\n|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
}

/** Keeps `depth` calls in flight, spread over `remotes`, for `ms`; resolves with calls/s. */
async function pipelined(remotes: readonly BenchRemote[], depth: number, ms: number): Promise<number> {
  const end = performance.now() + ms;
  const start = performance.now();
  let done = 0;
  const lane = async (remote: BenchRemote): Promise<void> => {
    while (performance.now() < end) {
      await remote.add(done, 1);
      done++;
    }
  };
  await Promise.all(Array.from({ length: depth }, (_, i) => lane(remotes[i % remotes.length]!)));
  return done / ((performance.now() - start) / 1e3);
}

function startMember(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', SCRIPT, 'member', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`member exited with ${String(code)}`)));
  });
}

function stopMember(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
