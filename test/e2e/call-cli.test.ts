/**
 * `sparrowc call` against a live peer: one test server process (see
 * test/fixtures/call-test-server.ts) listens on tcp, unix, ws and tls for
 * the whole file; every test runs the real CLI as a user would and checks
 * stdout, stderr and the exit code against the command's contract.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { connectPeer } from '../../runtime/connection/node-endpoints.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { freePort } from '../helpers/free-port.ts';
import { projectRoot, runSparrowc, type CliResult } from '../helpers/cli.ts';
import { fixtureStdioUrl, readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { createTestCertificate } from '../helpers/tls-certs.ts';

const serverScript = fileURLToPath(new URL('../fixtures/call-test-server.ts', import.meta.url));
const sparrowcBin = fileURLToPath(new URL('../../bin/sparrowc.js', import.meta.url));
const loadSpy = fileURLToPath(new URL('../helpers/load-spy.mjs', import.meta.url));
/** The command line that starts the test server as a stdio child. */
const stdioServer = fixtureStdioUrl(serverScript, ['stdio:']);

const INT64_MAX = '9223372036854775807';
const SERIALIZERS = ['json', 'msgpack', 'cbor'] as const;

let dir: string;
let server: ChildProcess;
let urls: { tcp: string; unix: string; ws: string; tls: string };
let caFile: string;
/** A test server with the JSON serialiser alone, and what it logged. */
let jsonOnlyServer: ChildProcess;
let jsonOnlyUrl: string;
let jsonOnlyStderr = '';
const jsonOnlyLog = (): string => jsonOnlyStderr;

/** Starts the test server on every transport; resolves with the URLs it prints. */
async function startServer(args: readonly string[], count: number): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawnFixture(serverScript, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return { child, lines: await readStdoutLines(child, count, 20_000) };
}

function call(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runSparrowc(['call', ...args], { timeoutMs: 20_000, ...options });
}

function assertOk(result: CliResult, stdout: string): void {
  assert.equal(result.stderr, '', `stderr: ${result.stderr}`);
  assert.equal(result.stdout, stdout);
  assert.equal(result.code, 0);
}

