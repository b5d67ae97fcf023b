/**
 * How a method's params look as TypeScript types: the args object of the
 * caller's side (input types, defaults optional) and of the callee's
 * (decoded, defaults applied), and callback params on either side.
 */
import type { CallbackParam, Param, TypeRef } from '../model/model.ts';

/** Which TS type of a declared type: as received (`decoded`) or as sent (`init`, its input type). */
export type TypeForm = 'decoded' | 'init';

/** Writes the TS type of a model type (the module emitter's, which imports what it names). */
export type TypeWriter = (t: TypeRef, form?: TypeForm) => string;

/** A property name as written in TS: identifiers bare, anything else quoted. */
export function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/** `args: {...}` or `args?: {...}` for the caller side. */
export function argsParam(params: readonly Param[], tsType: TypeWriter): string {
  const type = argsType(params, 'caller', tsType);
  const required = params.some((p) => !p.optional && !(p.kind === 'value' && p.default !== undefined));
  return `args${required ? '' : '?'}: ${type}`;
}

/** Params as an args object: the caller's side sends them (input types), the callee's receives them (defaults applied). */
export function argsType(params: readonly Param[], side: 'caller' | 'callee', tsType: TypeWriter): string {
  if (params.length === 0) return 'Record<string, never>';
  const form: TypeForm = side === 'caller' ? 'init' : 'decoded';
  const parts = params.map((p) => {
    const name = propertyName(p.tsName);
    if (p.kind === 'value') {
      const optional = p.optional || (side === 'caller' && p.default !== undefined);
      return `${name}${optional ? '?' : ''}: ${tsType(p.type, form)}${optional ? ' | undefined' : ''}`;
    }
    const opt = p.optional ? '?' : '';
    if (p.kind === 'stream') {
      const item = tsType(p.item, form);
      return `${name}${opt}: ${side === 'caller' ? `AsyncIterable<${item}> | Iterable<${item}>` : `AsyncIterable<${item}>`}`;
    }
    return `${name}${opt}: ${callbackType(p, side, tsType)}`;
  });
  return `{ ${parts.join('; ')} }`;
}

/** Caller side: the function the caller hands over (gets decoded args); callee side: the proxy it calls. */
function callbackType(p: CallbackParam, side: 'caller' | 'callee', tsType: TypeWriter): string {
  const args = argsType(p.params, side === 'caller' ? 'callee' : 'caller', tsType);
  const required = p.params.some((q) => !q.optional && q.default === undefined);
  const argList = side === 'caller' ? `args: ${args}` : `args${required ? '' : '?'}: ${args}`;
  if (p.result.kind === 'void') return `(${argList}) => void`;
  // The caller's function answers (an input type); the callee's proxy gets the answer decoded.
  if (side === 'caller') {
    const result = tsType(p.result, 'init');
    return `(${argList}) => ${result} | Promise<${result}>`;
  }
  return `(${argList}) => Promise<${tsType(p.result)}>`;
}
