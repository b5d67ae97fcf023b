/**
 * A validator for the subset of JSON Schema 2020-12 that
 * schemas/descriptor.schema.json uses: it refuses any other keyword, so a
 * schema change it cannot check fails loudly. Shared by the descriptor tests
 * and the `sparrowc call --format json` tests.
 */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** Keywords that only annotate; everything else must be implemented below, or the validator refuses the schema. */
const annotations = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'description']);
const assertions = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'oneOf', 'anyOf', '$ref', 'minimum']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Errors of `value` against `root` (empty when valid), each as
 * `/json/pointer: problem`. A oneOf/anyOf branch is validated as a schema of
 * its own that keeps the root's `$defs`, so its `$ref`s still resolve.
 */
export function validate(root: JsonSchema, value: unknown): string[] {
  const errors: string[] = [];
  const defs = typeof root === 'object' ? (root['$defs'] as Record<string, JsonSchema> | undefined) : undefined;
  const check = (schema: JsonSchema, node: unknown, at: string): void => {
    if (schema === true) return;
    if (schema === false) {
      errors.push(`${at}: not allowed`);
      return;
    }
    for (const keyword of Object.keys(schema)) {
      if (!annotations.has(keyword) && !assertions.has(keyword)) throw new Error(`validator: unsupported keyword '${keyword}' at schema for ${at}`);
    }
    if (typeof schema['$ref'] === 'string') {
      const match = /^#\/\$defs\/([^/]+)$/.exec(schema['$ref']);
      const target = match?.[1] === undefined ? undefined : defs?.[match[1]];
      if (target === undefined) throw new Error(`validator: unresolvable $ref '${schema['$ref']}'`);
      check(target, node, at);
    }
    if (schema['type'] !== undefined) {
      const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
      if (!types.some((t) => matchesType(node, t))) {
        errors.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(node)}`);
        return;
      }
    }
    if (schema['const'] !== undefined && !deepEqual(schema['const'], node)) errors.push(`${at}: expected ${JSON.stringify(schema['const'])}`);
    if (Array.isArray(schema['enum']) && !schema['enum'].some((v) => deepEqual(v, node))) errors.push(`${at}: not one of ${JSON.stringify(schema['enum'])}`);
    if (typeof schema['minimum'] === 'number' && typeof node === 'number' && node < schema['minimum']) errors.push(`${at}: below ${schema['minimum']}`);
    if (typeOf(node) === 'object') {
      const object = node as Record<string, unknown>;
      const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      for (const name of (schema['required'] ?? []) as string[]) if (!Object.hasOwn(object, name)) errors.push(`${at}: missing '${name}'`);
      for (const [name, child] of Object.entries(object)) {
        const childAt = `${at}/${name}`;
        if (Object.hasOwn(properties, name)) check(properties[name] as JsonSchema, child, childAt);
        else if (schema['additionalProperties'] === false) errors.push(`${at}: unexpected property '${name}'`);
        else if (schema['additionalProperties'] !== undefined) check(schema['additionalProperties'] as JsonSchema, child, childAt);
      }
    }
    if (Array.isArray(node) && schema['items'] !== undefined) node.forEach((item, i) => check(schema['items'] as JsonSchema, item, `${at}/${i}`));
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const branches = schema[keyword] as JsonSchema[] | undefined;
      if (branches === undefined) continue;
      const results = branches.map((branch) => validate(branchRoot(root, branch), node));
      const passing = results.filter((r) => r.length === 0).length;
      if (keyword === 'oneOf' ? passing !== 1 : passing === 0) {
        const nearest = results.reduce((best, r) => (r.length < best.length ? r : best), results[0] ?? []);
        errors.push(`${at}: ${keyword} matched ${passing} of ${branches.length}${passing === 0 ? `; nearest: ${nearest.join('; ')}` : ''}`);
      }
    }
  };
  check(root, value, '');
  return errors;
}

/** A oneOf/anyOf branch as a root schema: the branch plus the root's `$defs`. */
function branchRoot(root: JsonSchema, branch: JsonSchema): JsonSchema {
  if (typeof root !== 'object' || typeof branch !== 'object') return branch;
  return { $defs: root['$defs'], ...branch };
}
