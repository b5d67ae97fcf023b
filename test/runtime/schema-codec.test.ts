import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFields, decodeValue, encodeFields, encodeValue, isSparrowError, WireFloat, type TypeDesc, type TypeTable } from 'sparrow-rpc';

const types: TypeTable = {
  'p.Color': { kind: 'enum', name: 'Color', values: { red: 1, green: 2 } },
  'p.Point': {
    kind: 'struct',
    name: 'Point',
    fields: [
      { name: 'x', type: 'float64' },
      { name: 'label', type: 'string', optional: true },
      { name: 'tags', type: ['list', 'string'], default: [] },
      { name: 'created_at', ts: 'createdAt', type: 'int64', default: '5' },
    ],
  },
  'p.Circle': { kind: 'struct', name: 'Circle', fields: [{ name: 'r', type: 'float64' }] },
  'p.Square': { kind: 'struct', name: 'Square', fields: [{ name: 'side', type: 'float64' }] },
  'p.Shape': { kind: 'union', name: 'Shape', variants: { Circle: 'p.Circle', Square: 'p.Square' } },
};

function rejects(type: TypeDesc, value: unknown, pattern: RegExp): void {
  assert.throws(
    () => decodeValue(type, value, types, 'v'),
    (error: unknown) => isSparrowError(error, 'invalid-params') && pattern.test(error.message),
  );
}

