/**
 * Python → TS: the reference's threaded and asyncio clients (0.1.2 and head)
 * against TypeScript servers over tcp, unix and ws with json, msgpack and
 * cbor:
 * - a TS server exporting what the reference's listening server exports,
 *   plus the interop probes (ts-reference-server.ts): every call pattern and
 *   the value rules, run by python/client_driver.py;
 * - the TS demo server, started as `npm run demo:server` starts it
 *   (examples/demo/server.ts): the seed README's calls, as a Python client
 *   makes them.
 * One Python process per version × engine runs every transport × serialiser
 * (a channel each) and prints one JSON line per case.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { ENGINES, REFERENCE_VERSIONS, findPythonReference, managed, requirePythonReference, runPython, type PythonReference, type ReferenceVersion } from '../helpers/python-reference.ts';
import { SERIALISERS } from './matrix.ts';

interface CaseLine {
  transport: string;
  serialiser: string;
  case: string;
  ok: boolean;
  detail: string;
}

interface TsServer {
  connections: { transport: string; address: unknown }[];
  close(): Promise<void>;
}

/** Starts `script` listening on tcp, unix and ws; reads back the URLs it prints. */
async function startTsServer(script: string, args: (dir: string) => string[], lines: number): Promise<TsServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-ts-server-'));
  const child = spawnFixture(script, args(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  const process = managed(child, dir);
  let printed: string[];
  try {
    printed = await readStdoutLines(child, lines, 60_000);
  } catch (error) {
    await process.close();
    throw new Error(`${String(error)}\n${process.output()}`, { cause: error });
  }
  const connections = printed.map((line) => {
    const url = new URL(/listening on (\S+)/.exec(line)![1]!);
    if (url.protocol === 'tcp:') return { transport: 'tcp', address: ['127.0.0.1', Number(url.port)] };
    if (url.protocol === 'ws:') return { transport: 'ws', address: url.href };
    return { transport: 'unix', address: decodeURIComponent(url.pathname) };
  });
  connections.sort((a, b) => a.transport.localeCompare(b.transport));
  return { connections, close: () => process.close() };
}

async function runDriver(t: TestContext, reference: PythonReference, version: ReferenceVersion, engine: string, target: string, server: TsServer): Promise<CaseLine[]> {
  const spec = JSON.stringify({ connections: server.connections, serialisers: SERIALISERS });
  const run = await runPython(reference, version, ['client_driver.py', engine, target, spec], { timeoutMs: 900_000 });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as CaseLine);
  assert.equal(run.code, 0, `client_driver exited ${run.code}:\n${run.stderr.slice(-4000)}`);
  assert.ok(lines.length > 0, run.stderr.slice(-4000));
  for (const line of lines) {
    await t.test(`${line.transport} ${line.serialiser} ${line.case}`, () => assert.ok(line.ok, line.detail));
  }
  const failed = lines.filter((line) => !line.ok);
  t.diagnostic(`${lines.length - failed.length}/${lines.length} cases passed`);
  return lines;
}

describe('Python reference → TS', () => {
  let referenceServer: TsServer | undefined;
  let demoServer: TsServer | undefined;
  before(async () => {
    if (typeof findPythonReference() === 'string') return;
    [referenceServer, demoServer] = await Promise.all([
      startTsServer('test/interop/ts-reference-server.ts', (dir) => ['--tcp_port', '0', '--ws_port', '0', '--uds_path', path.join(dir, 'ts.sock')], 3),
      startTsServer('examples/demo/server.ts', (dir) => ['--listen', 'tcp://127.0.0.1:0', '--listen', `unix://${path.join(dir, 'demo.sock')}`, '--listen', 'ws://127.0.0.1:0/'], 3),
    ]);
  });
  after(async () => {
    await referenceServer?.close();
    await demoServer?.close();
  });

  for (const version of REFERENCE_VERSIONS) {
    for (const engine of ENGINES) {
      it(`${version.name} ${engine} client → TS server with the reference's exports: every call pattern and value rule`, async (t) => {
        const reference = requirePythonReference(t);
        if (reference === undefined) return;
        await runDriver(t, reference, version, engine, 'reference', referenceServer!);
      });
      it(`${version.name} ${engine} client → TS demo server (npm run demo:server)`, async (t) => {
        const reference = requirePythonReference(t);
        if (reference === undefined) return;
        await runDriver(t, reference, version, engine, 'demo', demoServer!);
      });
    }
  }
});
