/**
 * The NATS rows of the benchmark work: a `--quick` one-round run of
 * nats+msgpack and raw-nats (each with a nats-server of its own) gives a
 * figure for every scenario of both rows and the ratio of the one to the
 * other. It asserts completion, never speed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runBenchDriver, type BenchJson } from '../helpers/bench-driver.ts';
import { natsServerOrSkip } from '../helpers/nats-server.ts';

const ROWS = ['nats+msgpack', 'raw-nats'];
const nats = natsServerOrSkip();

describe('bench smoke: the NATS rows', 'skip' in nats ? { skip: nats.skip } : {}, () => {
  it('runs --quick on nats+msgpack and raw-nats and reports every scenario and their ratio', { timeout: 150_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-nats-bench-'));
    try {
      const json = path.join(dir, 'bench.json');
      const { code, output } = await runBenchDriver(['--quick', '--rounds', '1', ...ROWS, '--json', json], 140_000);
      assert.equal(code, 0, output);
      const report = JSON.parse(readFileSync(json, 'utf8')) as BenchJson;
      for (const name of ROWS) {
        const row = report.results.find((r) => r.name === name);
        assert.ok(row?.scenarios, `no figures for ${name}:\n${output}`);
        for (const [scenario, figures] of Object.entries(row.scenarios)) {
          assert.equal(figures.status, 'ok', `${name} ${scenario}: ${JSON.stringify(figures)}`);
          assert.ok((figures.rate ?? 0) > 0, `${name} ${scenario} rate ${figures.rate}`);
        }
      }
      assert.match(output, /\| ×raw-nats/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
