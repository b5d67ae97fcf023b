/**
 * The value rules of docs/interop.md, byte for byte as the reference writes
 * them (the bytes Python's msgpack, cbor2 and json produce for the same
 * values), without a Python process: the live checks are in ts-to-py and
 * py-to-ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cborSerialiser } from '../../runtime/serialisation/cbor.ts';
import { installExactJson, jsonSerialiser } from '../../runtime/serialisation/json.ts';
import { exactJson } from '../../runtime/serialisation/json-exact.ts';
import { msgpackSerialiser } from '../../runtime/serialisation/msgpack.ts';
import { encodeValue } from '../../runtime/schema/codec.ts';
import { createEncoder } from '../../runtime/schema/compiled-codec.ts';
import { describeValue } from './values.ts';

// These are the rules JSON's exact numbers write (the Node platform installs the part, as does generated code whose schema has numbers).
installExactJson(exactJson);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('value rules: what goes on the wire', () => {
  // [value, msgpack as Python writes it, CBOR as cbor2 writes it]
  const cases: [string, unknown, string, string][] = [
    ['2^32 as an integer', 2 ** 32, 'cf0000000100000000', '1b0000000100000000'],
    ['a ms timestamp as an integer', 1700000000000, 'cf0000018bcfe56800', '1b0000018bcfe56800'],
    ['-(2^31) - 1 as an integer', -(2 ** 31) - 1, 'd3ffffffff7fffffff', '3a80000000'],
    ['-(2^32) - 1 as an integer', -(2 ** 32) - 1, 'd3fffffffeffffffff', '3b0000000100000000'],
    ['2^53 - 1 as an integer', 2 ** 53 - 1, 'cf001fffffffffffff', '1b001fffffffffffff'],
    ['-0 as a float', -0, 'cb8000000000000000', 'fb8000000000000000'],
    ['undefined in a list as null', [1, undefined, 2], '9301c002', '8301f602'],
    ['a lone surrogate as U+FFFD', 'a\ud800b', 'a561efbfbd62', '6561efbfbd62'],
    ['a Map with its keys\' own types', new Map([[1, 'a']]), '8101a161', 'a1016161'],
  ];
  for (const [name, value, msgpack, cbor] of cases) {
    it(`msgpack and CBOR write ${name}`, () => {
      assert.equal(hex(msgpackSerialiser.encode(value)), msgpack);
      assert.equal(hex(cborSerialiser.encode(value)), cbor);
    });
  }

  it('keeps ordinary values byte for byte as the libraries write them (the captured vectors)', () => {
    assert.equal(hex(msgpackSerialiser.encode({ a: 1, b: 'x', c: [0.5, -3, 70000] })), '83a16101a162a178a16393cb3fe0000000000000fdce00011170');
    assert.equal(hex(cborSerialiser.encode({ a: 1, b: 'x', c: [0.5, -3, 70000] })), 'a3616101616261786163 83fb3fe000000000000022 1a00011170'.replace(/ /g, ''));
  });

  it('JSON writes NaN, ±Infinity and -0 as Python does, and a Map as an object', () => {
    assert.equal(text(jsonSerialiser.encode([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0])), '[NaN,Infinity,-Infinity,-0.0,0]');
    assert.equal(text(jsonSerialiser.encode(new Map<unknown, unknown>([[1, 'a'], ['b', 2n ** 64n]]))), '{"1":"a","b":18446744073709551616}');
    assert.deepEqual(jsonSerialiser.decode(new TextEncoder().encode('[NaN, Infinity, -Infinity, -0.0]')), [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]);
  });
});

describe('value rules: a schema float is written as a float', () => {
  const types = { 'p.R': { kind: 'struct', name: 'R', fields: [{ name: 'x', type: 'float64' }, { name: 'n', type: 'int32' }] } } as const;
  for (const [name, encode] of [
    ['encodeValue', (value: unknown) => encodeValue('p.R', value, types)],
    ['createEncoder', createEncoder('p.R', types)],
  ] as const) {
    it(`${name}: an integral float64 goes out as 2.0, an int32 beside it as 2, in every serialiser`, () => {
      const wire = encode({ x: 2, n: 2 });
      assert.equal(hex(msgpackSerialiser.encode(wire)), '82a178cb4000000000000000a16e02');
      assert.equal(hex(cborSerialiser.encode(wire)), 'a26178fb4000000000000000616e02');
      assert.equal(text(jsonSerialiser.encode(wire)), '{"x":2.0,"n":2}');
      // A non-integral float is left to the library, as before.
      assert.equal(text(jsonSerialiser.encode(encode({ x: 2.5, n: 1 }))), '{"x":2.5,"n":1}');
    });
  }

  it('keeps -0 and large integral floats floats, and lists of floats', () => {
    assert.equal(text(jsonSerialiser.encode(encodeValue(['list', 'float64'], [-0, 1e21, 3, -4], types))), '[-0.0,1e+21,3.0,-4.0]');
    assert.equal(hex(msgpackSerialiser.encode(encodeValue(['list', 'float64'], [2 ** 40], types))), '91cb4270000000000000');
  });
});

describe('value rules: what comes off the wire', () => {
  it('decodes a msgpack or CBOR map with int keys to a Map, string-keyed maps to plain objects', () => {
    // {1: 'a', 'inner': {'x': {2: 'b'}}} as Python writes it
    const fromMsgpack = msgpackSerialiser.decode(fromHex('8201a161a5696e6e657281a17881 02a162'.replace(/ /g, '')));
    assert.equal(describeValue(fromMsgpack), "Map{int:1=str:'a', str:'inner'={str:'x'=Map{int:2=str:'b'}}}");
    const fromCbor = cborSerialiser.decode(fromHex('a201616165696e6e6572a16178a1026162'));
    assert.equal(describeValue(fromCbor), "Map{int:1=str:'a', str:'inner'={str:'x'=Map{int:2=str:'b'}}}");
    assert.deepEqual(msgpackSerialiser.decode(fromHex('81a16101')), { a: 1 });
  });

  it('decodes bytes keys (which the reference decodes) to a Map keyed by Uint8Array', () => {
    assert.equal(describeValue(msgpackSerialiser.decode(fromHex('81c4016b01'))), 'Map{bytes:6b=int:1}');
    assert.equal(describeValue(cborSerialiser.decode(fromHex('a1416b01'))), 'Map{bytes:6b=int:1}');
  });

  it('round-trips the Map it decoded with the keys\' own types', () => {
    const bytes = fromHex('8201a161c4016b02');
    assert.equal(hex(msgpackSerialiser.encode(msgpackSerialiser.decode(bytes))), '8201a161c4016b02');
  });
});
