/**
 * The JSON descriptor: the checked model as a versioned, language-neutral
 * JSON document for tools in other languages (compare protobuf's
 * FileDescriptorSet). Its JSON Schema is `schemas/descriptor.schema.json`;
 * docs/descriptor.md describes the format and the decisions behind it.
 *
 * Pure: no disk I/O, no clock, no absolute paths (model paths are already
 * relative to the entry schema's folder).
 */
import type { SchemaModel } from '../model/model.ts';

/** Bumped when the descriptor's shape changes incompatibly. */
export const DESCRIPTOR_FORMAT_VERSION = 1;

/** The `$schema` of every descriptor: the `$id` of `schemas/descriptor.schema.json`. */
export const DESCRIPTOR_SCHEMA_ID = 'urn:sparrow:descriptor:1';


/**
 * Model properties that only TypeScript needs: other languages derive their
 * own identifiers from `name`, and `bigint` follows from an int type's name.
 */
const typeScriptOnlyKeys = new Set(['tsName', 'bigint']);

/**
 * The descriptor of `model` as JSON text: two-space indentation, LF line
 * ends, a trailing newline, object keys sorted (no object's key order means
 * anything; arrays keep source order, which does), so the same model always
 * gives the same bytes whatever the platform or working directory.
 */
export function emitDescriptor(model: SchemaModel): string {
  // Declarations are keyed by user names (a declaration may be called `tsName`), so that map is built here, not trimmed.
  const declarations = Object.create(null) as Record<string, unknown>;
  for (const name of Object.keys(model.declarations).sort()) declarations[name] = trimmed(model.declarations[name]);
  const descriptor = {
    $schema: DESCRIPTOR_SCHEMA_ID,
    declarations,
    files: trimmed(model.files),
    formatVersion: DESCRIPTOR_FORMAT_VERSION,
    modelFormatVersion: model.formatVersion,
  };
  return `${JSON.stringify(descriptor, null, 2)}\n`;
}

/** A copy of a model node with sorted keys and without TypeScript-only properties. */
function trimmed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(trimmed);
  if (node === null || typeof node !== 'object') return node;
  // No prototype: a map default may have a key "__proto__", which must stay data.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(node).sort()) {
    if (typeScriptOnlyKeys.has(key)) continue;
    const value = (node as Record<string, unknown>)[key];
    // Wire values (a default, a const's value) are data: a map default may well have a key called `tsName`.
    // (`value` is also a map type's value type, which is model structure.)
    const isWireValue = key === 'default' || (key === 'value' && (node as { kind?: unknown }).kind === 'const');
    out[key] = isWireValue ? sortedKeys(value) : trimmed(value);
  }
  return out;
}

/** A copy of a JSON value with every object's keys sorted. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  // No prototype: a map default may have a key "__proto__", which must stay data.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return out;
}
