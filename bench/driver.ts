/**
 * The Sparrow benchmark driver (`npm run bench`).
 *
 * For every selected contender and every round it forks a server process
 * and a separate client process (`lib/host.ts`), runs the scenarios in the
 * client, and collects both processes' peak RSS. Rounds are round-robin:
 * every contender runs once per round with fresh processes, so a burst of
 * noise on the machine hits all of them about equally; the table shows the
 * median over rounds. Then it prints the figures, each Sparrow row's ratio
 * to raw-tcp from the same run, and the issue's targets for tcp+msgpack.
 *
 *   node --conditions=source --import tsx bench/driver.ts [names...] [options]
 *
 * names: contender names (see --list) or groups: raw, sparrow, peers, workers, compiler.
 * Options: --quick, --rounds N, --json FILE, --cpu-prof DIR, --only S,..., --list, --help.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTENDERS, WORKER_ROWS, type ContenderEntry } from './contenders/index.ts';
import { POOL_ROUNDS, aggregatePool, runPoolRound, type PoolRound } from './lib/pool-row.ts';
import { COMPILER_METHODS, buildCompilerPackage, runCompilerRound, type CompilerRound } from './lib/compiler-row.ts';
import {
  TARGET_ROW,
  WS_TARGET_ROW,
  aggregate,
  aggregateCompiler,
  checkTargets,
  checkWsTargets,
  columns,
  figuresTable,
  markdownTable,
  ratioTable,
  ratiosToRaw,
  type Aggregate,
  type Ratios,
} from './lib/report.ts';
import { SCENARIOS, type DriverMessage, type HostMessage, type RoundOutcome, type ScenarioConfig, type ScenarioName } from './lib/types.ts';

const USAGE = `usage: npm run bench -- [names...] [--quick] [--rounds N] [--json FILE] [--cpu-prof DIR] [--only S,...] [--list]

  names        contenders (see --list) or groups: raw, sparrow, peers, workers, compiler, pool (default: all)
  --quick      short smoke run (1 round, shorter scenarios; figures not comparable with a full run)
  --rounds N   round-robin rounds (default 3, or 1 with --quick)
  --json FILE  also write every figure, every round and the ratios as JSON
  --cpu-prof DIR  write a V8 CPU profile of every server and client process into DIR
  --only S,... run only these scenarios (seq, pipelined, blob, stream, callback, many); the rest show n/a
  --list       list the contenders and exit`;

const { values: options, positionals } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});

if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
if (options.list) {
  console.log(markdownTable(['contender', 'group', 'what'], CONTENDERS.map((c) => [c.name, c.group, c.notes])));
  process.exit(0);
}

const quick = options.quick;
const rounds = options.rounds === undefined ? (quick ? 1 : 3) : Number(options.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
  console.error(`--rounds must be an integer from 1 to 20\n${USAGE}`);
  process.exit(2);
}

const only = options.only?.split(',').map((s) => s.trim()) as ScenarioName[] | undefined;
if (only !== undefined && (only.length === 0 || only.some((s) => !(SCENARIOS as readonly string[]).includes(s)))) {
  console.error(`--only takes scenario names from: ${SCENARIOS.join(', ')}\n${USAGE}`);
  process.exit(2);
}

const config: ScenarioConfig = {
  warmMs: quick ? 100 : 300,
  ms: quick ? 300 : 1000,
  depth: 64,
  blobSize: 1 << 20,
  streamItems: quick ? 20_000 : 100_000,
  // 500 × 100 is issue 17's figure; the smoke run only checks that every row can hold many connections.
  connections: quick ? 50 : 500,
  callsPerConnection: quick ? 20 : 100,
  scenarioTimeoutMs: 30_000,
  ...(only === undefined ? {} : { only }),
};
/** A contender's whole round (both processes, every scenario) must end within this. */
const ROUND_TIMEOUT_MS = quick ? 60_000 : 120_000;
/** Starting a server includes loading the contender's TypeScript, on a busy 2-core machine. */
const SERVER_READY_MS = 30_000;
const COMPILER_TIMEOUT_MS = 120_000;

// ---------- selection ----------

