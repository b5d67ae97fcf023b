/**
 * Type resolution: a written type to a model type, given where it stands
 * (a field, a param, a result...). Placement rules live here: `stream` only
 * as a param or result, `callback` only as a call param, `void` only as a
 * result, and the generic types' arity.
 */
import type { DiagnosticCode, DiagnosticParams } from '../diagnostics/messages.ts';
import type { TypeRef, ValueParam } from '../model/model.ts';
import { printType } from '../model/print-type.ts';
import type { TextRange } from '../source/source-file.ts';
import type { FieldNode, QualifiedName, TypeNode } from '../syntax/ast.ts';
import { genericTypes, scalarTypes } from './builtins.ts';
import type { DeclSymbol } from './resolve-names.ts';

/** Where a type stands; decides whether `stream`, `callback` and `void` are allowed. */
export type TypePosition = 'field' | 'param' | 'notify-param' | 'callback-param' | 'result' | 'callback-result' | 'topic' | 'const' | 'nested';

export type ResolvedType = { readonly kind: 'type'; readonly type: TypeRef } | { readonly kind: 'stream'; readonly item: TypeRef } | { readonly kind: 'callback'; readonly params: ValueParam[]; readonly result: TypeRef };

/** Stands in for a type that did not resolve (already reported), so checking goes on. */
export const placeholder: TypeRef = { kind: 'any' };

/** Reports one diagnostic at `range` in the file being resolved. */
export type ReportAt = <C extends DiagnosticCode>(code: C, range: TextRange, ...params: keyof DiagnosticParams<C> extends never ? [] : [DiagnosticParams<C>]) => void;

/** What resolving needs of the checker, for one file. */
export interface TypeScope {
  lookup(name: QualifiedName): DeclSymbol | undefined;
  report: ReportAt;
  warnIfDeprecated(symbol: DeclSymbol, range: TextRange): void;
  /** A callback type's params (checked like a call's, at `callback-param`). */
  callbackParams(nodes: readonly FieldNode[]): ValueParam[];
}

const wherePosition: Record<TypePosition, string> = {
  field: 'in a struct or error field',
  param: 'here',
  'notify-param': 'in a notify param',
  'callback-param': 'in a callback param',
  result: 'here',
  'callback-result': 'as a callback result',
  topic: 'as a topic type',
  const: 'as a const type',
  nested: 'inside another type',
};

/** Resolves `node` standing at `position`; a broken type reports and resolves to {@link placeholder}. */
export function resolveType(scope: TypeScope, node: TypeNode, position: TypePosition): ResolvedType {
  const fail = (): ResolvedType => ({ kind: 'type', type: placeholder });
  const name = node.name.text;
  if (node.kind === 'callback') {
    if (name !== 'callback') {
      scope.report('invalid-type-arguments', node.range, { messageId: 'not-callback', name });
      return fail();
    }
    if (position !== 'param') {
      scope.report('callback-not-allowed', node.range, { where: position === 'notify-param' ? 'in a notify param (a notify is never answered)' : wherePosition[position] });
      return fail();
    }
    const params = scope.callbackParams(node.params);
    let result: TypeRef = { kind: 'void' };
    if (node.result !== undefined) {
      const resolved = resolveType(scope, node.result, 'callback-result');
      result = resolved.kind === 'type' ? resolved.type : placeholder;
    }
    return { kind: 'callback', params, result };
  }
  if (name === 'callback') {
    scope.report('invalid-type-arguments', node.range, { messageId: 'callback-needs-params' });
    return fail();
  }
  const arity = node.name.parts.length === 1 ? genericTypes.get(name) : undefined;
  const isGeneric = node.name.parts.length === 1 && genericTypes.has(name);
  if (isGeneric) {
    const args = node.args ?? [];
    if (node.args === undefined || (arity !== undefined && args.length !== arity) || args.length === 0) {
      const expected = arity === undefined ? 'one or more type arguments' : arity === 1 ? 'one type argument' : `${arity} type arguments`;
      scope.report('invalid-type-arguments', node.range, { messageId: 'wrong-count', name, expected, example: example(name) });
      return fail();
    }
    if (name === 'stream') {
      if (position !== 'param' && position !== 'result') {
        scope.report('stream-not-allowed', node.range, { where: wherePosition[position] });
        return fail();
      }
      return { kind: 'stream', item: valueType(scope, args[0] as TypeNode) };
    }
    if (name === 'list') return { kind: 'type', type: { kind: 'list', element: valueType(scope, args[0] as TypeNode) } };
    if (name === 'tuple') return { kind: 'type', type: { kind: 'tuple', elements: args.map((a) => valueType(scope, a)) } };
    const key = valueType(scope, args[0] as TypeNode);
    if (key.kind !== 'string' && key.kind !== 'int' && key !== placeholder) scope.report('invalid-map-key', (args[0] as TypeNode).range, { type: printType(key) });
    return { kind: 'type', type: { kind: 'map', key, value: valueType(scope, args[1] as TypeNode) } };
  }
  if (node.args !== undefined) {
    scope.report('invalid-type-arguments', node.range, { messageId: 'no-type-arguments', name });
    return fail();
  }
  const scalar = node.name.parts.length === 1 ? scalarTypes.get(name) : undefined;
  if (scalar !== undefined) {
    if (scalar.kind === 'void' && position !== 'result' && position !== 'callback-result') {
      scope.report('void-not-allowed', node.range);
      return fail();
    }
    return { kind: 'type', type: scalar };
  }
  const symbol = scope.lookup(node.name);
  if (symbol === undefined) {
    scope.report('unknown-type', node.range, { name });
    return fail();
  }
  const kind = symbol.node.kind;
  if (kind === 'service' || kind === 'const') {
    scope.report('not-a-type', node.range, { name, kind });
    return fail();
  }
  scope.warnIfDeprecated(symbol, node.range);
  return { kind: 'type', type: { kind: 'ref', target: symbol.qualifiedName, targetKind: kind } };
}

/** A type nested in another: no stream, callback or void. */
function valueType(scope: TypeScope, node: TypeNode): TypeRef {
  const resolved = resolveType(scope, node, 'nested');
  return resolved.kind === 'type' ? resolved.type : placeholder;
}

function example(name: string): string {
  return name === 'map' ? 'map<string, int32>' : name === 'tuple' ? 'tuple<int32, string>' : `${name}<int32>`;
}
