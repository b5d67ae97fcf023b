/**
 * The one type printer. A {@link TypeRef} first becomes a {@link TypeTerm}
 * (the descriptor's JSON form: `"int32"`, `["list", T]`, `"pkg.Name"`), and a
 * term prints the way a schema writes it (`list<int32>`). Check, compat,
 * `sparrowc call` and the emitters all go through these two functions.
 */
import type { TypeRef } from './model.ts';

/** A type as data: a name, or a constructor followed by its arguments. */
export type TypeTerm = string | readonly [string, ...TypeTerm[]];

/** How declared types are named: by qualified name (default) or by their last part. */
export interface PrintTypeOptions {
  readonly refs?: 'qualified' | 'plain';
}

/** Converts a model type to its term (the descriptor form of a type). */
export function typeTerm(type: TypeRef, options: PrintTypeOptions = {}): TypeTerm {
  switch (type.kind) {
    case 'int':
    case 'float':
      return type.name;
    case 'list':
      return ['list', typeTerm(type.element, options)];
    case 'map':
      return ['map', typeTerm(type.key, options), typeTerm(type.value, options)];
    case 'tuple':
      return ['tuple', ...type.elements.map((e) => typeTerm(e, options))];
    case 'ref':
      return options.refs === 'plain' ? type.target.slice(type.target.lastIndexOf('.') + 1) : type.target;
    default:
      return type.kind;
  }
}

/** Prints a term as a schema writes it: `map<string, list<int32>>`. */
export function printTypeTerm(term: TypeTerm): string {
  if (typeof term === 'string') return term;
  const [constructor, ...args] = term;
  return `${constructor}<${args.map(printTypeTerm).join(', ')}>`;
}

/** Prints a model type as a schema writes it. */
export function printType(type: TypeRef, options: PrintTypeOptions = {}): string {
  return printTypeTerm(typeTerm(type, options));
}
