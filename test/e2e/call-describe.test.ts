/**
 * `sparrowc call <url>` with no target lists what the peer exports through
 * `#sys.describe`; `--describe [symbol]` prints definitions and
 * `--format json` the descriptor format. Two stand-ins run in this process
 * on a bare message link: a peer that answers describe with a fixed
 * descriptor, and one that behaves like the Python reference and answers
 * an unknown target with a bare acknowledge. The definitions are read from
 * the real test server process (test/fixtures/call-test-server.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatDescriptor } from '../../compiler/cli/call-listing.ts';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import type { IncomingMessage, MessageLink } from '../../runtime/envelope/message.ts';
import { listen } from '../../runtime/transport/node/url.ts';
import type { Listener } from '../../runtime/transport/transport.ts';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot, runSparrowc } from '../helpers/cli.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { validate, type JsonSchema } from '../helpers/json-schema.ts';

/** A `#sys.describe` answer in the runtime's descriptor format (runtime/schema/descriptor.ts). */
const descriptor = {
  services: [
    {
      name: 'Maths',
      package: 'maths.v1',
      namespace: 'maths',
      types: {},
      methods: [
        { kind: 'call', name: 'add', params: [{ name: 'a', type: 'int32' }, { name: 'b', type: 'int32', optional: true, default: 1 }], result: 'int32' },
        { kind: 'call', name: 'count', params: [{ name: 'n', type: 'int32' }], result: 'int64', stream: true, throws: ['maths.v1.TooMany'] },
        { kind: 'call', name: 'sum', params: [{ name: 'items', kind: 'stream', type: 'float64' }, { name: 'progress', kind: 'callback', params: [{ name: 'done', type: 'int32' }], result: 'void' }], result: ['map', 'string', ['list', 'float64']] },
        { kind: 'notify', name: 'log', params: [{ name: 'text', type: 'string' }] },
        { kind: 'topic', name: 'ticks', type: 'maths.v1.Tick', auth: ['admin'] },
      ],
    },
  ],
  targets: [
    { namespace: 'maths', name: 'add', multipart: false },
    { namespace: '', name: 'legacy', multipart: true },
  ],
};

/** A raw listener that answers every request with `answer(message)`. */
async function rawPeer(answer: (link: MessageLink, message: IncomingMessage) => void): Promise<Listener> {
  return listen('tcp://127.0.0.1:0', (transport) => {
    const link = createMessageLink(transport);
    link.start({
      onMessage: (message) => answer(link, message),
      onProtocolError: () => {},
      onClose: () => {},
    });
  });
}

let describing: Listener;
let referenceLike: Listener;

