/** Docstrings and comments for generated Python. */
import type { Named } from '../../model/model.ts';

/** A docstring's lines at `indent` (none when there is nothing to say). */
export function docstring(indent: string, parts: readonly (string | undefined)[]): string[] {
  const text = parts.filter((p): p is string => p !== undefined && p !== '').join('\n\n');
  if (text === '') return [];
  // Backslashes and quotes escaped: no text can end the string early or form an escape.
  let escaped = text.replaceAll('\\', '\\\\').replaceAll('"""', '\\"\\"\\"');
  if (escaped.endsWith('"')) escaped = `${escaped.slice(0, -1)}\\"`;
  const body = escaped.split('\n');
  if (body.length === 1) return [`${indent}"""${body[0]}"""`];
  return [`${indent}"""${body[0]}`, ...body.slice(1).map((line) => (line === '' ? '' : `${indent}${line}`)), `${indent}"""`];
}

/** The `Deprecated: …` note of an element marked `@deprecated`. */
export function deprecatedNote(d: Named): string | undefined {
  if (d.deprecated === undefined) return undefined;
  return d.deprecated === '' ? 'Deprecated.' : `Deprecated: ${d.deprecated}`;
}
