/**
 * The one "names are unique, and so are wire names" rule, shared by service
 * members, params, fields, enum members and union tags.
 */
import type { TextRange } from '../source/source-file.ts';

/** What {@link UniqueNames.add} found. */
export type Uniqueness = 'ok' | 'duplicate' | 'duplicate-wire';

/** A scope of sibling names (and wire names). */
export interface UniqueNames {
  /**
   * Records a name (and its wire name, if the items have one). Reports
   * `duplicate-name` for a name seen before, else `duplicate-wire-name` for a
   * wire name seen before; the caller decides whether to keep the item.
   */
  add(name: string, range: TextRange, wireName?: string): Uniqueness;
}

/** Reports one uniqueness finding; `kind` names the items ("field", "param"…). */
export type ReportUniqueness = (code: 'duplicate-name' | 'duplicate-wire-name', range: TextRange, params: { kind: string; name: string }) => void;

/** Creates a scope for the items of one kind in one parent. */
export function createUniqueNames(kind: string, report: ReportUniqueness): UniqueNames {
  const names = new Set<string>();
  const wireNames = new Set<string>();
  return {
    add(name, range, wireName) {
      if (names.has(name)) {
        report('duplicate-name', range, { kind, name });
        return 'duplicate';
      }
      names.add(name);
      if (wireName === undefined) return 'ok';
      if (wireNames.has(wireName)) {
        report('duplicate-wire-name', range, { kind, name: wireName });
        return 'duplicate-wire';
      }
      wireNames.add(wireName);
      return 'ok';
    },
  };
}
