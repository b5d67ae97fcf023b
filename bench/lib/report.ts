/**
 * From rounds to what the driver prints and writes: medians across rounds,
 * ratios of each Sparrow row to raw-tcp from the same run, the issue's
 * targets for tcp+msgpack, and the markdown tables.
 */
import type { ContenderGroup } from '../contenders/index.ts';
import type { CompilerRound } from './compiler-row.ts';
import { median } from './stats.ts';
import { SCENARIOS, type RoundOutcome, type ScenarioName } from './types.ts';

/** One scenario across rounds: the median of the rounds where it worked. */
export type AggregateScenario =
  | { status: 'ok'; rate: number; p50?: number; p99?: number; /** The rate of every round that worked, in order. */ rates: number[] }
  | { status: 'na' }
  | { status: 'error'; error: string };

/** One row of the table. */
export interface Aggregate {
  name: string;
  group: ContenderGroup;
  /** Rounds that completed (a round fails as a whole on a crash or timeout). */
  roundsOk: number;
  rounds: number;
  /** Why the failed rounds failed, one entry per failed round. */
  failures: string[];
  /** Undefined when no round completed: the row is FAILED. */
  scenarios?: Record<ScenarioName, AggregateScenario>;
  /** Peak over the rounds, MiB. */
  serverRssMiB?: number;
  clientRssMiB?: number;
}

/** Aggregates one contender's rounds. */
export function aggregate(name: string, group: ContenderGroup, rounds: readonly RoundOutcome[]): Aggregate {
  const ok = rounds.flatMap((r) => (r.status === 'ok' ? [r] : []));
  const failures = rounds.flatMap((r) => (r.status === 'failed' ? [r.error] : []));
  const row: Aggregate = { name, group, roundsOk: ok.length, rounds: rounds.length, failures };
  if (ok.length === 0) return row;
  const scenarios = {} as Record<ScenarioName, AggregateScenario>;
  for (const scenario of SCENARIOS) {
    const outcomes = ok.map((r) => r.scenarios[scenario]);
    const good = outcomes.flatMap((o) => (o.status === 'ok' ? [o] : []));
    if (good.length > 0) {
      const figures: AggregateScenario = { status: 'ok', rate: median(good.map((o) => o.rate)), rates: good.map((o) => o.rate) };
      const p50s = good.flatMap((o) => (o.p50 === undefined ? [] : [o.p50]));
      const p99s = good.flatMap((o) => (o.p99 === undefined ? [] : [o.p99]));
      if (p50s.length > 0) figures.p50 = median(p50s);
      if (p99s.length > 0) figures.p99 = median(p99s);
      scenarios[scenario] = figures;
    } else {
      const error = outcomes.find((o) => o.status === 'error');
      scenarios[scenario] = error ?? { status: 'na' };
    }
  }
  row.scenarios = scenarios;
  row.serverRssMiB = Math.max(...ok.map((r) => r.serverRssMiB));
  row.clientRssMiB = Math.max(...ok.map((r) => r.clientRssMiB));
  return row;
}

/** A column of the results table. */
export interface Column {
  key: string;
  header: string;
  /** Which way is better, for "ahead of every peer" and for reading ratios. */
  better: 'higher' | 'lower';
  value(row: Aggregate): number | undefined;
  format(value: number): string;
}

const rateOf =
  (scenario: ScenarioName, figure: 'rate' | 'p50' | 'p99' = 'rate') =>
  (row: Aggregate): number | undefined => {
    const s = row.scenarios?.[scenario];
    return s?.status === 'ok' ? s[figure] : undefined;
  };

/** Compact figure: 1234, 12.3k, 1.23M. */
export function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

/** The table's columns, left to right. */
export function columns(depth: number, streamItems: number, connections = 500, callsPerConnection = 100): Column[] {
  const crowd = `${connections}×${callsPerConnection}`;
  return [
    { key: 'seq', header: 'seq calls/s', better: 'higher', value: rateOf('seq'), format: formatCount },
    { key: 'p50', header: 'p50 µs', better: 'lower', value: rateOf('seq', 'p50'), format: (v) => v.toFixed(0) },
    { key: 'p99', header: 'p99 µs', better: 'lower', value: rateOf('seq', 'p99'), format: (v) => v.toFixed(0) },
    { key: 'pipelined', header: `pipelined(${depth}) calls/s`, better: 'higher', value: rateOf('pipelined'), format: formatCount },
    { key: 'blob', header: '1 MiB blob MiB/s', better: 'higher', value: rateOf('blob'), format: (v) => v.toFixed(0) },
    { key: 'stream', header: `stream items/s (${formatCount(streamItems)})`, better: 'higher', value: rateOf('stream'), format: formatCount },
    { key: 'callback', header: 'callback calls/s', better: 'higher', value: rateOf('callback'), format: formatCount },
    { key: 'many', header: `many conns (${crowd}) calls/s`, better: 'higher', value: rateOf('many'), format: formatCount },
    { key: 'manyP50', header: 'many p50 µs', better: 'lower', value: rateOf('many', 'p50'), format: (v) => v.toFixed(0) },
    { key: 'manyP99', header: 'many p99 µs', better: 'lower', value: rateOf('many', 'p99'), format: (v) => v.toFixed(0) },
    { key: 'serverRss', header: 'server RSS MiB', better: 'lower', value: (r) => r.serverRssMiB, format: (v) => v.toFixed(0) },
    { key: 'clientRss', header: 'client RSS MiB', better: 'lower', value: (r) => r.clientRssMiB, format: (v) => v.toFixed(0) },
  ];
}

