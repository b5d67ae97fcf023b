/**
 * JSON's exact numbers as a part (runtime/serialisation/json-exact.ts): the
 * JSON serialiser without it, as a page whose schema has no numbers bundles
 * it, reads and writes everything the engine's JSON gets right, and fails
 * with a `serialisation-error` naming the part for what it would get wrong,
 * never a silent loss; given the part (here as `defineServiceWith` installs
 * it from generated glue), the same values are exact. This file imports no
 * Node platform: the part is installed half way, by the last tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import { exactJson } from '../../runtime/serialisation/json-exact.ts';
import { jsonSerialiser, parseJson, stringifyJson } from '../../runtime/serialisation/json.ts';
import { defineServiceWith } from '../../runtime/schema/definition.ts';
import { WireFloat } from '../../runtime/values.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
/** A serialisation-error that names the part and how to install it. */
const needsPart = (error: unknown): boolean =>
  error instanceof SparrowError && error.code === ErrorCode.SerialisationError && error.message.includes("needs the exactJson part: installExactJson(exactJson) from 'sparrow-rpc'");

describe('JSON without the exact numbers part (a page whose schema has no numbers)', () => {
  it('reads and writes what the engine gets right, as before', () => {
    const value = { name: 'Ann', ok: true, n: 5, x: 2.5, none: null, list: [1, 'two', [false]] };
    assert.equal(stringifyJson(value), JSON.stringify(value));
    assert.deepEqual(jsonSerialiser.decode(jsonSerialiser.encode(value)), value);
    // A long digit run in a string, a long fraction and the largest safe integer are exact in plain JSON.
    assert.deepEqual(parseJson('{"id": "12345678901234567890", "x": 0.12345678901234567, "max": 9007199254740991}'), { id: '12345678901234567890', x: 0.12345678901234567, max: 9007199254740991 });
    assert.equal(stringifyJson(undefined), 'null');
  });

  it('refuses an integer beyond 2^53 and Python\'s NaN and Infinity, naming the part', () => {
    assert.throws(() => parseJson('{"n": 12345678901234567890}'), needsPart);
    assert.throws(() => parseJson('[-9007199254740993]'), needsPart);
    assert.throws(() => jsonSerialiser.decode(utf8('[NaN]')), needsPart);
    assert.throws(() => parseJson('{"x": Infinity}'), needsPart);
    // Malformed text stays a serialisation-error with the engine's message.
    assert.throws(() => parseJson('{"a":'), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.SerialisationError && /^invalid JSON/.test(error.message));
  });

  it('refuses to write what JSON.stringify would lose (NaN as null, a Map or a Set as {}), naming the part', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -0, 2n ** 64n, new Map([[1, 'a']]), new Set([1]), { tags: new Set(['a']) }, new WireFloat(2), { deep: [{ x: Number.NEGATIVE_INFINITY }] }]) {
      assert.throws(() => stringifyJson(value), needsPart, String(value));
      assert.throws(() => jsonSerialiser.encode(value), needsPart, String(value));
    }
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => stringifyJson(cyclic), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.SerialisationError && /^cannot encode as JSON/.test(error.message));
    // Bytes are refused as before.
    assert.throws(() => jsonSerialiser.encode({ a: new Uint8Array(1) }), /JSON cannot carry bytes/);
  });
});

describe('JSON with the exact numbers part', () => {
  it('defineServiceWith installs the part generated glue gives it (`json: exactJson`)', () => {
    defineServiceWith({ name: 'S', package: 'p', namespace: 's', types: {}, methods: [] }, { json: exactJson });
    assert.deepEqual(parseJson('{"n": 12345678901234567890, "id": "12345678901234567890"}'), { n: 12345678901234567890n, id: '12345678901234567890' });
    assert.deepEqual(jsonSerialiser.decode(utf8('[NaN, Infinity, -Infinity, -0.0]')), [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]);
    assert.equal(text(jsonSerialiser.encode([Number.NaN, -0, 2n ** 64n, new WireFloat(2), new Map([[1, 'a']]), new Set(['x', 2])])), '[NaN,-0.0,18446744073709551616,2.0,{"1":"a"},["x",2]]');
    assert.equal(stringifyJson({ plain: [1, 'a'] }), '{"plain":[1,"a"]}');
  });
});