function assertFails(result: CliResult, code: number, stderr: RegExp): void {
  assert.match(result.stderr, stderr);
  assert.equal(result.code, code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

/** Reads the server's notes through the Node endpoint, as any client would. */
async function readNotes(): Promise<string[]> {
  const peer = await connectPeer(urls.tcp, { logger: silentLogger });
  try {
    return (await peer.call('notes')) as string[];
  } finally {
    peer.close();
  }
}

async function waitForNote(note: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await readNotes()).includes(note)) {
    if (Date.now() > deadline) throw new Error(`note ${note} never arrived`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sparrow-call-'));
  const certificate = createTestCertificate();
  caFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'key.pem');
  writeFileSync(caFile, certificate.cert);
  writeFileSync(keyFile, certificate.key);
  const started = await startServer(
    ['--tls-cert', caFile, '--tls-key', keyFile, 'tcp://127.0.0.1:0', `unix:${path.join(dir, 'peer.sock')}`, 'ws://127.0.0.1:0', 'tls://127.0.0.1:0'],
    4,
  );
  server = started.child;
  const [tcp, unix, ws, tls] = started.lines as [string, string, string, string];
  urls = { tcp, unix, ws, tls };
  jsonOnlyServer = spawnFixture(serverScript, ['--json-only', 'tcp://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  jsonOnlyServer.stderr!.setEncoding('utf8').on('data', (text: string) => (jsonOnlyStderr += text));
  [jsonOnlyUrl] = (await readStdoutLines(jsonOnlyServer, 1, 20_000)) as [string];
});

after(async () => {
  for (const child of [server, jsonOnlyServer]) {
    if (child === undefined || child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('sparrowc call', { concurrency: 4 }, () => {
  it('prints the result as JSON and exits 0', async () => {
    assertOk(await call([urls.tcp, 'add', '{"a": 1, "b": 2}']), '3\n');
  });

  it('prints null for no result', async () => {
    assertOk(await call([urls.tcp, 'nothing']), 'null\n');
  });

  it('prints and sends 64-bit integers without loss', async () => {
    assertOk(await call([urls.tcp, 'big']), `${INT64_MAX}\n`);
    assertOk(await call([urls.tcp, 'isBigint', `{"value": ${INT64_MAX}}`]), 'true\n');
    assertOk(await call([urls.tcp, 'echo', `{"value": -${INT64_MAX}}`]), `{"value":-${INT64_MAX}}\n`);
  });

  it('sends and prints bytes as {"$bytes": base64}', async () => {
    // `bytes` fails unless the param arrived as real bytes.
    assertOk(await call([urls.tcp, 'bytes', '{"data": {"$bytes": "AAEC/w=="}}']), '{"$bytes":"AAEC/w=="}\n');
    assertOk(await call([urls.tcp, 'echo', '{"list": [{"$bytes": ""}, {"$bytes": "aGk="}]}']), '{"list":[{"$bytes":""},{"$bytes":"aGk="}]}\n');
  });

  for (const transport of ['tcp', 'unix', 'ws'] as const) {
    for (const serializer of SERIALIZERS) {
      it(`round-trips ints, int64, bytes, text and nesting over ${transport} with ${serializer}`, async () => {
        const params = `{"n": 42, "big": ${INT64_MAX}, "data": {"$bytes": "3q2+7w=="}, "text": "héllo", "nested": {"list": [1, null, true, 1.5]}}`;
        const expected = `{"n":42,"big":${INT64_MAX},"data":{"$bytes":"3q2+7w=="},"text":"héllo","nested":{"list":[1,null,true,1.5]}}\n`;
        assertOk(await call([urls[transport], 'echo', params, '--serializer', serializer]), expected);
      });
    }
  }

  it('speaks the next chain layout with --layout next', async () => {
    assertOk(await call([urls.tcp, 'add', '{"a": 2, "b": 3}', '--layout', 'next']), '5\n');
    assertOk(await call([urls.ws, 'big', '--layout', 'next', '--serializer', 'msgpack']), `${INT64_MAX}\n`);
  });

  it('calls in a namespace with --namespace, and sends a dotted target name as written', async () => {
    assertOk(await call([urls.tcp, 'add', '{"a": 1, "b": 2}', '--namespace', 'maths']), '{"sum":3,"namespace":"maths"}\n');
    assertOk(await call([urls.tcp, 'dotted.name']), '"dotted"\n');
  });

  it('reads a target the peer describes as a stream as one without --stream', async () => {
    assertOk(await call([urls.tcp, 'fruits']), '"apple"\n"banana"\n"mango"\n');
    assertOk(await call([urls.tcp, 'store.numbers', '{"n": 3}', '--serializer', 'msgpack']), '1\n2\n3\n');
  });

  it('prints one JSON line per part with --stream', async () => {
    assertOk(await call([urls.tcp, 'count', '{"n": 4}', '--stream']), '1\n2\n3\n4\n');
    assertOk(await call([urls.unix, 'fruits', '--stream', '--serializer', 'cbor']), '"apple"\n"banana"\n"mango"\n');
  });

  it('prints each part of a stream as soon as it arrives', async () => {
    const release = `release-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, [sparrowcBin, 'call', urls.tcp, 'gated', JSON.stringify({ release }), '--stream'], {
      cwd: projectRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    let stdout = '';
    // The callee makes part 2 only after `release` is recorded, which happens only once part 1 is on stdout.
    const firstPart = new Promise<void>((resolve) => {
      child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        if (stdout.includes('\n')) resolve();
      });
    });
    await Promise.race([firstPart, closed]);
    assert.equal(stdout, '1\n', 'part 1 is printed while part 2 does not exist yet');
    assertOk(await call([urls.tcp, 'record', JSON.stringify({ text: release }), '--notify']), '');
    assert.equal(await closed, 0);
    assert.equal(stdout, '1\n2\n');
  });

  it('sends a notification with --notify, prints nothing and exits 0', async () => {
    const note = `note-${process.pid}-${Date.now()}`;
    assertOk(await call([urls.tcp, 'record', JSON.stringify({ text: note }), '--notify']), '');
    await waitForNote(note);
    const viaWs = `${note}-ws`;
    assertOk(await call([urls.ws, 'record', JSON.stringify({ text: viaWs }), '--notify', '--serializer', 'msgpack']), '');
    await waitForNote(viaWs);
  });

  it('reads the params from stdin with "-"', async () => {
    assertOk(await call([urls.tcp, 'add', '-'], { input: '{"a": 40, "b": 2}' }), '42\n');
  });

  it('reports a callee error with its category, type and message and exits 1', async () => {
    const result = await call([urls.tcp, 'fail', '{"a": 11}']);
    assertFails(result, 1, /^error: callee error \(cat e\) RuntimeError: a == 11 is a server bug\n$/);
    assert.equal(result.stdout, '');
  });

  it('reports a caller error (InvalidParams, TargetNotFound) and exits 1', async () => {
    assertFails(await call([urls.tcp, 'divide', '{"a": 1, "b": 0}']), 1, /^error: caller error \(cat r\) InvalidParams: b must not be 0\n$/);
    assertFails(
      await call([urls.tcp, 'no-such-target']),
      1,
      /^error: caller error \(cat r\) TargetNotFound: target no-such-target not found\nhint: the peer exports no no-such-target in the default namespace\n$/,
    );
  });

  it('exits 1 and suggests the right mode when --stream is given for a target that answers once', async () => {
    // The other way round (a stream called plainly) needs a peer that does not describe itself: call-describe.test.ts.
    assertFails(await call([urls.tcp, 'add', '{"a": 1, "b": 2}', '--stream']), 1, /^error: add answers with a single response: call it without --stream\n$/);
  });

  it('exits 2 when the connection is refused', async () => {
    const port = await freePort();
    assertFails(await call([`tcp://127.0.0.1:${port}`, 'add']), 2, /^error: connection failed: .*ECONNREFUSED/);
    assertFails(await call([`unix:${path.join(dir, 'nobody.sock')}`, 'add']), 2, /^error: connection failed: /);
  });

  it('exits 2 when the connection is lost mid-call', async () => {
    const result = await call([urls.tcp, 'kill']);
    assertFails(result, 2, /^error: connection lost mid-call: /);
    assert.equal(result.stdout, '');
  });

  it('exits 2 when the connection is lost mid-stream, after printing the parts that came', async () => {
    const result = await call([urls.tcp, 'killStream', '{"n": 2}', '--stream']);
    assertFails(result, 2, /^error: connection lost mid-stream: /);
    assert.equal(result.stdout, '1\n2\n');
  });

  it('exits 2 on --timeout', async () => {
    // Killed (and failing) after 8 s, well before the 10 s call would end on its own.
    const result = await runSparrowc(['call', urls.tcp, 'slow', '{"ms": 10000}', '--timeout', '300'], { timeoutMs: 8_000 });
    assertFails(result, 2, /^error: timed out after 300 ms waiting for slow\n$/);
    // An idle stream times out the same way.
    assertFails(await call([urls.tcp, 'tick', '{"n": 2, "gapMs": 5000}', '--stream', '--timeout', '300']), 2, /timed out after 300 ms/);
  });

  it('spawns a peer with stdio:<command line>', async () => {
    assertOk(await call([stdioServer, 'add', '{"a": 1, "b": 2}']), '3\n');
    assertOk(await call([stdioServer, 'count', '{"n": 2}', '--stream', '--serializer', 'msgpack']), '1\n2\n');
  });

  it('connects over TLS with --ca, and fails (exit 2) without it', async () => {
    assertOk(await call([urls.tls, 'add', '{"a": 1, "b": 2}', '--ca', caFile]), '3\n');
    assertFails(await call([urls.tls, 'add', '{"a": 1, "b": 2}']), 2, /^error: connection failed: .*(self-signed|certificate)/i);
  });

  it('lists the targets of a schema-less Sparrow peer with no target given', async () => {
    // A peer without #sys.describe (the reference) is covered in call-describe.test.ts.
    const result = await call([urls.tcp]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.ok(lines.includes('add(…)  [no schema]'), result.stdout);
    assert.ok(lines.includes('maths.add(…)  [no schema]'), result.stdout);
    assert.ok(lines.includes('fruits(…)  [stream, no schema]'), result.stdout);
    assert.ok(!lines.some((line) => line.startsWith('#sys.')), 'system targets are not listed');
  });

  it('accepts every name the listing prints, exactly as printed', async () => {
    const listing = await call([urls.tcp]);
    assert.equal(listing.code, 0, listing.stderr);
    for (const line of ['maths.add(…)  [no schema]', 'dotted.name(…)  [no schema]', 'store.size(data: bytes) -> int32']) {
      assert.ok(listing.stdout.split('\n').includes(line), `${line} in\n${listing.stdout}`);
    }
    assertOk(await call([urls.tcp, 'maths.add', '{"a": 1, "b": 2}']), '{"sum":3,"namespace":"maths"}\n');
    assertOk(await call([urls.tcp, 'dotted.name']), '"dotted"\n');
    assertOk(await call([urls.tcp, 'store.size', '{"data": {"$bytes": "AAEC"}}']), '3\n');
    assertOk(await call([urls.tcp, '#sys.ping']), '"pong"\n');
    // --namespace still sends the name as written.
    assertOk(await call([urls.tcp, 'size', '{"data": {"$bytes": ""}}', '--namespace', 'store']), '0\n');
  });

  it('sends a member the peer describes as notify as a notification', async () => {
    const text = `logged-${process.pid}-${Date.now()}`;
    assertOk(await call([urls.tcp, 'store.log', JSON.stringify({ text })]), '');
    await waitForNote(`log:${text}`);
  });

  it('suggests the names the peer lists for a misspelt target, and names the namespace', async () => {
    assertFails(
      await call([urls.tcp, 'store.numbrs', '{"n": 1}']),
      1,
      /^error: caller error \(cat r\) TargetNotFound: target store\.numbrs not found\nhint: the peer exports no store\.numbrs in the default namespace; did you mean store\.numbers\?\n$/,
    );
    assertFails(
      await call([urls.tcp, 'nope', '--namespace', 'store']),
      1,
      /^error: caller error \(cat r\) TargetNotFound: target nope not found in namespace store\nhint: the peer exports no nope in namespace store\n$/,
    );
    // A name only in another namespace is suggested with it.
    assertFails(await call([urls.tcp, 'numbers', '{"n": 1}']), 1, /hint: the peer exports no numbers in the default namespace; did you mean store\.numbers\?\n$/);
  });

  it('reports a failed nested call as the handler\'s failure, not the target\'s own not-found', async () => {
    // store.put runs, then calls `show` back on this client, which exports nothing.
    const key = `nested-${process.pid}-${Date.now()}`;
    const result = await call([urls.tcp, 'store.put', JSON.stringify({ key, data: { $bytes: 'AQI=' } })]);
    assertFails(result, 1, /^error: callee error \(cat e\) TargetNotFound: a call made while handling this request failed: target show not found\n$/);
    assert.ok((await readNotes()).includes(`put:${key}`), 'the handler ran');
  });

  it('sends bytes params of 4 MiB and more (to near the 10 MiB chain limit), read from stdin', async () => {
    // JSON carries the bytes in a msgpack payload; msgpack as they are.
    for (const [size, serializer] of [[4 * 1024 * 1024, 'json'], [9 * 1024 * 1024 + 1, 'msgpack']] as const) {
      const data = Buffer.alloc(size, 0xa5).toString('base64');
      const input = `{"data": {"$bytes": "${data}"}}`;
      assertOk(await runSparrowc(['call', urls.tcp, 'size', '-', '--namespace', 'store', '--serializer', serializer], { input, timeoutMs: 60_000 }), `${size}\n`);
    }
  });

  it('fails at once, with the reason, against a peer that does not speak the serialiser', async () => {
    for (const serializer of ['cbor', 'msgpack'] as const) {
      // A 10-minute timeout: only an answer (or the closed connection) can end this call within the test's bound.
      const result = await runSparrowc(['call', jsonOnlyUrl, 'add', '{"a": 1, "b": 2}', '--serializer', serializer, '--timeout', '600000'], { timeoutMs: 20_000 });
      assertFails(result, 2, new RegExp(`^error: the peer closed the connection on the first ${serializer} message: it does not speak ${serializer}\nhint: it answers JSON: call it with --serializer json\n$`));
    }
    assertOk(await call([jsonOnlyUrl, 'add', '{"a": 1, "b": 2}']), '3\n');
    // The server said why in one line per connection, without a stack.
    const lines = jsonOnlyLog().trimEnd().split('\n');
    assert.equal(lines.length, 2, jsonOnlyLog());
    assert.match(lines[0]!, /connection to .* closed after a protocol error: reading this chain's envelope needs the CBOR serialiser/);
    assert.match(lines[1]!, /closed after a protocol error: reading this chain's envelope needs the msgpack serialiser/);
  });

  it('answers a usage error with one line and a hint', async () => {
    const missingUrl = await call([]);
    assert.equal(missingUrl.stderr, "error: missing required argument 'url'\nhint: sparrowc call --help shows every option\n");
    assert.equal(missingUrl.code, 2);
    const streamAlone = await call([urls.tcp, '--stream']);
    assert.equal(streamAlone.stderr, 'error: --stream needs a target\nhint: sparrowc call --help shows every option\n');
    assert.equal(streamAlone.code, 2);
    const misspelt = await call([urls.tcp, 'add', '--serializr', 'json']);
    assert.equal(misspelt.stderr, "error: unknown option '--serializr'\n(Did you mean --serializer?)\nhint: sparrowc call --help shows every option\n");
    assert.equal(misspelt.code, 2);
  });

  it('exits 2 with a clear message for bad params and options', async () => {
    assertFails(await call([urls.tcp, 'add', '{"a": 1,']), 2, /^error: invalid params JSON: /);
    assertFails(await call([urls.tcp, 'add', '[1, 2]']), 2, /^error: invalid params JSON: params must be a JSON object/);
    assertFails(await call([urls.tcp, 'bytes', '{"data": {"$bytes": "no!"}}']), 2, /^error: invalid params JSON: data: \$bytes is not valid base64/);
    assertFails(await call([urls.tcp, 'add', '--timeout', 'soon']), 2, /--timeout/);
    assertFails(await call([urls.tcp, 'add', '--serializer', 'xml']), 2, /--serializer/);
    assertFails(await call([urls.tcp, 'add', '--stream', '--notify']), 2, /cannot be used with/);
    assertFails(await call([urls.tls, 'add', '--ca', path.join(dir, 'missing.pem')]), 2, /cannot read the --ca file .*ENOENT/);
  });

  it('closes cleanly on Ctrl-C (exit 130)', async () => {
    const tag = `interrupt-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, [sparrowcBin, 'call', urls.tcp, 'slow', JSON.stringify({ ms: 10_000, tag })], {
      cwd: projectRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    // The call is in flight once the server has seen it.
    await waitForNote(tag);
    child.kill('SIGINT');
    assert.equal(await closed, 130, stderr);
    assert.match(stderr, /^error: interrupted\n$/);
  });

  it('loads neither chevrotain nor ts-morph', async () => {
    const result = await call([urls.tcp, 'nothing'], { env: { NODE_OPTIONS: `--import ${loadSpy}` } });
    assert.equal(result.code, 0, result.stderr);
    const loaded = new Set([...result.stderr.matchAll(/^sparrow-load-spy: (.+)$/gm)].map((m) => m[1]));
    assert.ok(loaded.has('commander'), `the spy saw nothing: ${result.stderr}`);
    assert.ok(!loaded.has('chevrotain') && !loaded.has('ts-morph'), [...loaded].join(', '));
  });
});