/** What a cell shows when there is no figure. */
function missingCell(row: Aggregate, column: Column): string {
  const scenario = SCENARIOS.find(
    (s) => column.key === s || ((column.key === 'p50' || column.key === 'p99') && s === 'seq') || ((column.key === 'manyP50' || column.key === 'manyP99') && s === 'many'),
  );
  const state = scenario === undefined ? undefined : row.scenarios?.[scenario];
  if (state?.status === 'na') return 'n/a';
  if (state?.status === 'error') return 'ERR';
  return '-';
}

/** A markdown table with the first column left-aligned and the rest right-aligned. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The figures table. */
export function figuresTable(rows: readonly Aggregate[], cols: readonly Column[]): string {
  const body = rows.map((row) => {
    if (row.scenarios === undefined) return [row.name, `FAILED`, ...cols.slice(1).map(() => '')];
    return [row.name, ...cols.map((c) => {
      const v = c.value(row);
      return v === undefined ? missingCell(row, c) : c.format(v);
    })];
  });
  return markdownTable(['contender', ...cols.map((c) => c.header)], body);
}

/** Each Sparrow row's figures divided by raw-tcp's, per column key; undefined where either side lacks a figure. */
export type Ratios = Record<string, Record<string, number | undefined>>;

/** Ratios of every Sparrow row to `raw` (raw-tcp of the same run). */
export function ratiosToRaw(rows: readonly Aggregate[], raw: Aggregate | undefined, cols: readonly Column[]): Ratios {
  const ratios: Ratios = {};
  for (const row of rows.filter((r) => r.group === 'sparrow')) {
    const entry: Record<string, number | undefined> = {};
    for (const c of cols) {
      const mine = c.value(row);
      const base = raw === undefined ? undefined : c.value(raw);
      entry[c.key] = mine === undefined || base === undefined || base === 0 ? undefined : mine / base;
    }
    ratios[row.name] = entry;
  }
  return ratios;
}

/** The ratio table: one row per Sparrow row, `×<base>` per column. */
export function ratioTable(ratios: Ratios, cols: readonly Column[], base = 'raw-tcp'): string {
  const body = Object.entries(ratios).map(([name, entry]) => [
    name,
    ...cols.map((c) => {
      const r = entry[c.key];
      return r === undefined ? '-' : `${r.toFixed(2)}×`;
    }),
  ]);
  return markdownTable([`×${base}`, ...cols.map((c) => `${c.header} ${c.better === 'higher' ? '↑' : '↓'}`)], body);
}

/** One of the issue's targets for tcp+msgpack. */
export interface TargetResult {
  target: string;
  met: boolean | undefined;
  detail: string;
}

/**
 * The ratio targets against raw-tcp: issue 17's (blob, stream, tcp+json and
 * tcp+cbor pipelined, server RSS in every Sparrow row) and the standing
 * ones of tcp+msgpack (sequential, pipelined, callback). `row` '*' is every
 * Sparrow row of the run.
 */
const RATIO_TARGETS: readonly { row: string; key: string; label: string; atLeast?: number; atMost?: number }[] = [
  { row: 'tcp+msgpack', key: 'seq', label: 'sequential', atLeast: 0.9 },
  { row: 'tcp+msgpack', key: 'pipelined', label: 'pipelined', atLeast: 0.75 },
  { row: 'tcp+msgpack', key: 'blob', label: '1 MiB blob', atLeast: 0.9 },
  { row: 'tcp+msgpack', key: 'stream', label: 'stream', atLeast: 0.75 },
  { row: 'tcp+msgpack', key: 'callback', label: 'callback', atLeast: 0.9 },
  { row: 'tcp+json', key: 'pipelined', label: 'pipelined', atLeast: 0.6 },
  { row: 'tcp+cbor', key: 'pipelined', label: 'pipelined', atLeast: 0.75 },
  { row: '*', key: 'serverRss', label: 'server RSS', atMost: 1.2 },
];

/** The row the peer comparison is stated for. */
export const TARGET_ROW = 'tcp+msgpack';

/** Issue 17's targets for the ws row against raw-ws (what Sparrow costs on top of the ws layer). */
const WS_TARGETS: readonly { key: string; label: string; atLeast: number }[] = [
  { key: 'pipelined', label: 'pipelined', atLeast: 0.75 },
  { key: 'blob', label: '1 MiB blob', atLeast: 0.75 },
];

