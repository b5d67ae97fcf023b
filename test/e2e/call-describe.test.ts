/**
 * `sparrowc call <url>` with no target lists what the peer exports through
 * `#sys.describe`. The peer does not implement describe yet, so these tests
 * stand in for the other side with a bare message link in this process: a
 * peer that answers describe with a descriptor, and one that behaves like
 * the Python reference and answers an unknown target with a bare
 * acknowledge (PROTOCOL.md §7.6).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatDescriptor } from '../../compiler/cli/call-command.ts';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import type { IncomingMessage, MessageLink } from '../../runtime/envelope/message.ts';
import { listen } from '../../runtime/transport/node/url.ts';
import type { Listener } from '../../runtime/transport/transport.ts';
import { runSparrowc } from '../helpers/cli.ts';

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
  // The Python reference's bug: a bare `a` for an unknown target, and nothing else.
  referenceLike = await rawPeer((link, message) => {
    if (message.kind === 'request') link.send({ kind: 'ack', to: message.id }, message.format);
  });
});

after(async () => {
  await Promise.all([describing?.close(), referenceLike?.close()]);
});

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
});

describe('formatDescriptor', () => {
  it('prints any other shape as indented JSON, bigints and bytes included', () => {
    assert.equal(formatDescriptor({ version: 1n << 60n, blob: new Uint8Array([1, 2]) }), '{\n  "version": 1152921504606846976,\n  "blob": {\n    "$bytes": "AQI="\n  }\n}\n');
  });

  it('says so when the peer exports no methods', () => {
    assert.equal(formatDescriptor({ services: [] }), '(the peer exports no methods)\n');
  });
});
