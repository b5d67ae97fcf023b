/**
 * A tiny text printer for generated TypeScript: lines with indentation, an
 * import collector that splits value and `import type` imports, and TSDoc
 * blocks. Output is deterministic (imports sorted, LF only) and already in
 * the house format, so `gen` does not need a formatter pass (see docs/codegen.md).
 */

/** Collects the imports of one generated module. */
export class ImportCollector {
  // module → local name → { imported name, type-only }
  private readonly modules = new Map<string, Map<string, { name: string; typeOnly: boolean }>>();

  /** Records `name` (imported as `local`) from `from`; a value use wins over a type-only one. */
  add(from: string, name: string, typeOnly: boolean, local = name): string {
    let names = this.modules.get(from);
    if (names === undefined) this.modules.set(from, (names = new Map()));
    const existing = names.get(local);
    names.set(local, { name, typeOnly: typeOnly && (existing?.typeOnly ?? true) });
    return local;
  }

  /** The import statements: modules sorted (package imports first), value imports then type imports. */
  print(): string[] {
    const lines: string[] = [];
    const order = [...this.modules.keys()].sort((a, b) => Number(a.startsWith('.')) - Number(b.startsWith('.')) || (a < b ? -1 : a > b ? 1 : 0));
    for (const from of order) {
      const names = [...(this.modules.get(from) ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const spec = (entries: typeof names): string => entries.map(([local, { name }]) => (local === name ? name : `${name} as ${local}`)).join(', ');
      const values = names.filter(([, n]) => !n.typeOnly);
      const types = names.filter(([, n]) => n.typeOnly);
      if (values.length > 0) lines.push(`import { ${spec(values)} } from ${JSON.stringify(from)};`);
      if (types.length > 0) lines.push(`import type { ${spec(types)} } from ${JSON.stringify(from)};`);
    }
    return lines;
  }
}

/** Lines of a TSDoc block (empty when there is nothing to say), indented by `indent`. */
export function docLines(indent: string, parts: readonly (string | undefined)[]): string[] {
  const text = parts.filter((p): p is string => p !== undefined && p !== '');
  if (text.length === 0) return [];
  // "*/" inside a doc would end the comment early.
  const body = text.join('\n\n').replaceAll('*/', '*\\/').split('\n');
  return [`${indent}/**`, ...body.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)), `${indent} */`];
}
