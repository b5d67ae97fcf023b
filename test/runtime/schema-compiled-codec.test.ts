/**
 * The decoders and encoders built once per type (runtime/schema/compiled-codec.ts)
 * must give exactly what decodeValue/encodeValue give: the same values, and
 * for invalid input the same error message, for every type and value here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { decodeFields, decodeValue, encodeValue, type DecodeOptions } from '../../runtime/schema/codec.ts';
import { createDecoder, createEncoder, createFieldsDecoder } from '../../runtime/schema/compiled-codec.ts';
import type { FieldDesc, TypeDesc, TypeTable } from '../../runtime/schema/descriptor.ts';

const types: TypeTable = {
  'p.Color': { kind: 'enum', name: 'Color', values: { red: 1, green: 2 } },
  'p.Item': { kind: 'struct', name: 'Item', fields: [{ name: 'i', type: 'int32' }, { name: 'v', type: 'float64' }] },
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
  'p.Node': { kind: 'struct', name: 'Node', fields: [{ name: 'value', type: 'uint8' }, { name: 'next', type: 'p.Node', optional: true }] },
  'p.Outer': { kind: 'struct', name: 'Outer', fields: [{ name: 'item', type: 'p.Item' }, { name: 'ok', type: 'bool' }, { name: 'color', type: 'p.Color' }, { name: 'any', type: 'any', optional: true }] },
  'p.Proto': { kind: 'struct', name: 'Proto', fields: [{ name: 'constructor', type: 'string', optional: true }] },
  'p.Circle': { kind: 'struct', name: 'Circle', fields: [{ name: 'r', type: 'float64' }] },
  'p.Shape': { kind: 'union', name: 'Shape', variants: { Circle: 'p.Circle' } },
};

const cases: [TypeDesc, unknown[]][] = [
  ['p.Item', [{ i: 1, v: 0.5 }, { i: 1, v: 2, extra: true }, { v: 1 }, { i: 1.5, v: 1 }, { i: 2 ** 31, v: 1 }, { i: 1, v: 'x' }, { i: 1, v: 3n }, { i: null, v: 1 }, null, [1, 2], 'x']],
  ['p.Point', [{ x: 1 }, { x: 1, label: null }, { x: 1, label: 'a', tags: ['t'], created_at: 7 }, { x: 1, tags: [1] }, { x: 1, created_at: 2n ** 70n }, {}]],
  ['p.Node', [{ value: 1 }, { value: 1, next: { value: 2, next: { value: 3 } } }, { value: 1, next: { value: 256 } }, { value: 1, next: null }]],
  ['p.Outer', [{ item: { i: 1, v: 1 }, ok: true, color: 2 }, { item: { i: 1, v: 1 }, ok: true, color: 3 }, { item: { i: 1 }, ok: true, color: 1 }, { item: { i: 1, v: 1 }, ok: 1, color: 1 }, { item: { i: 1, v: 1 }, ok: false, color: 1, any: { deep: [1] } }]],
  ['p.Proto', [{}, { constructor: 'x' }, { constructor: 1 }]],
  ['p.Shape', [{ $type: 'Circle', r: 1 }, { $type: 'Square' }]],
  [['list', 'p.Item'], [[{ i: 1, v: 1 }, { i: 2, v: 2 }], [{ i: 1, v: 1 }, { i: 'x', v: 2 }], 'x']],
  [['map', 'string', 'int32'], [{ a: 1 }, { a: 'x' }]],
  [['tuple', 'string', 'int8'], [['a', 1], ['a', 1000]]],
  ['int64', [1, 2n ** 62n, 2n ** 64n, 1.5]],
  ['bytes', [Uint8Array.of(1), 'x']],
  ['void', [1, undefined]],
];

function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: `${(error as { code?: string }).code}: ${(error as Error).message}` };
  }
}

describe('schema: built decoders and encoders agree with decodeValue/encodeValue', () => {
  for (const options of [{}, { strict: true }] as DecodeOptions[]) {
    it(`decode ${options.strict === true ? '(strict)' : ''}: same values, same errors`, () => {
      for (const [type, values] of cases) {
        const decode = createDecoder(type, types, options);
        for (const value of values) {
          // structuredClone: the built decoder may hand back the wire object itself.
          const expected = outcome(() => decodeValue(type, structuredClone(value), types, 'item', options));
          const actual = outcome(() => decode(structuredClone(value), 'item'));
          assert.deepEqual(actual, expected, `${JSON.stringify(type)} ${String(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))}`);
        }
      }
    });
  }

  it('a value with unknown keys decodes to a new object without them', () => {
    const decode = createDecoder('p.Item', types);
    const wire = { i: 1, v: 2, extra: true };
    assert.deepEqual(decode(wire), { i: 1, v: 2 });
    assert.deepEqual(wire, { i: 1, v: 2, extra: true });
  });

  it('encode: same wire values', () => {
    const values: [TypeDesc, unknown][] = [
      ['p.Point', { x: 1, createdAt: 5n, extra: 1 }],
      ['p.Node', { value: 1, next: { value: 2 } }],
      ['p.Outer', { item: { i: 1, v: 2, x: 3 }, ok: true, color: 1 }],
      [['list', 'p.Point'], [{ x: 1, createdAt: 1n }]],
      ['p.Shape', { $type: 'Circle', r: 1 }],
      [['map', 'string', 'p.Point'], new Map([['a', { x: 1, createdAt: 2n }]])],
      ['p.Item', null],
      ['p.Item', 5],
    ];
    for (const [type, value] of values) assert.deepEqual(createEncoder(type, types)(value), encodeValue(type, value, types), JSON.stringify(type));
  });
});

describe('createFieldsDecoder (a call\'s value params)', () => {
  it('gives exactly what decodeFields gives: values, and the same error for invalid params', () => {
    for (const [type] of cases) {
      if (typeof type !== 'string' || types[type]?.kind !== 'struct') continue;
      const fields = (types[type] as { fields: readonly FieldDesc[] }).fields;
      const decode = createFieldsDecoder(fields, types);
      for (const [, values] of cases) {
        for (const value of values) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
          const params = value as Record<string, unknown>;
          let expected: unknown;
          let expectedError: string | undefined;
          try {
            expected = decodeFields(fields, structuredClone(params), types, '');
          } catch (error) {
            expectedError = (error as Error).message;
          }
          if (expectedError !== undefined) assert.throws(() => decode(structuredClone(params)), { message: expectedError }, `${type} ${JSON.stringify(String(Object.keys(params)))}`);
          else assert.deepEqual(decode(structuredClone(params)), expected, type);
        }
      }
    }
  });
});