/** The ws row the raw-ws targets are stated for. */
export const WS_TARGET_ROW = 'ws+msgpack';

/** Checks ws+msgpack against raw-ws of the same run (`wsRatios`: ratiosToRaw of the ws rows to raw-ws). */
export function checkWsTargets(wsRatios: Ratios): TargetResult[] {
  const ratio = wsRatios[WS_TARGET_ROW];
  if (ratio === undefined) return [];
  return WS_TARGETS.map(({ key, label, atLeast }) => {
    const r = ratio[key];
    const target = `${WS_TARGET_ROW} ${label} ≥ ${atLeast.toFixed(2)}× raw-ws`;
    return r === undefined ? { target, met: undefined, detail: 'no figure' } : { target, met: r >= atLeast, detail: `${r.toFixed(2)}×` };
  });
}

/** Checks the issue's targets for tcp+msgpack against raw-tcp and the peers of the same run. */
export function checkTargets(rows: readonly Aggregate[], ratios: Ratios, cols: readonly Column[]): TargetResult[] {
  const mine = rows.find((r) => r.name === TARGET_ROW);
  const results: TargetResult[] = RATIO_TARGETS.map(({ row, key, label, atLeast, atMost }) => {
    const bound = atLeast !== undefined ? `≥ ${atLeast.toFixed(2)}` : `≤ ${(atMost ?? 0).toFixed(2)}`;
    const target = `${row === '*' ? 'every Sparrow row' : row} ${label} ${bound}× raw-tcp`;
    const figures = (row === '*' ? Object.keys(ratios) : [row]).map((name) => [name, ratios[name]?.[key]] as const);
    const known = figures.filter((entry): entry is readonly [string, number] => entry[1] !== undefined);
    if (known.length === 0) return { target, met: undefined, detail: `no figure (raw-tcp or ${row} missing)` };
    const met = known.every(([, r]) => (atLeast !== undefined ? r >= atLeast : r <= (atMost ?? 0)));
    return { target, met, detail: known.map(([name, r]) => (row === '*' ? `${name} ${r.toFixed(2)}×` : `${r.toFixed(2)}×`)).join(', ') };
  });
  if (mine === undefined) return results;

  // Per column, only the best peer matters: being ahead of it is being ahead of all.
  const peers = rows.filter((r) => r.group === 'peer' && r.scenarios !== undefined);
  const behind: string[] = [];
  for (const c of cols) {
    const value = c.value(mine);
    let best: { name: string; value: number } | undefined;
    for (const peer of peers) {
      const theirs = c.value(peer);
      if (theirs === undefined) continue;
      if (best === undefined || (c.better === 'higher' ? theirs > best.value : theirs < best.value)) best = { name: peer.name, value: theirs };
    }
    if (best === undefined) continue;
    const ahead = value !== undefined && (c.better === 'higher' ? value > best.value : value < best.value);
    if (!ahead) behind.push(`${c.key} (${best.name} ${c.format(best.value)} vs ${value === undefined ? '-' : c.format(value)})`);
  }
  const target = 'ahead of every peer in every column';
  if (mine.scenarios === undefined) results.push({ target, met: undefined, detail: `${TARGET_ROW} produced no figures` });
  else if (peers.length === 0) results.push({ target, met: undefined, detail: 'no peer in this run' });
  else results.push({ target, met: behind.length === 0, detail: behind.length === 0 ? `ahead of ${peers.map((p) => p.name).join(', ')}` : `behind in ${behind.join(', ')}` });
  return results;
}

/** The compiler row across rounds: median wall time per command. */
export interface CompilerAggregate {
  methods: number;
  check: { seconds?: number; status: string; runs: number[] };
  gen: { seconds?: number; status: string; runs: number[] };
  genJs: { seconds?: number; status: string; runs: number[] };
  fmt: { seconds?: number; status: string; runs: number[] };
  /** The language server's re-check after a one-line edit (in process). */
  recheck: { seconds?: number; status: string; runs: number[] };
}

/** Aggregates the compiler rounds. */
export function aggregateCompiler(methods: number, rounds: readonly CompilerRound[]): CompilerAggregate {
  const one = (pick: (r: CompilerRound) => CompilerRound['check']): CompilerAggregate['check'] => {
    const outcomes = rounds.map(pick);
    const runs = outcomes.flatMap((o) => (o.status === 'ok' ? [o.seconds] : []));
    if (runs.length > 0) return { seconds: median(runs), status: 'ok', runs };
    const error = outcomes.find((o) => o.status === 'error');
    return { status: error?.status === 'error' ? `ERR: ${error.error}` : 'not in sparrowc yet', runs };
  };
  return { methods, check: one((r) => r.check), gen: one((r) => r.gen), genJs: one((r) => r.genJs), fmt: one((r) => r.fmt), recheck: one((r) => r.recheck) };
}
