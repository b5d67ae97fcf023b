/**
 * The value the `enum-value-required` fix-it suggests for each member
 * written without `= value`: one more than the member before it (`0` before
 * the first, so a lone first member gets `1`), skipping every value another
 * member of the enum already holds or was already offered, so applying all
 * the suggestions never creates a `duplicate-enum-value`.
 */
import { enumValueRange } from './builtins.ts';

/**
 * `values[i]` is member i's explicit value, or `undefined` when it has none
 * (or an invalid one). Returns the suggestion for each member without a
 * value, by index.
 */
export function suggestEnumValues(values: readonly (number | undefined)[]): Map<number, number> {
  const taken = new Set(values.filter((v): v is number => v !== undefined));
  const min = Number(enumValueRange.min);
  const max = Number(enumValueRange.max);
  const suggestions = new Map<number, number>();
  let previous = 0;
  values.forEach((value, index) => {
    if (value !== undefined) {
      previous = value;
      return;
    }
    let candidate = previous < max ? previous + 1 : min;
    // int32 holds far more values than an enum can have members, so this ends.
    while (taken.has(candidate)) candidate = candidate < max ? candidate + 1 : min;
    taken.add(candidate);
    suggestions.set(index, candidate);
    previous = candidate;
  });
  return suggestions;
}
