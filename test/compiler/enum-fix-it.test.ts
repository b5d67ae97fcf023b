/**
 * The `enum-value-required` fix-it: the value it suggests is free, and
 * applying every suggestion of an enum yields a schema that checks clean.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suggestEnumValues } from '../../compiler/check/enum-values.ts';
import { assertValid, compileText } from './schema-test-utils.ts';

/** The `'name = value'` each enum-value-required diagnostic of `text` suggests, in order. */
function suggestions(text: string): string[] {
  return compileText(text)
    .diagnostics.filter((d) => d.code === 'enum-value-required')
    .map((d) => /'([^']+)' is free/.exec(d.message)?.[1] ?? `no suggestion in: ${d.message}`);
}

/** Rewrites each bare member `name` of the enum as the suggestion made for it. */
function applySuggestions(text: string): string {
  let fixed = text;
  for (const suggestion of suggestions(text)) {
    const name = suggestion.split(' = ')[0] ?? '';
    fixed = fixed.replace(new RegExp(`\\b${name}\\b(?!\\s*=)`), suggestion);
  }
  return fixed;
}

describe('enum-value-required fix-it', () => {
  const cases: [string, string, string[]][] = [
    ['after a = 1', 'enum E { a = 1, b }', ['b = 2']],
    ['after a = 0, b = 1', 'enum E { a = 0, b = 1, c }', ['c = 2']],
    ['a lone member', 'enum E { a }', ['a = 1']],
    ['the next value is taken by a later member', 'enum E { a = 1, b, c = 2 }', ['b = 3']],
    ['a first member whose 1 is taken', 'enum E { a, b = 1 }', ['a = 2']],
    ['two bare members in a row', 'enum E { a = 5, b, c, d = 7 }', ['b = 6', 'c = 8']],
    ['after a negative value', 'enum E { a = -3, b }', ['b = -2']],
    // `a` needs a value too (its error is value-type-mismatch): 1 is kept for it.
    ['after an invalid value', 'enum E { a = "x", b }', ['b = 2']],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}: ${text} → ${expected.join(', ')}`, () => {
      assert.deepEqual(suggestions(text), expected);
    });
  }

  it('applying every suggestion gives a valid enum with unique values', () => {
    for (const [, text] of cases.filter(([name]) => !name.includes('invalid'))) {
      const model = assertValid(compileText(applySuggestions(text)));
      const values = Object.values(model.declarations).flatMap((d) => (d.kind === 'enum' ? d.members.map((m) => m.value) : []));
      assert.equal(new Set(values).size, values.length, applySuggestions(text));
    }
  });

  it('wraps around at the top of int32 instead of leaving its range', () => {
    assert.deepEqual([...suggestEnumValues([2147483647, undefined])], [[1, -2147483648]]);
  });
});
