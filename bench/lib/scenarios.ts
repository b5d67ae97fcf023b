/**
 * The scenarios, run in the client process against any contender's client.
 * Every loop is bounded both in count and in time, so a run always ends.
 */
import { quantile } from './stats.ts';
import type { Address, BenchClient, Contender, ScenarioConfig, ScenarioFigures, ScenarioName, ScenarioOutcome } from './types.ts';

const now = (): number => performance.now();

/** Rejects with a clear message when `promise` takes longer than `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One call in flight: calls/s plus p50/p99 round-trip latency in µs. */
async function sequential(client: BenchClient, ms: number, maxCalls: number): Promise<ScenarioFigures> {
  const latencies = new Float64Array(maxCalls);
  let calls = 0;
  const start = now();
  const end = start + ms;
  while (calls < maxCalls && now() < end) {
    const sent = now();
    const sum = await client.add(calls, 1);
    latencies[calls++] = now() - sent;
    if (sum !== calls) throw new Error(`add returned ${sum}, expected ${calls}`);
  }
  const elapsed = now() - start;
  const sorted = latencies.subarray(0, calls).sort();
  return { rate: (calls / elapsed) * 1e3, p50: quantile(sorted, 0.5) * 1e3, p99: quantile(sorted, 0.99) * 1e3 };
}

/** `depth` calls in flight; each completion issues the next call. Calls/s. */
async function pipelined(client: BenchClient, ms: number, maxCalls: number, depth: number): Promise<ScenarioFigures> {
  let issued = 0;
  let done = 0;
  const start = now();
  const end = start + ms;
  await new Promise<void>((resolve, reject) => {
    const issue = (): void => {
      if (issued >= maxCalls || now() >= end) {
        if (done === issued) resolve();
        return;
      }
      const i = issued++;
      client.add(i, 1).then((sum) => {
        if (sum !== i + 1) {
          reject(new Error(`add returned ${sum}, expected ${i + 1}`));
          return;
        }
        done++;
        issue();
      }, reject);
    };
    for (let k = 0; k < depth; k++) issue();
  });
  return { rate: (done / (now() - start)) * 1e3 };
}

/** Blobs of `size` bytes, one call in flight. MiB/s received. */
async function blob(client: BenchClient, ms: number, maxCalls: number, size: number): Promise<ScenarioFigures> {
  let calls = 0;
  let bytes = 0;
  const start = now();
  const end = start + ms;
  while (calls < maxCalls && now() < end) {
    const data = await client.blob(size);
    if (data.byteLength !== size) throw new Error(`blob returned ${data.byteLength} bytes, expected ${size}`);
    bytes += data.byteLength;
    calls++;
  }
  return { rate: bytes / 1048576 / ((now() - start) / 1e3) };
}

/** One server stream of `items` items. Items/s. */
async function stream(client: BenchClient, items: number, timeoutMs: number): Promise<ScenarioFigures> {
  const start = now();
  const received = await withTimeout(client.stream(items), timeoutMs, 'stream');
  if (received !== items) throw new Error(`stream delivered ${received} of ${items} items`);
  return { rate: (items / (now() - start)) * 1e3 };
}

/** Server→client calls, one at a time, for `ms`. Calls/s. */
async function callback(client: BenchClient, ms: number, maxCalls: number, timeoutMs: number): Promise<ScenarioFigures> {
  const callbacks = client.callbacks;
  if (callbacks === undefined) throw new Error('no callbacks');
  const start = now();
  const calls = await withTimeout(callbacks.call(client, maxCalls, ms), ms + timeoutMs, 'callback');
  if (!(calls > 0)) throw new Error(`callbacks reported ${calls} calls`);
  return { rate: (calls / (now() - start)) * 1e3 };
}

/** Connections are opened this many at a time (Node's default listen backlog is 511). */
const CONNECT_BATCH = 100;

/**
 * Many connections at once: `connections` clients, each making
 * `callsPerConnection` sequential `add` calls, all clients at the same time.
 * Calls/s over the whole run (connecting excluded), p50/p99 of every call's
 * round trip in µs. What a server with many mostly idle clients pays per
 * connection (buffers, per-link state) shows here, not in the
 * one-connection scenarios.
 */
async function many(contender: Contender, address: Address, connections: number, callsPerConnection: number): Promise<ScenarioFigures> {
  const clients: BenchClient[] = [];
  try {
    while (clients.length < connections) {
      const batch = Math.min(CONNECT_BATCH, connections - clients.length);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => contender.connect(address)))));
    }
    const latencies = new Float64Array(connections * callsPerConnection);
    let index = 0;
    const start = now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (let k = 0; k < callsPerConnection; k++) {
          const sent = now();
          const sum = await client.add(c, k);
          latencies[index++] = now() - sent;
          if (sum !== c + k) throw new Error(`add returned ${sum}, expected ${c + k}`);
        }
      }),
    );
    const elapsed = now() - start;
    const sorted = latencies.sort();
    return { rate: (index / elapsed) * 1e3, p50: quantile(sorted, 0.5) * 1e3, p99: quantile(sorted, 0.99) * 1e3 };
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
  }
}

/** Warms up once, then measures once; any failure becomes an error outcome, so one scenario cannot sink the others. */
async function measureOnce(warm: () => Promise<unknown>, run: () => Promise<ScenarioFigures>): Promise<ScenarioOutcome> {
  try {
    await warm();
    return { status: 'ok', ...(await run()) };
  } catch (error) {
    return { status: 'error', error: String(error instanceof Error ? error.message : error).slice(0, 160) };
  }
}

/** Runs every scenario in table order against `client` (many-connections opens its own clients of `contender` at `address`). */
export async function runScenarios(client: BenchClient, c: ScenarioConfig, contender: Contender, address: Address): Promise<Record<ScenarioName, ScenarioOutcome>> {
  const skipped = (name: ScenarioName): boolean => c.only !== undefined && !c.only.includes(name);
  const measure = (name: ScenarioName, warm: () => Promise<unknown>, run: () => Promise<ScenarioFigures>): Promise<ScenarioOutcome> =>
    skipped(name) ? Promise.resolve({ status: 'na' }) : measureOnce(warm, run);
  const seq = await measure('seq', () => sequential(client, c.warmMs, 5_000), () => sequential(client, c.ms, 200_000));
  const pipe = await measure(
    'pipelined',
    () => pipelined(client, c.warmMs, 20_000, c.depth),
    () => pipelined(client, c.ms, 1_000_000, c.depth),
  );
  const bulk = await measure('blob', () => blob(client, c.warmMs, 50, c.blobSize), () => blob(client, c.ms, 2_000, c.blobSize));
  const warmItems = Math.min(10_000, c.streamItems);
  const items = await measure(
    'stream',
    () => stream(client, warmItems, c.scenarioTimeoutMs),
    () => stream(client, c.streamItems, c.scenarioTimeoutMs),
  );
  const calls: ScenarioOutcome =
    client.callbacks === undefined
      ? { status: 'na' }
      : await measure(
          'callback',
          () => callback(client, c.warmMs, 5_000, c.scenarioTimeoutMs),
          () => callback(client, c.ms, 200_000, c.scenarioTimeoutMs),
        );
  const crowd: ScenarioOutcome =
    contender.sharedServer === false
      ? { status: 'na' }
      : await measure(
          'many',
          () => many(contender, address, Math.min(c.connections, 20), Math.min(c.callsPerConnection, 10)),
          () => many(contender, address, c.connections, c.callsPerConnection),
        );
  return { seq, pipelined: pipe, blob: bulk, stream: items, callback: calls, many: crowd };
}
