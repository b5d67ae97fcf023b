/**
 * The listener the stress attacks run against, in a process of its own so
 * its RSS is its own. Listens on tcp and ws (127.0.0.1, free ports) and
 * prints one JSON line: `{"tcp": url, "ws": url}`.
 *
 * Targets:
 * - `echo(value)` → value;
 * - `keep(value)` keeps the params (as a handler that stores what it gets)
 *   and answers how many it holds (the last 16 are kept);
 * - `big(bytes)` → a string of that many bytes (a large answer);
 * - `slow(ms)` → answers after `ms`;
 * - `stats.sample()` → {rss, peak, peers}; `stats.reset()` starts a new peak;
 * - `admin_only()` → "done", for the `admin` group only: `authenticate`
 *   gives that group to the credential STRESS_ADMIN_TOKEN, refuses any other
 *   credential, and makes a caller without one anonymous.
 *
 * Options (argv, JSON): the listener's limits, e.g.
 * `{"handshakeTimeoutMs": 300}` (the test slice shortens the deadlines).
 * Logs go to stderr, one line per entry, so a harness can count them.
 */
import { SparrowError, ErrorCode, listenPeers, type Authenticate, type ListenPeersOptions, type Logger } from '../../runtime/node.ts';
import { STRESS_ADMIN_TOKEN } from './attacks.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Partial<ListenPeersOptions>;

const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message) => process.stderr.write(`warn ${message}\n`),
  error: (message) => process.stderr.write(`error ${message}\n`),
};

let peak = 0;
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
}, 10);
sampler.unref();

const authenticate: Authenticate = ({ credentials }) => {
  if (credentials === undefined) return { subject: 'anonymous', groups: [] };
  if (credentials === STRESS_ADMIN_TOKEN) return { subject: 'admin', groups: ['admin'] };
  throw new SparrowError(ErrorCode.PermissionDenied, 'unknown token');
};

const kept: unknown[] = [];
const tcp = await listenPeers('tcp://127.0.0.1:0', { ...options, logger, authenticate });
const ws = await listenPeers('ws://127.0.0.1:0/', { ...options, logger, authenticate, registry: tcp.registry });
const registry = tcp.registry;
registry.export('echo', (params) => params.value);
registry.export('admin_only', () => 'done', { auth: ['admin'] });
registry.export('keep', (params) => {
  kept.push(params);
  if (kept.length > 16) kept.shift();
  return kept.length;
});
registry.export('big', (params) => 'x'.repeat(Number(params.bytes)));
// Handlers in flight: the kill-the-peer trials check that every one of them ends (its finally runs).
let active = 0;
registry.export('slow', async (params) => {
  active++;
  try {
    return await new Promise((resolve) => setTimeout(() => resolve(params.ms), Number(params.ms)));
  } finally {
    active--;
  }
});
registry.export(
  'count',
  async function* (params) {
    active++;
    try {
      for (let k = 0; k < Number(params.n); k++) {
        yield k;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      active--;
    }
  },
  { multipart: true },
);
registry.export('callMe', async (params) => {
  active++;
  try {
    const cb = params.cb as (params: { k: number }) => Promise<unknown>;
    for (let k = 0; k < Number(params.n); k++) await cb({ k });
    return params.n;
  } finally {
    active--;
  }
});
registry.export('consume', async (params) => {
  active++;
  try {
    let sum = 0;
    for await (const item of params.items as AsyncIterable<number>) sum += item;
    return sum;
  } finally {
    active--;
  }
});
registry.export('sample', () => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
  return { rss, peak, peers: tcp.peers.size + ws.peers.size, active, heap: process.memoryUsage().heapUsed };
}, { namespace: 'stats' });
registry.export('reset', () => {
  kept.length = 0;
  (globalThis as { gc?: () => void }).gc?.();
  peak = process.memoryUsage.rss();
  return peak;
}, { namespace: 'stats' });

process.stdout.write(`${JSON.stringify({ tcp: tcp.url, ws: ws.url })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([tcp.close(), ws.close()]).then(() => process.exit(0));
});
