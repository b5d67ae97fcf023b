/**
 * Checks a JSON value against the subset of JSON Schema (2020-12) that
 * Sparrow's own schemas use: `type`, `enum`, `const`, `properties`,
 * `required`, `additionalProperties`, `items`, `minItems`, `minLength`.
 * The schema file stays the one definition of the config's shape: editors
 * read it, and sparrowc checks against the same file.
 */
import type { JsonPath } from './json-locations.ts';

/** The keywords this checker understands; any other keyword in a schema is ignored. */
export interface JsonSchema {
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly minLength?: number;
}

/** One violation: where, and what is wrong, as a sentence fragment. */
export interface SchemaProblem {
  readonly path: JsonPath;
  readonly message: string;
}

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value);

function hasType(value: unknown, type: NonNullable<JsonSchema['type']>): boolean {
  const kind = kindOf(value);
  return kind === type || (type === 'number' && kind === 'integer');
}

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** Every violation of `schema` by `value`, in document order. */
export function checkJsonSchema(schema: JsonSchema, value: unknown, path: JsonPath = []): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (schema.type !== undefined && !hasType(value, schema.type)) return [{ path, message: `must be ${article(schema.type)}, not ${article(kindOf(value))}` }];
  if (schema.const !== undefined && value !== schema.const) problems.push({ path, message: `must be ${JSON.stringify(schema.const)}` });
  if (schema.enum !== undefined && !schema.enum.includes(value)) problems.push({ path, message: `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(value)}` });
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) problems.push({ path, message: 'must not be empty' });
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push({ path, message: `needs at least ${schema.minItems} item(s)` });
    if (schema.items !== undefined) value.forEach((item, index) => problems.push(...checkJsonSchema(schema.items!, item, [...path, index])));
  }
  if (kindOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const known = schema.properties ?? {};
    for (const key of schema.required ?? []) if (!Object.hasOwn(object, key)) problems.push({ path, message: `misses the required key "${key}"` });
    for (const [key, member] of Object.entries(object)) {
      const memberPath = [...path, key];
      const memberSchema = Object.hasOwn(known, key) ? known[key] : schema.additionalProperties;
      if (memberSchema === false) {
        const names = Object.keys(known);
        problems.push({ path: memberPath, message: `unknown key "${key}"${names.length > 0 ? ` (expected one of: ${names.join(', ')})` : ''}` });
      } else if (typeof memberSchema === 'object') {
        problems.push(...checkJsonSchema(memberSchema, member, memberPath));
      }
    }
  }
  return problems;
}
