/**
 * Checks a literal (default, const value) against its resolved type and
 * converts it to its wire-form {@link ModelValue}. Diagnostics:
 * value-type-mismatch, int-out-of-range.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DiagnosticParams } from '../diagnostics/messages.ts';
import type { IntType, ModelValue, TypeRef } from '../model/model.ts';
import type { SourceFile, TextRange } from '../source/source-file.ts';
import type { QualifiedName, ValueNode } from '../syntax/ast.ts';
import { printType } from '../model/print-type.ts';

/** A struct or error field as value checking needs it. */
export interface FieldShape {
  readonly name: string;
  readonly wireName: string;
  readonly type: TypeRef;
  /** May be left out of a literal: optional or defaulted. */
  readonly omittable: boolean;
}

/** What value checking asks of the checker. */
export interface ValueContext {
  readonly source: SourceFile;
  report(diagnostic: Diagnostic): void;
  fieldsOf(target: string): readonly FieldShape[] | undefined;
  enumMembersOf(target: string): readonly { readonly name: string; readonly value: number | undefined }[] | undefined;
  /** A reference as a declaration: its qualified name and kind, if it resolves. */
  resolveDeclaration(name: QualifiedName): { readonly qualifiedName: string; readonly kind: string } | undefined;
  /** A reference as a const: its type and checked value, if it resolves to a valid const. */
  resolveConst(name: QualifiedName): { readonly type: TypeRef; readonly value: ModelValue } | undefined;
  /** Records a use of `member` of the declaration `owner` at `range` (editors: references, rename). */
  useMember(owner: string, member: string, range: TextRange): void;
}

const float32Max = 3.4028234663852886e38;

/** A `value-type-mismatch` variant without the expected type (the caller knows it). */
type MismatchVariant = DistributiveOmit<DiagnosticParams<'value-type-mismatch'>, 'expected'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Mismatch = (variant: MismatchVariant) => undefined;

/** Checks `node` against `type`; `nullable` allows `null` (optional fields and params). */
export function checkValue(type: TypeRef, node: ValueNode, nullable: boolean, context: ValueContext): ModelValue | undefined {
  const mismatch: Mismatch = (variant) => {
    context.report(createDiagnostic('value-type-mismatch', { source: context.source, range: node.range }, { ...variant, expected: printType(type) }));
    return undefined;
  };
  if (node.kind === 'null') return nullable || type.kind === 'any' ? null : mismatch({ messageId: 'null-not-allowed' });
  if (node.kind === 'reference') return checkReference(type, node.name, context, mismatch);
  switch (type.kind) {
    case 'any':
      return anyValue(node, context, mismatch);
    case 'bool':
      return node.kind === 'bool' ? node.value : mismatch({ messageId: 'expected-kind', wanted: 'true or false', found: describeNode(node) });
    case 'string':
      return node.kind === 'string' ? node.value : mismatch({ messageId: 'expected-kind', wanted: 'a string', found: describeNode(node) });
    case 'int':
      if (node.kind !== 'integer') return mismatch({ messageId: 'expected-kind', wanted: 'an integer', found: describeNode(node) });
      return intValue(type, node.value, node.text, context, node);
    case 'float':
      if (node.kind !== 'integer' && node.kind !== 'float') return mismatch({ messageId: 'expected-kind', wanted: 'a number', found: describeNode(node) });
      {
        const value = Number(node.value);
        if (!Number.isFinite(value) || (type.name === 'float32' && Math.abs(value) > float32Max)) return mismatch({ messageId: 'does-not-fit', text: node.text, type: type.name });
        return value;
      }
    case 'list': {
      if (node.kind !== 'list') return mismatch({ messageId: 'expected-kind', wanted: 'a list [...]', found: describeNode(node) });
      const items = node.items.map((item) => checkValue(type.element, item, false, context));
      return items.every((i) => i !== undefined) ? (items as ModelValue[]) : undefined;
    }
    case 'tuple': {
      if (node.kind !== 'list') return mismatch({ messageId: 'expected-kind', wanted: `a list [...] of ${type.elements.length} items`, found: describeNode(node) });
      if (node.items.length !== type.elements.length) return mismatch({ messageId: 'item-count', wanted: type.elements.length, found: node.items.length });
      const items = node.items.map((item, i) => checkValue(type.elements[i] as TypeRef, item, false, context));
      return items.every((i) => i !== undefined) ? (items as ModelValue[]) : undefined;
    }
    case 'map': {
      if (node.kind !== 'object') return mismatch({ messageId: 'expected-kind', wanted: 'an object {...}', found: describeNode(node) });
      const result: Record<string, ModelValue> = {};
      let ok = true;
      for (const entry of node.entries) {
        let key = entry.key.text;
        if (type.key.kind === 'int') {
          if (!/^-?[0-9]+$/.test(key)) {
            context.report(createDiagnostic('value-type-mismatch', { source: context.source, range: entry.key.range }, { messageId: 'map-key-not-integer', expected: printType(type.key), key }));
            ok = false;
            continue;
          }
          const checked = intValue(type.key, BigInt(key), key, context, entry.key);
          if (checked === undefined) {
            ok = false;
            continue;
          }
          key = String(checked);
        }
        const value = checkValue(type.value, entry.value, false, context);
        if (value === undefined) ok = false;
        else setEntry(result, key, value);
      }
      return ok ? result : undefined;
    }
    case 'ref':
      return checkDeclared(type, node, context, mismatch);
    case 'bytes':
      return mismatch({ messageId: 'no-literal', what: 'bytes' });
    case 'void':
      return mismatch({ messageId: 'no-literal', what: 'void' });
  }
}