const GROUPS: Record<string, (c: ContenderEntry) => boolean> = {
  all: () => true,
  raw: (c) => c.group === 'raw',
  sparrow: (c) => c.group === 'sparrow',
  peers: (c) => c.group === 'peer',
  workers: (c) => (WORKER_ROWS as readonly string[]).includes(c.name),
};
const wanted = positionals.length === 0 ? ['all', 'compiler'] : positionals;
for (const name of wanted) {
  if (name !== 'compiler' && name !== 'pool' && GROUPS[name] === undefined && !CONTENDERS.some((c) => c.name === name)) {
    console.error(`unknown contender or group: ${name}\n${USAGE}`);
    process.exit(2);
  }
}
const selected = CONTENDERS.filter((c) => wanted.some((w) => w === c.name || GROUPS[w]?.(c) === true));
const withCompiler = wanted.includes('compiler') || wanted.includes('all');
const withPool = wanted.includes('workers') || wanted.includes('all') || wanted.includes('pool');

// ---------- child processes ----------

const hostPath = fileURLToPath(new URL('lib/host.ts', import.meta.url));
// The hosts load TypeScript as users run JavaScript: types stripped, nothing added (see lib/strip-types.mjs).
const typeStripper = new URL('./lib/strip-types.mjs', import.meta.url).href;
const profileDir = options['cpu-prof'] === undefined ? undefined : path.resolve(options['cpu-prof']);
if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });

