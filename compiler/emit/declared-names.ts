/**
 * The names generated modules export beyond the declarations' own: input
 * types (`NoteInit`) and the per-service names (`NotesClient`,
 * `createNotesClient`…), computed once for the whole model so every module
 * and the index agree on them.
 */
import type { SchemaFile, SchemaModel, ServiceDeclaration, TypeRef } from '../model/model.ts';

/**
 * The input type of each struct and union a caller may build with fields
 * left out: those with a field default, directly or in a type they contain.
 * `Note` → `NoteInit` (`Note$Init` when a declaration already has that name).
 */
export function inputTypeNames(model: SchemaModel): ReadonlyMap<string, string> {
  const declarations = Object.entries(model.declarations);
  const needs = new Set<string>();
  const mentionsNeedy = (t: TypeRef): boolean => {
    switch (t.kind) {
      case 'list':
        return mentionsNeedy(t.element);
      case 'map':
        return mentionsNeedy(t.value);
      case 'tuple':
        return t.elements.some(mentionsNeedy);
      case 'ref':
        return needs.has(t.target);
      default:
        return false;
    }
  };
  // A fixpoint, since structs may contain themselves.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [q, d] of declarations) {
      if (needs.has(q)) continue;
      const needed =
        d.kind === 'struct' ? d.fields.some((f) => f.default !== undefined || mentionsNeedy(f.type)) : d.kind === 'union' ? d.variants.some((v) => needs.has(v.type)) : false;
      if (needed) {
        needs.add(q);
        changed = true;
      }
    }
  }
  const taken = new Set(declarations.map(([, d]) => d.tsName));
  const names = new Map<string, string>();
  for (const [q, d] of declarations.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!needs.has(q)) continue;
    // `Record_` (a renamed global) gives `RecordInit`: the suffix makes it a free name again.
    const base = d.tsName.replace(/_$/, '');
    const name = taken.has(`${base}Init`) ? `${base}$Init` : `${base}Init`;
    taken.add(name);
    names.set(q, name);
  }
  return names;
}

/** Every name `file`'s module exports, in order (the index uses it to spot clashes between files). */
export function exportedNames(model: SchemaModel, file: SchemaFile, initNames: ReadonlyMap<string, string>): string[] {
  const names: string[] = [];
  for (const q of file.declarations) {
    const d = model.declarations[q];
    if (d === undefined) continue;
    if (d.kind !== 'service') names.push(d.tsName);
    const init = initNames.get(q);
    if (init !== undefined) names.push(init);
  }
  const taken = new Set(Object.values(model.declarations).filter((d) => d.kind !== 'service').map((d) => d.tsName));
  for (const q of file.declarations) {
    const d = model.declarations[q];
    if (d?.kind !== 'service') continue;
    const derived = Object.values(serviceNames(d, taken));
    for (const n of derived) taken.add(n);
    names.push(...derived);
  }
  return names;
}

/** Names generated for a service; a name taken by a declaration gets a `$` before its suffix instead. */
export function serviceNames(service: ServiceDeclaration, taken: ReadonlySet<string>) {
  const n = service.tsName;
  const pick = (plain: string, safe: string): string => (taken.has(plain) ? safe : plain);
  return {
    client: pick(`${n}Client`, `${n}$Client`),
    implementation: pick(`${n}Implementation`, `${n}$Implementation`),
    topics: pick(`${n}Topics`, `${n}$Topics`),
    definition: pick(`${n}Service`, `${n}$Service`),
    createClient: pick(`create${n}Client`, `create${n}$Client`),
    register: pick(`register${n}`, `register$${n}`),
  };
}