describe('schema codec: decode validates', () => {
  it('bool, string, float, any', () => {
    assert.equal(decodeValue('bool', true, types), true);
    rejects('bool', 1, /expected bool/);
    assert.equal(decodeValue('string', 'a', types), 'a');
    rejects('string', 1, /expected string/);
    assert.equal(decodeValue('float64', 1.5, types), 1.5);
    assert.equal(decodeValue('float32', 2n, types), 2);
    rejects('float64', '1', /expected float64/);
    assert.deepEqual(decodeValue('any', { a: [1] }, types), { a: [1] });
  });

  it('integers: non-integers and out-of-range values are refused', () => {
    for (const [type, min, max] of [
      ['int8', -128, 127],
      ['int16', -32768, 32767],
      ['int32', -2147483648, 2147483647],
      ['uint8', 0, 255],
      ['uint16', 0, 65535],
      ['uint32', 0, 4294967295],
      ['int', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ] as const) {
      assert.equal(decodeValue(type, min, types), min);
      assert.equal(decodeValue(type, max, types), max);
      rejects(type, min - 1, /out of range|not an exact/);
      rejects(type, max + 1, /out of range|not an exact/);
      rejects(type, 1.5, /expected/);
      rejects(type, '1', /expected/);
    }
    assert.equal(decodeValue('int32', 7n, types), 7, 'a bigint in range becomes a number');
  });

  it('int64/uint64 become bigint; numbers within range are accepted', () => {
    assert.equal(decodeValue('int64', 5, types), 5n);
    assert.equal(decodeValue('int64', 2n ** 63n - 1n, types), 2n ** 63n - 1n);
    assert.equal(decodeValue('uint64', 2n ** 64n - 1n, types), 2n ** 64n - 1n);
    rejects('int64', 2n ** 63n, /out of range/);
    rejects('uint64', -1, /out of range/);
    rejects('int64', 2 ** 60, /not an exact integer/);
    rejects('int64', '5', /expected int64/);
    rejects('int64', 1.5, /expected int64/);
  });

  it('bytes must be a Uint8Array', () => {
    const bytes = new Uint8Array([1, 2]);
    assert.equal(decodeValue('bytes', bytes, types), bytes);
    rejects('bytes', 'AQI=', /expected bytes/);
    rejects('bytes', [1, 2], /expected bytes/);
  });

  it('lists and tuples check every element and the arity', () => {
    assert.deepEqual(decodeValue(['list', 'int32'], [1, 2], types), [1, 2]);
    rejects(['list', 'int32'], [1, 'x'], /v\[1\]: expected int32/);
    rejects(['list', 'int32'], {}, /expected list/);
    assert.deepEqual(decodeValue(['tuple', 'int32', 'string'], [1, 'a'], types), [1, 'a']);
    rejects(['tuple', 'int32', 'string'], [1], /tuple of 2/);
  });

  it('maps become Map with typed keys; integer keys are decimal strings on the wire', () => {
    assert.deepEqual(decodeValue(['map', 'string', 'int32'], { a: 1 }, types), new Map([['a', 1]]));
    assert.deepEqual(decodeValue(['map', 'int32', 'string'], { '7': 'x', '-2': 'y' }, types), new Map([[7, 'x'], [-2, 'y']]));
    assert.deepEqual(decodeValue(['map', 'int64', 'bool'], { '9007199254740993': true }, types), new Map([[9007199254740993n, true]]));
    rejects(['map', 'int32', 'string'], { x: 'a' }, /not a decimal integer/);
    rejects(['map', 'uint8', 'string'], { '300': 'a' }, /out of range/);
    rejects(['map', 'string', 'int32'], { a: 'b' }, /expected int32/);
    rejects(['map', 'string', 'int32'], [], /expected map/);
  });

  it('enums accept declared values only', () => {
    assert.equal(decodeValue('p.Color', 2, types), 2);
    rejects('p.Color', 3, /not a value of enum Color/);
    rejects('p.Color', 'red', /expected Color/);
  });

  it('structs: required fields, defaults, optional null, TS names, unknown fields', () => {
    assert.deepEqual(decodeValue('p.Point', { x: 1, extra: true }, types), { x: 1, tags: [], createdAt: 5n });
    assert.deepEqual(decodeValue('p.Point', { x: 1, label: null, created_at: 7 }, types), { x: 1, tags: [], createdAt: 7n });
    rejects('p.Point', { label: 'a' }, /missing required field x/);
    rejects('p.Point', { x: 'a' }, /v\.x: expected float64/);
    assert.throws(() => decodeValue('p.Point', { x: 1, extra: true }, types, 'v', { strict: true }), /unknown field extra/);
  });

  it('unions dispatch on $type', () => {
    assert.deepEqual(decodeValue('p.Shape', { $type: 'Circle', r: 2 }, types), { $type: 'Circle', r: 2 });
    rejects('p.Shape', { $type: 'Triangle' }, /unknown \$type/);
    rejects('p.Shape', { r: 2 }, /unknown \$type/);
    rejects('p.Shape', { $type: 'Square', r: 2 }, /missing required field side/);
  });

  it('params: missing required, defaults, unknown ignored unless strict', () => {
    const params = [
      { name: 'name', type: 'string', default: 'world' },
      { name: 'up_to', ts: 'upTo', type: 'int32' },
    ] as const;
    assert.deepEqual(decodeFields(params, { up_to: 3, zzz: 1 }, types, ''), { name: 'world', upTo: 3 });
    assert.throws(() => decodeFields(params, {}, types, ''), /missing required param up_to/);
    assert.throws(() => decodeFields(params, { up_to: 3, zzz: 1 }, types, '', { strict: true }), /unknown param zzz/);
  });
});

describe('schema codec: encode', () => {
  it('renames keys, converts maps, keeps bigint and bytes, leaves absent fields absent', () => {
    const wire = encodeValue('p.Point', { x: 1, tags: ['a'], createdAt: 2n ** 62n }, types);
    // x is a float64: integral, so marked to be written as a float.
    assert.deepEqual(wire, { x: new WireFloat(1), tags: ['a'], created_at: 2n ** 62n });
    assert.deepEqual(encodeFields([{ name: 'm', type: ['map', 'int32', 'bytes'] }], { m: new Map([[1, new Uint8Array([9])]]) }, types), { m: { '1': new Uint8Array([9]) } });
    assert.deepEqual(encodeValue('p.Shape', { $type: 'Circle', r: 1.5 }, types), { $type: 'Circle', r: 1.5 });
    const proto = encodeValue(['map', 'string', 'int32'], new Map([['__proto__', 1]]), types) as Record<string, unknown>;
    assert.equal(Object.hasOwn(proto, '__proto__'), true);
  });

  it('round-trips through decode', () => {
    const value = { x: 1.5, label: 'l', tags: [], createdAt: -(2n ** 63n) };
    assert.deepEqual(decodeValue('p.Point', encodeValue('p.Point', value, types), types), value);
  });
});
