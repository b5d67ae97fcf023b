/**
 * `npm run stress`: the attack catalogue (attacks.ts) at full scale against
 * a listener in its own process (server.ts, default limits), a probe
 * calling throughout, then the runs that check nothing is lost under
 * faults and load. One line each:
 *
 *   attack | server RSS peak over baseline | probe p99 | held/broke (what was seen)
 *
 * Held means: the attack's outcome (answers, closes, refusals), the RSS
 * peak below baseline + 64 MiB, and no failed probe call. Loopback only;
 * every loop is bounded in count and in time. `STRESS_ONLY=<text>` runs the
 * rows whose name contains it.
 */
import { connectPeer, type Peer } from '../../runtime/node.ts';
import { createRandom } from '../../test/helpers/seeded-random.ts';
import { ATTACKS, type AttackResult } from './attacks.ts';
import { RawClient } from './raw-client.ts';
import { startProbe, startStressServer, type StressServer } from './target.ts';

const MiB = 1024 * 1024;
const HELD_RSS = 64 * MiB;
const only = process.env.STRESS_ONLY;

async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The extra runs: name and body, each returning what an attack returns. */
const RUNS: readonly { name: string; run(server: StressServer): Promise<AttackResult> }[] = [
  {
    name: '1,000 seeded kill-the-peer trials (mid-call, mid-stream, mid-callback, mid-iterable-param)',
    async run(server) {
      const random = createRandom(13);
      const before = await server.peers();
      const kinds = ['mid-call', 'mid-stream', 'mid-callback', 'mid-iterable'] as const;
      const counts = { 'mid-call': 0, 'mid-stream': 0, 'mid-callback': 0, 'mid-iterable': 0 };
      const outcomes: Record<string, number> = {};
      const deadline = Date.now() + 180_000;
      let trials = 0;
      for (; trials < 1000 && Date.now() < deadline; trials += 10) {
        // Ten at a time: the trials overlap as real failures would.
        await Promise.all(Array.from({ length: 10 }, async () => {
          const kind = kinds[Math.floor(random() * kinds.length)]!;
          counts[kind]++;
          const killAfter = Math.floor(random() * 8);
          const peer = await connectPeer(server.tcp, { timeoutMs: 0 });
          const pending: Promise<unknown>[] = [];
          if (kind === 'mid-call') pending.push(peer.call('slow', { ms: 50 }));
          else if (kind === 'mid-stream') pending.push((async () => { for await (const _ of peer.callStream('count', { n: 1000 })) void _; })());
          else if (kind === 'mid-callback') pending.push(peer.call('callMe', { n: 1000, cb: async () => new Promise((resolve) => setTimeout(resolve, 1)) }));
          else {
            pending.push(peer.call('consume', { items: (async function* () { for (let k = 0; ; k++) { yield k; await new Promise((resolve) => setTimeout(resolve, 1)); } })() }));
          }
          // Tally how each operation ended (handled at once: a rejection must not wait for the kill).
          const ended = pending.map((operation) => operation.then(() => 'ok', (error: unknown) => (error as { code?: string }).code ?? 'other'));
          await new Promise((resolve) => setTimeout(resolve, killAfter));
          peer.close();
          // Every pending operation settles (with connection-closed) once the peer is gone.
          for (const outcome of await Promise.all(ended)) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }));
      }
      const settled = await eventually(async () => {
        const sample = await server.sample();
        return sample.active === 0 && sample.peers <= before;
      }, 30_000);
      const sample = await server.sample();
      return {
        held: settled && trials >= 1000 && Object.keys(outcomes).every((outcome) => outcome === 'ok' || outcome === 'connection-closed'),
        detail: `${trials} trials (${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}); caller saw ${JSON.stringify(outcomes)}; server handlers left ${sample.active}, connections ${sample.peers - before}`,
      };
    },
  },
  {
    name: 'load: 1000 connections × 100 calls',
    async run(server) {
      const peers: Peer[] = [];
      for (let k = 0; k < 1000; k++) peers.push(await connectPeer(server.tcp, { timeoutMs: 60_000 }));
      const latencies: number[] = [];
      let errors = 0;
      await Promise.all(peers.map(async (peer) => {
        for (let k = 0; k < 100; k++) {
          const start = performance.now();
          try {
            await peer.call('echo', { value: k });
            latencies.push(performance.now() - start);
          } catch {
            errors++;
          }
        }
      }));
      for (const peer of peers) peer.close();
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
      return { held: errors === 0 && latencies.length === 100_000, detail: `${latencies.length} calls, ${errors} errors, call p99 ${p99.toFixed(1)} ms` };
    },
  },
  {
    name: '1,000,000 mutated chains at a live listener',
    async run(server) {
      const random = createRandom(7);
      const base = [
        // j {"r":"echo","i":1,"v":".5"} {}
        Uint8Array.from([0x6a, 0x81, 0x1b, ...new TextEncoder().encode('{"r":"echo","i":1,"v":".5"}'), 0x81, 0x02, 0x7b, 0x7d, 0xff]),
        // m {r: "echo", i: 1} and an empty params part
        Uint8Array.from([0x6d, 0x81, 0x0b, 0x82, 0xa1, 0x72, 0xa4, 0x65, 0x63, 0x68, 0x6f, 0xa1, 0x69, 0x01, 0x80, 0xff]),
      ];
      let sent = 0;
      let connections = 0;
      const deadline = Date.now() + 240_000;
      while (sent < 1_000_000 && Date.now() < deadline) {
        // A batch of mutated chains per connection: the first framing error closes it, the rest are never read.
        const client = await RawClient.open(server.tcp);
        connections++;
        const batch: Uint8Array[] = [];
        for (let k = 0; k < 1000; k++) {
          const chain = base[Math.floor(random() * base.length)]!.slice();
          const flips = 1 + Math.floor(random() * 3);
          for (let f = 0; f < flips; f++) chain[Math.floor(random() * chain.length)] = Math.floor(random() * 256);
          batch.push(chain);
        }
        client.send(Buffer.concat(batch));
        sent += batch.length;
        await client.closedWithin(50);
        client.destroy();
      }
      // The listener still answers a well-formed call.
      const answer = await server.probe.call('echo', { value: 'still here' });
      return { held: answer === 'still here' && sent >= 1_000_000, detail: `${sent} chains over ${connections} connections; listener still answers` };
    },
  },
  {
    name: 'soak: 1,000,000 calls, heap slope',
    async run(server) {
      const peer = await connectPeer(server.tcp, { timeoutMs: 60_000 });
      const heaps: number[] = [];
      let calls = 0;
      const deadline = Date.now() + 300_000;
      while (calls < 1_000_000 && Date.now() < deadline) {
        const batch: Promise<unknown>[] = [];
        for (let k = 0; k < 64; k++) batch.push(peer.call('echo', { value: k }));
        await Promise.all(batch);
        calls += 64;
        if (calls % 100_032 === 0) heaps.push((await server.sample()).heap);
      }
      peer.close();
      // Slope of the server heap over the second half of the samples (after warm-up), in bytes per 100k calls.
      const tail = heaps.slice(Math.floor(heaps.length / 2));
      const slope = tail.length < 2 ? 0 : (tail[tail.length - 1]! - tail[0]!) / (tail.length - 1);
      return { held: calls >= 1_000_000 && slope < 1 * MiB, detail: `${calls} calls; server heap slope ${(slope / 1024).toFixed(0)} KiB per 100k calls (samples ${heaps.map((h) => (h / MiB).toFixed(1)).join(' ')} MiB)` };
    },
  },
];