function checkDeclared(type: Extract<TypeRef, { kind: 'ref' }>, node: ValueNode, context: ValueContext, mismatch: Mismatch): ModelValue | undefined {
  if (type.targetKind === 'enum') return mismatch({ messageId: 'expected-kind', wanted: `a member of ${type.target} (e.g. ${lastPart(type.target)}.member)`, found: describeNode(node) });
  if (type.targetKind === 'union') return mismatch({ messageId: 'no-literal', what: 'union' });
  if (node.kind !== 'object') return mismatch({ messageId: 'expected-kind', wanted: 'an object {...}', found: describeNode(node) });
  const fields = context.fieldsOf(type.target);
  if (fields === undefined) return undefined;
  const result: Record<string, ModelValue> = {};
  let ok = true;
  const given = new Set<string>();
  for (const entry of node.entries) {
    const field = fields.find((f) => f.name === entry.key.text);
    if (field === undefined) {
      context.report(createDiagnostic('value-type-mismatch', { source: context.source, range: entry.key.range }, { messageId: 'unknown-field', expected: type.target, field: entry.key.text }));
      ok = false;
      continue;
    }
    given.add(field.name);
    context.useMember(type.target, field.name, entry.key.range);
    const value = checkValue(field.type, entry.value, field.omittable, context);
    if (value === undefined) ok = false;
    else setEntry(result, field.wireName, value);
  }
  const missing = fields.filter((f) => !f.omittable && !given.has(f.name)).map((f) => f.name);
  if (missing.length > 0) return mismatch({ messageId: 'missing-fields', fields: missing });
  return ok ? result : undefined;
}

function checkReference(type: TypeRef, name: QualifiedName, context: ValueContext, mismatch: Mismatch): ModelValue | undefined {
  if (type.kind === 'ref' && type.targetKind === 'enum') {
    const members = context.enumMembersOf(type.target) ?? [];
    const memberName = name.parts.at(-1)?.text ?? '';
    const owner = name.parts.length === 1 ? undefined : context.resolveDeclaration({ ...name, parts: name.parts.slice(0, -1), text: name.parts.slice(0, -1).map((p) => p.text).join('.') });
    if (name.parts.length === 1 || owner?.qualifiedName === type.target) {
      const member = members.find((m) => m.name === memberName);
      if (member !== undefined) {
        const written = name.parts.at(-1);
        if (written !== undefined) context.useMember(type.target, memberName, written.range);
        return member.value;
      }
      if (name.parts.length > 1 || context.resolveConst(name) === undefined) return mismatch({ messageId: 'unknown-member', type: type.target, member: memberName });
    }
  }
  const constant = context.resolveConst(name);
  if (constant === undefined) {
    const declaration = context.resolveDeclaration(name);
    return mismatch(declaration === undefined ? { messageId: 'unknown-value', name: name.text } : { messageId: 'not-a-value', name: name.text, kind: declaration.kind });
  }
  return convertConst(type, constant.type, constant.value, name, context, mismatch);
}

/** A const used as a value: same type, or a compatible number (range-checked). */
function convertConst(expected: TypeRef, actual: TypeRef, value: ModelValue, name: QualifiedName, context: ValueContext, mismatch: Mismatch): ModelValue | undefined {
  if (expected.kind === 'any' || printType(expected) === printType(actual)) return value;
  if (actual.kind === 'int' && (typeof value === 'number' || typeof value === 'string')) {
    if (expected.kind === 'int') return intValue(expected, BigInt(value), name.text, context, name);
    if (expected.kind === 'float') return Number(value);
  }
  return mismatch({ messageId: 'const-type', name: name.text, type: printType(actual) });
}

function intValue(type: IntType, value: bigint, text: string, context: ValueContext, at: { readonly range: { start: number; end: number } }): ModelValue | undefined {
  if (value < BigInt(type.min) || value > BigInt(type.max)) {
    context.report(createDiagnostic('int-out-of-range', { source: context.source, range: at.range }, { value: text, type: type.name, min: type.min, max: type.max }));
    return undefined;
  }
  return type.bigint ? value.toString() : Number(value);
}

function anyValue(node: ValueNode, context: ValueContext, mismatch: Mismatch): ModelValue | undefined {
  switch (node.kind) {
    case 'integer':
      return Number.isSafeInteger(Number(node.value)) ? Number(node.value) : mismatch({ messageId: 'unsafe-integer', text: node.text });
    case 'float':
    case 'string':
    case 'bool':
      return node.value;
    case 'null':
      return null;
    case 'list': {
      const items = node.items.map((item) => anyValue(item, context, mismatch));
      return items.every((i) => i !== undefined) ? (items as ModelValue[]) : undefined;
    }
    case 'object': {
      const result: Record<string, ModelValue> = {};
      for (const entry of node.entries) {
        const value = anyValue(entry.value, context, mismatch);
        if (value === undefined) return undefined;
        setEntry(result, entry.key.text, value);
      }
      return result;
    }
    case 'reference':
      return checkReference({ kind: 'any' }, node.name, context, mismatch);
  }
}

/**
 * Adds an own property even for the key `__proto__`, which a plain
 * assignment would turn into a prototype change (and so lose the entry).
 */
function setEntry(target: Record<string, ModelValue>, key: string, value: ModelValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function describeNode(node: ValueNode): string {
  switch (node.kind) {
    case 'integer':
    case 'float':
      return node.text;
    case 'string':
      return 'a string';
    case 'bool':
      return String(node.value);
    case 'null':
      return 'null';
    case 'list':
      return 'a list';
    case 'object':
      return 'an object';
    case 'reference':
      return `'${node.name.text}'`;
  }
}

function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}
