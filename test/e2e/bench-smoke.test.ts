/**
 * The benchmark still works: a `--quick` one-round run of the tcp+msgpack
 * row completes with a number for every scenario. It asserts completion,
 * never speed. The Sparrow and raw rows need only the root's dependencies,
 * so this passes without `npm --prefix bench ci`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const ROW = 'tcp+msgpack';

interface BenchJson {
  results: {
    name: string;
    scenarios?: Record<string, { status: string; rate?: number; p50?: number; p99?: number }>;
    serverRssMiB?: number;
    clientRssMiB?: number;
    failures: string[];
  }[];
}

function runDriver(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'bench/driver.ts', ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench driver timed out after ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

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
