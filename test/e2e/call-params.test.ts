/**
 * The pure pieces of `sparrowc call`, without a peer: the base64 check of
 * bytes params (linear, so any size up to the chain limit parses), the
 * resolution of printed names, and the "did you mean" suggestions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDescription } from '../../compiler/cli/call-listing.ts';
import { resolveTarget, suggest } from '../../compiler/cli/call-resolve.ts';
import { isBase64, parseParams } from '../../compiler/cli/json-params.ts';

describe('bytes params', () => {
  it('accepts canonical padded base64 and nothing else', () => {
    for (const good of ['', 'AAEC/w==', 'aGk=', 'aGVsbG8h', '+/+/']) assert.equal(isBase64(good), true, good);
    for (const bad of ['aGk', 'a=Gk', 'a===', '====', 'AA==AAAA', 'AAA=AAAA', 'no!!', 'aGk=\n', 'aG-_']) assert.equal(isBase64(bad), false, bad);
  });

  it('parses 16 MiB of bytes (more than the chain limit takes) without exhausting the stack', () => {
    const size = 16 * 1024 * 1024;
    const params = parseParams(JSON.stringify({ data: { $bytes: Buffer.alloc(size, 0x5a).toString('base64') } }));
    const data = params['data'] as Uint8Array;
    assert.equal(data.byteLength, size);
    assert.equal(data[size - 1], 0x5a);
  });
});

describe('names', () => {
  const description = readDescription({
    services: [{ name: 'Notes', package: 'demo.v1', namespace: 'notes', types: {}, methods: [{ kind: 'call', name: 'get', params: [], result: 'string' }] }],
    targets: [
      { namespace: '', name: 'dotted.name', multipart: false },
      { namespace: 'notes', name: 'get', multipart: false },
    ],
  })!;

  it('resolves a printed name to its namespace and target, and leaves other names whole', () => {
    assert.deepEqual(resolveTarget('notes.get', '', description).namespace, 'notes');
    assert.deepEqual(resolveTarget('notes.get', '', description).name, 'get');
    assert.deepEqual(resolveTarget('dotted.name', '', description), { namespace: '', name: 'dotted.name', listed: description.targets[1] });
    assert.deepEqual(resolveTarget('#sys.ping', '', description), { namespace: '#sys', name: 'ping' });
    assert.deepEqual(resolveTarget('other.thing', '', description), { namespace: '', name: 'other.thing' });
    assert.deepEqual(resolveTarget('notes.get', 'x', undefined), { namespace: 'x', name: 'notes.get' });
  });

  it('suggests close names: typos, swapped letters, the same name in a namespace', () => {
    const names = ['notes.get', 'notes.list', 'store.numbers', 'test.v1.Item', 'hello_world'];
    assert.deepEqual(suggest('notes.gett', names), ['notes.get']);
    assert.deepEqual(suggest('Itme', names), ['test.v1.Item']);
    assert.deepEqual(suggest('numbers', names), ['store.numbers']);
    assert.deepEqual(suggest('helo_world', names), ['hello_world']);
    assert.deepEqual(suggest('xyz', names), []);
  });
});
