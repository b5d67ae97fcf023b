/**
 * Compares two versions of a schema from the wire's point of view: which
 * changes still let every pairing of an old and a new peer understand each
 * other, and which do not. The rules, with their reasons, are in
 * docs/compat.md; this file implements them one function per model element.
 *
 * Identity is what travels: services by namespace, members by wire name,
 * params and fields by wire name, enum members by value, union variants by
 * `$type` tag, errors by name. Declared types are compared structurally where
 * they are used (a struct's name never travels), each pair once.
 */
import type { Declaration, SchemaModel } from '../model/model.ts';
import type { CompatChange } from './compat-change.ts';
import { compareDeclarations } from './compare-declarations.ts';
import { compareServices } from './compare-services.ts';
import type { Comparison } from './comparison.ts';

/**
 * Every change from `oldModel` to `newModel`, sorted: changes located in the
 * new schema first (by file, line, column), then removals located in the old
 * schema. Pure: reads the two frozen models only.
 */
export function compareModels(oldModel: SchemaModel, newModel: SchemaModel): CompatChange[] {
  const c: Comparison = {
    oldModel,
    newModel,
    changes: [],
    comparedPairs: new Set(),
    add(kind, breaking, message, side, location) {
      this.changes.push({ kind, breaking, message, side, location });
    },
    compareDeclarations(oldDeclaration, newDeclaration) {
      compareDeclarations(c, oldDeclaration, newDeclaration);
    },
  };
  // ---- the whole models -----------------------------------------------------

  compareServices(c);
  // Declarations kept under the same name are compared too, even when no
  // service uses them (other tools may); pairs already compared are skipped.
  // A package rename (`notes.v1` → `notes.v2`) changes no wire name, so a
  // declaration not found by qualified name is matched by its plain name.
  const oldRest = Object.values(c.oldModel.declarations).filter((d) => d.kind !== 'service');
  const newRest = new Set(Object.values(c.newModel.declarations).filter((d) => d.kind !== 'service'));
  const unmatchedOld: Declaration[] = [];
  for (const old of oldRest) {
    const next = c.newModel.declarations[old.qualifiedName];
    if (next !== undefined && next.kind === old.kind && newRest.has(next)) {
      newRest.delete(next);
      compareDeclarations(c, old, next);
    } else {
      unmatchedOld.push(old);
    }
  }
  for (const old of unmatchedOld) {
    const next = [...newRest].find((d) => d.name === old.name && d.kind === old.kind);
    if (next !== undefined) {
      newRest.delete(next);
      compareDeclarations(c, old, next);
    } else {
      c.add('declaration-removed', false, `${old.kind} ${old.qualifiedName} removed (what used it is reported where it changed)`, 'old', old.location);
    }
  }
  for (const next of newRest) c.add('declaration-added', false, `${next.kind} ${next.qualifiedName} added`, 'new', next.location);

  return sortChanges(c.changes);
}

function sortChanges(changes: readonly CompatChange[]): CompatChange[] {
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const seen = new Set<string>();
  return [...changes]
    .sort(
      (a, b) =>
        (a.side === b.side ? 0 : a.side === 'new' ? -1 : 1) ||
        compare(a.location.file, b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column ||
        compare(a.kind, b.kind) ||
        compare(a.message, b.message),
    )
    .filter((c) => {
      const key = `${c.side}\u0000${c.location.file}:${c.location.line}:${c.location.column}\u0000${c.kind}\u0000${c.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
