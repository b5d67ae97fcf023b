/**
 * The slice of `npm run stress` that runs in `npm test`: every attack of
 * the catalogue at a small scale against a listener in its own process
 * (with short deadlines), asserting the outcome (answers, closes,
 * refusals) and that a probe connection keeps being answered throughout.
 * Never a time or a memory figure: those are the harness's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ATTACKS, SLICE_SERVER_OPTIONS } from '../../bench/stress/attacks.ts';
import { startProbe, startStressServer, type StressServer } from '../../bench/stress/target.ts';

describe('hostile networks (stress slice)', { timeout: 240_000 }, () => {
  let server: StressServer;
  before(async () => {
    server = await startStressServer(SLICE_SERVER_OPTIONS);
  });
  after(async () => {
    await server?.stop();
  });

  for (const attack of ATTACKS) {
    it(`holds against #${attack.item} ${attack.name}`, async () => {
      const probe = startProbe(server.probe);
      const result = await attack.run(server, 'slice');
      const report = await probe.stop();
      assert.ok(result.held, `${attack.name}: ${result.detail}`);
      assert.equal(report.errors, 0, 'the probe connection kept being answered');
      assert.ok(report.calls > 0, 'the probe made calls during the attack');
    });
  }
});