before(async () => {
  describing = await rawPeer((link, message) => {
    if (message.kind !== 'request') return;
    if (message.namespace === '#sys' && message.target === 'describe') {
      link.send({ kind: 'response', to: message.id, multipart: false, ack: false, hasResult: true, result: descriptor }, message.format);
    } else {
      link.send({ kind: 'exception', to: message.id, ack: false, error: { cat: 'r', type: 'TargetNotFound', msg: `target ${message.target} not found` } }, message.format);
    }
  });
  // The Python reference's bug: a bare `a` for an unknown target, and nothing else; `parts` answers with a multipart response.
  referenceLike = await rawPeer((link, message) => {
    if (message.kind !== 'request') return;
    if (message.target === 'parts') {
      link.send({ kind: 'response', to: message.id, multipart: true, ack: false, hasResult: true, result: 1, final: 'final' }, message.format);
    } else {
      link.send({ kind: 'ack', to: message.id }, message.format);
    }
  });
  server = spawnFixture(fileURLToPath(new URL('../fixtures/call-test-server.ts', import.meta.url)), ['tcp://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  [serverUrl] = (await readStdoutLines(server, 1, 20_000)) as [string];
});

after(async () => {
  await Promise.all([describing?.close(), referenceLike?.close()]);
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
});

let server: ChildProcess;
let serverUrl: string;

async function describeOk(args: readonly string[]): Promise<string> {
  const result = await runSparrowc(['call', serverUrl, ...args]);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
  return result.stdout;
}

describe('sparrowc call <url> (no target)', { concurrency: true }, () => {
  it('lists the methods of a peer that answers #sys.describe', async () => {
    const result = await runSparrowc(['call', describing.url]);
    assert.equal(result.stderr, '');
    assert.equal(
      result.stdout,
      [
        'maths.add(a: int32, b?: int32 = 1) -> int32',
        'maths.count(n: int32) -> stream<int64> throws maths.v1.TooMany',
        'maths.sum(items: stream<float64>, progress: callback(done: int32)) -> map<string, list<float64>>',
        'notify maths.log(text: string)',
        'topic maths.ticks: maths.v1.Tick  @auth("admin")',
        'legacy(…)  [stream, no schema]',
        '',
      ].join('\n'),
    );
    assert.equal(result.code, 0);
  });

  it('exits 1 when a reference-like peer answers #sys.describe with a bare acknowledge', async () => {
    const result = await runSparrowc(['call', referenceLike.url, '--serializer', 'msgpack']);
    assert.match(result.stderr, /^error: the peer does not support #sys\.describe/);
    assert.equal(result.stdout, '');
    assert.equal(result.code, 1);
  });

  it('reads a bare acknowledge for a named target as target not found (exit 1)', async () => {
    const result = await runSparrowc(['call', referenceLike.url, 'anything']);
    assert.match(result.stderr, /^error: caller error \(cat r\) TargetNotFound: target anything not found/);
    assert.equal(result.code, 1);
  });

  it('without a listing, sends a dotted name as written and says how to give a namespace', async () => {
    const result = await runSparrowc(['call', referenceLike.url, 'notes.get']);
    assert.match(result.stderr, /\nhint: the peer exports no notes\.get in the default namespace; if notes is a namespace, call it with --namespace notes get\n$/);
    assert.equal(result.code, 1);
  });

  it('says to add --stream when a peer that does not describe itself answers with a multipart response', async () => {
    const result = await runSparrowc(['call', referenceLike.url, 'parts']);
    assert.equal(result.stderr, 'error: parts answers with a multipart response: call it with --stream\n');
    assert.equal(result.code, 1);
    assert.equal((await runSparrowc(['call', referenceLike.url, 'parts', '--stream'])).stdout, '1\n');
  });
});

describe('sparrowc call --describe and --format json', { concurrency: 2 }, () => {
  it('prints a method with the types it names, enum defaults by name', async () => {
    assert.equal(
      await describeOk(['--describe', 'store.put']),
      [
        'store.put(key: string, data: bytes, kind: test.v1.Kind = blob) -> void',
        '  in service test.v1.Store (namespace "store")',
        '',
        'enum test.v1.Kind { text = 1, blob = 2 }',
        '',
      ].join('\n'),
    );
    // The symbol may also come as the target.
    assert.equal(await describeOk(['store.first', '--describe']), await describeOk(['--describe', 'store.first']));
  });

  it('prints a type by its qualified or short name, and a service', async () => {
    const item = 'struct test.v1.Item {\n  label: string\n  kind: test.v1.Kind = text\n}\n';
    assert.equal(await describeOk(['--describe', 'test.v1.Item']), item);
    assert.equal(await describeOk(['--describe', 'Item']), item);
    assert.match(await describeOk(['--describe', 'Store']), /^service test\.v1\.Store \(namespace "store"\) \{\n {2}store\.put\(.*\n(?: {2}.*\n){4}\}\n$/);
  });

  it('suggests the closest names for a misspelt symbol (exit 1)', async () => {
    const result = await runSparrowc(['call', serverUrl, '--describe', 'Itme']);
    assert.equal(result.stderr, 'error: the peer describes no method, service or type named Itme; did you mean test.v1.Item?\n');
    assert.equal(result.code, 1);
  });

  it('prints the listing as a descriptor that validates against schemas/descriptor.schema.json', async () => {
    const schema = JSON.parse(readFileSync(path.join(projectRoot, 'schemas/descriptor.schema.json'), 'utf8')) as JsonSchema;
    const text = await describeOk(['--format', 'json']);
    const document = JSON.parse(text) as { declarations: Record<string, { kind: string; members?: { name: string; params?: { name: string; default?: unknown }[] }[] }>; targets: { name: string }[] };
    assert.deepEqual(validate(schema, document), []);
    assert.deepEqual(Object.keys(document.declarations), ['test.v1.Item', 'test.v1.Kind', 'test.v1.Store']);
    const put = document.declarations['test.v1.Store']!.members!.find((m) => m.name === 'put')!;
    // Values keep their wire form in JSON (an enum as its integer), as in any descriptor.
    assert.deepEqual(put.params!.find((p) => p.name === 'kind')!.default, 2);
    assert.ok(document.targets.some((t) => t.name === 'echo'), 'schema-less targets are listed');
    assert.equal(await describeOk(['--describe', '--format', 'json']), text);
  });
});

describe('formatDescriptor', () => {
  it('prints any other shape as indented JSON, bigints and bytes included', () => {
    assert.equal(formatDescriptor({ version: 1n << 60n, blob: new Uint8Array([1, 2]) }), '{\n  "version": 1152921504606846976,\n  "blob": {\n    "$bytes": "AQI="\n  }\n}\n');
  });

  it('says so when the peer exports no methods', () => {
    assert.equal(formatDescriptor({ services: [] }), '(the peer exports no methods)\n');
  });
});
