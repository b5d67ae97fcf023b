/**
 * The reference's own pytest suite (tests/test_threaded.py and
 * tests/test_async.py of 0.1.2 and head) against a TypeScript server that
 * exports what the reference's listening server exports
 * (test/interop/ts-reference-server.ts).
 *
 * The suite is run unchanged: a pytest plugin of ours
 * (python/sparrow_pytest_plugin.py) swaps its ListeningServerRunner for one
 * that starts the TS server with the same arguments, and
 * python/pytest_asyncio/ stands in for pytest-asyncio (Debian's is too old
 * for the suite's loop_scope). The suite listens on fixed ports from
 * `--start_port` (+0, +1, +10, +11) and sleeps 2 s, so the runs go one after
 * another, each with its own start port. Every test must pass: there is no
 * known-reference-bug entry for this suite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixtureArgv } from '../helpers/fixture-process.ts';
import { ENGINES, REFERENCE_VERSIONS, referenceTestsDir, requirePythonReference, runPython } from '../helpers/python-reference.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The number of tests in each suite file: 11 tests × 6 listeners × 3 serialisers. */
const SUITE_SIZE = 198;

/** True when nothing listens on `port` (checked by binding it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A start port whose four ports (+0, +1, +10, +11) are free. */
async function startPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all([0, 1, 10, 11].map((offset) => portFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free start port found');
}

describe("the reference's own pytest suite against a TypeScript server", () => {
  for (const version of REFERENCE_VERSIONS) {
    for (const engine of ENGINES) {
      const suite = engine === 'threaded' ? 'test_threaded.py' : 'test_async.py';
      it(`${version.name} ${suite}: ${SUITE_SIZE}/${SUITE_SIZE} pass`, async (t) => {
        const reference = requirePythonReference(t);
        if (reference === undefined) return;
        const cwd = mkdtempSync(path.join(tmpdir(), 'sparrow-pytest-'));
        try {
          const run = await runPython(
            reference,
            version,
            [
              '-m', 'pytest',
              // No cache or plugins from the machine: ours only (and no real pytest-asyncio next to our stand-in).
              '-p', 'no:cacheprovider', '-p', 'no:asyncio', '-p', 'pytest_asyncio', '-p', 'sparrow_pytest_plugin',
              '-q', '-rfE', path.join(referenceTestsDir(reference, version), suite),
              '--start_port', String(await startPort()),
            ],
            {
              cwd,
              timeoutMs: 240_000,
              env: { SPARROW_PROJECT_ROOT: projectRoot, SPARROW_TS_SERVER: JSON.stringify(fixtureArgv('test/interop/ts-reference-server.ts')) },
            },
          );
          const summary = /(\d+) passed/.exec(run.stdout);
          const passed = summary === null ? 0 : Number(summary[1]);
          t.diagnostic(`${version.name} ${engine}: ${passed}/${SUITE_SIZE} passed`);
          assert.equal(passed, SUITE_SIZE, `pytest exited ${run.code}:\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-3000)}`);
          assert.doesNotMatch(run.stdout, /\d+ (failed|error)/);
          assert.equal(run.code, 0);
        } finally {
          rmSync(cwd, { recursive: true, force: true });
        }
      });
    }
  }
});
