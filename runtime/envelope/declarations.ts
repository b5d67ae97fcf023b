/**
 * Callback declarations (PROTOCOL.md §6, §7.8, §7.9): the special payload
 * part of a request with callback or iterable params, both ways:
 *
 *   {"#cb": {name: {"p": null}, ...}, "#icb": {name: {"r": null}, ...}}
 *
 * A codec part (`EnvelopeParts.declarations`): `callbacksFeature` installs
 * it, and so does envelope/node-parts.ts; a page without callbacks leaves
 * it out of its bundle (see `readV050` for what it then reads).
 */
import type { DeclarationsCodec } from './codec.ts';
import { mapOf } from './decode.ts';
import type { CallbackDeclarations } from './message.ts';

/** The special part for `declarations`, or undefined when they name nothing (no part is sent then). */
function writeDeclarations(declarations: CallbackDeclarations): Record<string, unknown> | undefined {
  if (declarations.callbacks.length === 0 && declarations.iterables.length === 0) return undefined;
  const names = (list: string[], value: string) => Object.fromEntries(list.map((name) => [name, { [value]: null }]));
  return { '#cb': names(declarations.callbacks, 'p'), '#icb': names(declarations.iterables, 'r') };
}

/**
 * The declarations a decoded special part holds.
 *
 * @throws SparrowError `invalid-params` when it, `#cb` or `#icb` is not a map
 *   (a caller error: the request is answered with it).
 */
function readDeclarations(special: unknown): CallbackDeclarations {
  const { '#cb': cb, '#icb': icb } = mapOf(special, 'callback declarations');
  return { callbacks: namesOf(cb, '"#cb"'), iterables: namesOf(icb, '"#icb"') };
}

function namesOf(value: unknown, what: string): string[] {
  return value === undefined || value === null ? [] : Object.keys(mapOf(value, what));
}

/** Callback declarations as a codec part (give it to `installEnvelopeParts` as `declarations`). */
export const callbackDeclarations: DeclarationsCodec = { write: writeDeclarations, read: readDeclarations };
