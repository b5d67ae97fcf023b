/**
 * The benchmark still works: a `--quick` one-round run of the tcp+msgpack
 * row completes with a number for every scenario. It asserts completion,
 * never speed. The Sparrow and raw rows need only the root's dependencies,
 * so this passes without `npm --prefix bench ci`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runBenchDriver as runDriver, type BenchJson } from '../helpers/bench-driver.ts';

const ROW = 'tcp+msgpack';

describe('bench smoke', () => {
  it(`runs --quick on ${ROW} and reports a figure for every scenario`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-bench-smoke-'));
    try {
      const json = path.join(dir, 'bench.json');
      const { code, output } = await runDriver(['--quick', '--rounds', '1', ROW, '--json', json], 60_000);
      assert.equal(code, 0, output);
      const report = JSON.parse(readFileSync(json, 'utf8')) as BenchJson;
      const row = report.results.find((r) => r.name === ROW);
      assert.ok(row?.scenarios, `no figures for ${ROW}:\n${output}`);
      for (const [scenario, figures] of Object.entries(row.scenarios)) {
        assert.equal(figures.status, 'ok', `${scenario}: ${JSON.stringify(figures)}`);
        assert.ok(Number.isFinite(figures.rate) && (figures.rate ?? 0) > 0, `${scenario} rate ${figures.rate}`);
      }
      assert.deepEqual(Object.keys(row.scenarios).sort(), ['blob', 'callback', 'many', 'pipelined', 'seq', 'stream']);
      for (const scenario of ['seq', 'many']) assert.ok(Number.isFinite(row.scenarios[scenario]?.p50) && Number.isFinite(row.scenarios[scenario]?.p99), scenario);
      assert.ok((row.serverRssMiB ?? 0) > 0 && (row.clientRssMiB ?? 0) > 0);
      assert.match(output, new RegExp(`\\| ${ROW.replace('+', '\\+')} `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs --quick on the worker rows (raw-port, worker+msgpack) and the pool row, with ratios to raw-port', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-bench-smoke-'));
    try {
      const json = path.join(dir, 'bench.json');
      const { code, output } = await runDriver(['--quick', '--rounds', '1', 'raw-port', 'worker+msgpack', 'pool', '--json', json], 90_000);
      assert.equal(code, 0, output);
      const report = JSON.parse(readFileSync(json, 'utf8')) as BenchJson;
      for (const name of ['raw-port', 'worker+msgpack']) {
        const row = report.results.find((r) => r.name === name);
        assert.ok(row?.scenarios !== undefined, `${name} has figures\n${output}`);
        // many-connections is n/a: each connection would be a worker of its own.
        assert.deepEqual(Object.entries(row.scenarios).filter(([scenario, figures]) => scenario !== 'many' && !(figures.status === 'ok' && (figures.rate ?? 0) > 0)), [], output);
        assert.equal(row.scenarios['many']?.status, 'na');
      }
      assert.ok((report.ratiosToRawPort?.['worker+msgpack']?.['seq'] ?? 0) > 0, 'worker+msgpack is divided by raw-port');
      assert.ok(report.pool !== undefined && report.pool.size1 > 0 && report.pool.size2 > 0 && report.pool.speedup > 0, output);
      assert.match(output, /\| createWorkerPool /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the raw-ws limit row and divides the ws row by it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-bench-smoke-'));
    try {
      const json = path.join(dir, 'bench.json');
      const { code, output } = await runDriver(['--quick', '--rounds', '1', 'raw-ws', 'ws+msgpack', '--only', 'pipelined,blob', '--json', json], 60_000);
      assert.equal(code, 0, output);
      const report = JSON.parse(readFileSync(json, 'utf8')) as BenchJson & { ratiosToRawWs?: Record<string, Record<string, number | null>> };
      for (const name of ['raw-ws', 'ws+msgpack']) {
        const row = report.results.find((r) => r.name === name);
        for (const scenario of ['pipelined', 'blob']) assert.equal(row?.scenarios?.[scenario]?.status, 'ok', `${name}/${scenario}:\n${output}`);
      }
      assert.ok(Number.isFinite(report.ratiosToRawWs?.['ws+msgpack']?.['blob']), output);
      assert.match(output, /\| ×raw-ws /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
