/**
 * "Where a schema says float64, write a float": JS cannot tell 2.0 from 2,
 * so a generated client marks a schema float that is integral and the
 * serialisers write it as a float. Checked against the live reference over
 * json, msgpack and cbor, both versions: the value arrives in Python as
 * `float`, while an int64 beside it stays `int`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connectPeer, type Peer } from '../../runtime/node.ts';
import { REFERENCE_VERSIONS, findPythonReference, requirePythonReference, startPythonServer } from '../helpers/python-reference.ts';
import { SERIALISERS } from './matrix.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Reading {
  celsius: number;
  samples: number[];
  count: bigint;
  ratio?: number;
}
type CreateProbeClient = (peer: Peer) => { describeValue(args: { value: Reading }): Promise<string> };

describe('float64 values arrive in the live reference as Python floats', () => {
  let out: string | undefined;
  let createProbeClient: CreateProbeClient | undefined;
  before(async () => {
    if (typeof findPythonReference() === 'string') return;
    out = mkdtempSync(path.join(tmpdir(), 'sparrow-float-probe-'));
    const gen = spawnSync(
      process.execPath,
      ['bin/sparrowc.js', 'gen', 'test/interop/float-probe.sparrow', '--out', out, '--runtime-import', path.join(projectRoot, 'runtime/index.ts'), '--import-extension', 'ts'],
      { cwd: projectRoot, encoding: 'utf8' },
    );
    assert.equal(gen.status, 0, gen.stderr);
    ({ createProbeClient } = (await import(pathToFileURL(path.join(out, 'float-probe.ts')).href)) as { createProbeClient: CreateProbeClient });
  });
  after(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  for (const version of REFERENCE_VERSIONS) {
    it(`${version.name}: integral float64 and float32 values as floats, int64 as int, over json, msgpack and cbor`, async (t) => {
      const reference = requirePythonReference(t);
      if (reference === undefined) return;
      const server = await startPythonServer(reference, version, 'threaded');
      try {
        for (const serialiser of SERIALISERS) {
          const peer = await connectPeer(server.tcpUrl, { serialiser, layout: version.layout, timeoutMs: 20_000 });
          try {
            const probe = createProbeClient!(peer);
            const seen = await probe.describeValue({ value: { celsius: 2, samples: [1, 2.5, -3, 2 ** 40], count: 3n, ratio: 0 } });
            assert.equal(
              seen,
              "{str:'celsius'=float:2.0, str:'samples'=[float:1.0, float:2.5, float:-3.0, float:1099511627776.0], str:'count'=int:3, str:'ratio'=float:0.0}",
              `serialiser ${serialiser}`,
            );
            // Schema-less, a JS integer stays an integer (the rule is the schema's, not the serialiser's).
            assert.equal(await peer.call('describe_value', { value: 2 }, { namespace: 'probe' }), 'int:2', `serialiser ${serialiser}`);
          } finally {
            await peer.close();
          }
        }
      } finally {
        await server.close();
      }
    });
  }
});