const nodeFlags = (process.env['SPARROW_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');

function spawnHost(role: 'server' | 'client', entry: ContenderEntry, round: number): ChildProcess {
  // SPARROW_BENCH_NODE_FLAGS: extra Node/V8 flags for every row's processes, for experiments (e.g. --trace-gc); tables use none.
  const execArgv = ['--conditions=source', '--import', typeStripper, ...nodeFlags];
  if (profileDir !== undefined) {
    const safe = entry.name.replace(/[^a-z0-9-]+/gi, '_');
    // A directory per process: the loader thread writes a profile too, and a fixed name would let it overwrite the main thread's.
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, `${safe}.${role}.round${round}`)}`);
  }
  return fork(hostPath, [role, entry.name], { execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
}

/** Resolves with the child's next message of `type`; rejects on `fatal`, exit or timeout. */
function nextMessage<T extends HostMessage['type']>(child: ChildProcess, type: T, ms: number): Promise<Extract<HostMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: HostMessage): void => {
      if (message.type === 'fatal') {
        done();
        reject(new Error(message.error));
      } else if (message.type === type) {
        done();
        resolve(message as Extract<HostMessage, { type: T }>);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      done();
      reject(new Error(`process exited (${signal ?? code}) before sending ${type}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${(ms / 1e3).toFixed(0)} s waiting for ${type}`));
    }, ms);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

const tell = (child: ChildProcess, message: DriverMessage): void => {
  // The child may exit between the check and the write (EPIPE): a lost stop message is harmless, stop() kills it anyway.
  if (child.connected) child.send(message, () => {});
};

/** Stops a child: politely (stop message or IPC disconnect), then SIGKILL after 2 s. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  tell(child, { type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** The last meaningful lines a child wrote to stderr, for the FAILED note. */
function stderrTail(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  return lines.slice(-2).join(' / ').slice(0, 200);
}

/** One round of one contender, in fresh processes. Never throws. */
async function runRound(entry: ContenderEntry, round: number): Promise<RoundOutcome> {
  let stderr = '';
  const server = spawnHost('server', entry, round);
  let client: ChildProcess | undefined;
  server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  try {
    const { address } = await nextMessage(server, 'ready', SERVER_READY_MS);
    client = spawnHost('client', entry, round);
    client.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    tell(client, { type: 'run', address, config });
    const results = await nextMessage(client, 'results', Math.max(1000, deadline - Date.now()));
    tell(server, { type: 'rss' });
    const { rssMiB: serverRssMiB } = await nextMessage(server, 'rss', 5000);
    return { status: 'ok', scenarios: results.scenarios, serverRssMiB, clientRssMiB: results.rssMiB };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const tail = stderrTail(stderr);
    return { status: 'failed', error: tail === '' ? why : `${why} | ${tail}` };
  } finally {
    await Promise.all([stop(client), stop(server)]);
  }
}

// ---------- main ----------

const started = Date.now();
const perContender = new Map<string, RoundOutcome[]>(selected.map((c) => [c.name, []]));
const compilerRounds: CompilerRound[] = [];
// The compiler row times the built package, as users run it: build it once, before any timing.
let compilerBuildError: string | undefined;
if (withCompiler) {
  process.stderr.write('compiler: building the sparrowc package (npm run build -w compiler) ...');
  const t0 = Date.now();
  compilerBuildError = await buildCompilerPackage(COMPILER_TIMEOUT_MS);
  process.stderr.write(` ${((Date.now() - t0) / 1e3).toFixed(1)} s${compilerBuildError === undefined ? '' : ` FAILED: ${compilerBuildError}`}\n`);
}
const poolRounds: PoolRound[] = [];

for (let round = 1; round <= rounds; round++) {
  // Each round starts one row later, so no row always runs first (right after start-up or the compiler row).
  const shift = (round - 1) % Math.max(1, selected.length);
  for (const entry of [...selected.slice(shift), ...selected.slice(0, shift)]) {
    process.stderr.write(`round ${round}/${rounds}: ${entry.name} ...`);
    const t0 = Date.now();
    const outcome = await runRound(entry, round);
    perContender.get(entry.name)?.push(outcome);
    process.stderr.write(` ${((Date.now() - t0) / 1e3).toFixed(1)} s${outcome.status === 'failed' ? ` FAILED: ${outcome.error}` : ''}\n`);
  }
  if (withCompiler) {
    process.stderr.write(`round ${round}/${rounds}: compiler ...`);
    const t0 = Date.now();
    compilerRounds.push(await runCompilerRound(COMPILER_TIMEOUT_MS, compilerBuildError));
    process.stderr.write(` ${((Date.now() - t0) / 1e3).toFixed(1)} s\n`);
  }
  if (withPool) {
    process.stderr.write(`round ${round}/${rounds}: worker pool ...`);
    const t0 = Date.now();
    poolRounds.push(await runPoolRound(quick ? 500 : 2000));
    process.stderr.write(` ${((Date.now() - t0) / 1e3).toFixed(1)} s\n`);
  }
}

const cols = columns(config.depth, config.streamItems, config.connections, config.callsPerConnection);
const rows: Aggregate[] = selected.map((c) => aggregate(c.name, c.group, perContender.get(c.name) ?? []));
const raw = rows.find((r) => r.name === 'raw-tcp' && r.scenarios !== undefined);
// A worker row crosses a MessagePort, not a socket: not a peer of the tcp rows.
const socketRows = rows.filter((r) => !(WORKER_ROWS as readonly string[]).includes(r.name));
// The worker rows have their own limit, raw-port (below).
const ratios = ratiosToRaw(socketRows, raw, cols);
/** The rows named by `mine` divided by their own limit row of the same run, when both ran. */
const ratiosToLimit = (limit: string, mine: (name: string) => boolean): Ratios => {
  const base = rows.find((r) => r.name === limit && r.scenarios !== undefined);
  return base === undefined ? {} : ratiosToRaw(rows.filter((r) => mine(r.name) && r.scenarios !== undefined), base, cols);
};
// The ws rows against the ws limit too: divided by raw-tcp they would hide what the ws layer itself costs.
const wsRatios = ratiosToLimit('raw-ws', (name) => name.startsWith('ws+'));
// The NATS row against the NATS client's own request/reply through the same kind of nats-server.
const natsRatios = ratiosToLimit('raw-nats', (name) => name === 'nats+msgpack');
// The worker row against bare postMessage over the same kind of port.
const workerRatios = ratiosToLimit('raw-port', (name) => name === 'worker+msgpack');
const targets = [...checkTargets(socketRows, ratios, cols), ...checkWsTargets(wsRatios)];
const compiler = withCompiler ? aggregateCompiler(COMPILER_METHODS, compilerRounds) : undefined;
const pool = poolRounds.length > 0 ? aggregatePool(poolRounds) : undefined;

const cpu = os.cpus();
const machine = {
  node: process.version,
  platform: `${os.platform()}/${os.arch()}`,
  cores: cpu.length,
  cpu: cpu[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
};
const date = new Date().toISOString();

const out: string[] = [];
out.push(`# Sparrow bench: ${date.slice(0, 10)}, Node ${machine.node}, ${machine.platform}, ${machine.cores} cores (${machine.cpu})${quick ? ', QUICK' : ''}`);
out.push('');
out.push(
  `Median of ${rounds} round-robin round${rounds > 1 ? 's' : ''}; server and client in separate processes; ` +
    `each scenario warms up ${config.warmMs} ms and then runs ${config.ms} ms (stream: ${config.streamItems} items). ` +
    `Load average at the end: ${machine.loadAverage.join(' ')}.`,
);
out.push('');
out.push(figuresTable(rows, cols));
if (Object.keys(ratios).length > 0) {
  out.push('');
  out.push(raw === undefined ? 'Ratios to raw-tcp: raw-tcp was not in this run (or failed).' : 'Each Sparrow row divided by raw-tcp of the same run (↑ higher is better, ↓ lower is better):');
  if (raw !== undefined) {
    out.push('');
    out.push(ratioTable(ratios, cols));
  }
}
const limitTables: [string, string, Ratios][] = [
  ['raw-ws', 'The WebSocket rows', wsRatios],
  ['raw-nats', 'nats+msgpack (goal: seq and pipelined ≥ 0.8×)', natsRatios],
  ['raw-port', 'worker+msgpack (goal: seq and pipelined ≥ 0.8×)', workerRatios],
];
for (const [limit, what, limitRatios] of limitTables) {
  if (Object.keys(limitRatios).length > 0) out.push('', `${what} divided by ${limit} of the same run:`, '', ratioTable(limitRatios, cols, limit));
}
if (targets.length > 0) {
  out.push('');
  out.push(`Targets (against raw-tcp, ${WS_TARGET_ROW} against raw-ws; the peers against ${TARGET_ROW}):`);
  for (const t of targets) out.push(`- ${t.met === undefined ? 'n/a   ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.detail}`);
}
if (pool !== undefined) {
  out.push(
    '',
    markdownTable(
      [`worker pool (CPU-bound calls, ${POOL_ROUNDS / 1e6} M xorshift steps each)`, 'size 1 calls/s', 'size 2 calls/s', 'speedup'],
      [['createWorkerPool', pool.size1.toFixed(0), pool.size2.toFixed(0), `${pool.speedup.toFixed(2)}×`]],
    ),
  );
}
if (compiler !== undefined) {
  out.push('');
  const cell = (c: typeof compiler.check): string => (c.seconds === undefined ? c.status : c.seconds.toFixed(2));
  out.push(
    markdownTable(
      ['compiler (wall time, s)', `sparrowc check (${compiler.methods} methods)`, `sparrowc gen (${compiler.methods} methods)`, `sparrowc gen --target js (${compiler.methods} methods)`, `sparrowc fmt (${compiler.methods} methods)`, 'one-line edit re-check (ms, in process)'],
      [['sparrowc (package build)', cell(compiler.check), cell(compiler.gen), cell(compiler.genJs), cell(compiler.fmt), compiler.recheck.seconds === undefined ? compiler.recheck.status : (compiler.recheck.seconds * 1e3).toFixed(0)]],
    ),
  );
}
const problems = rows.flatMap((r) => [
  ...r.failures.map((f) => `- ${r.name}: FAILED round: ${f}`),
  ...Object.entries(r.scenarios ?? {}).flatMap(([s, o]) => (o.status === 'error' ? [`- ${r.name}/${s}: ${o.error}`] : [])),
]);
if (problems.length > 0) out.push('', 'Errors:', ...problems);
out.push('', `Total ${((Date.now() - started) / 1e3).toFixed(0)} s.`);
console.log(out.join('\n'));

if (options.json !== undefined) {
  const report = {
    date,
    machine,
    options: { quick, rounds, contenders: selected.map((c) => c.name), compiler: withCompiler },
    config,
    rounds: Object.fromEntries(perContender),
    results: rows,
    ratiosToRawTcp: ratios,
    ratiosToRawWs: wsRatios,
    ratiosToRawNats: natsRatios,
    targets,
    compiler: compiler === undefined ? undefined : { ...compiler, rounds: compilerRounds },
    ratiosToRawPort: workerRatios,
    pool: pool === undefined ? undefined : { ...pool, rounds: poolRounds },
  };
  writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${options.json}`);
}

// Non-zero when a selected row produced no figure at all or a scenario broke, so the smoke test notices.
process.exitCode = rows.some((r) => r.scenarios === undefined || problems.length > 0) ? 1 : 0;