async function measure(server: StressServer, name: string, body: () => Promise<AttackResult>): Promise<boolean> {
  const baseline = await server.reset();
  const probe = startProbe(server.probe, 50);
  let result: AttackResult;
  try {
    result = await body();
  } catch (error) {
    result = { held: false, detail: `threw: ${(error as Error).message}` };
  }
  const report = await probe.stop();
  const sample = await server.sample();
  const over = Math.max(0, (result.hostilePeak ?? sample.peak) - baseline);
  const held = result.held && over < HELD_RSS && report.errors === 0;
  if (result.hostilePeak !== undefined) result.detail += `; whole row incl. the legitimate read-back peaked +${(Math.max(0, sample.peak - baseline) / MiB).toFixed(1)} MiB`;
  const probeText = `probe p99 ${report.p99Ms.toFixed(1)} ms${report.errors > 0 ? ` (${report.errors} failed)` : ''}`;
  console.log(`${name} | RSS +${(over / MiB).toFixed(1)} MiB | ${probeText} | ${held ? 'held' : 'BROKE'} (${result.detail})`);
  return held;
}

const server = await startStressServer();
let broke = 0;
try {
  console.log(`stress: listener pid ${String(server.child.pid)} at ${server.tcp} and ${server.ws}; held = outcome + RSS under baseline + 64 MiB + every probe call answered`);
  for (const attack of ATTACKS) {
    const name = `#${attack.item} ${attack.name}`;
    if (only !== undefined && !name.includes(only)) continue;
    if (!(await measure(server, name, () => attack.run(server, 'full')))) broke++;
  }
  for (const run of RUNS) {
    if (only !== undefined && !run.name.includes(only)) continue;
    if (!(await measure(server, run.name, () => run.run(server)))) broke++;
  }
} finally {
  await server.stop();
}
console.log(broke === 0 ? 'stress: every row held' : `stress: ${broke} row(s) broke`);
process.exit(broke === 0 ? 0 : 1);
