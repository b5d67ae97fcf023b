/**
 * The checker: resolves names and types across the loaded files, applies the
 * language rules, and builds the deeply frozen {@link SchemaModel}. It
 * reports through diagnostics and never throws for a schema mistake; when an
 * error is reported the model is not returned (placeholders such as `any`
 * stand in for broken types so checking can go on and report more).
 */
import path from 'node:path';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DiagnosticCode, DiagnosticParams } from '../diagnostics/messages.ts';
import {
  MODEL_FORMAT_VERSION,
  type CallbackParam,
  type Declaration,
  type EnumMember,
  type Field,
  type MethodResult,
  type ModelValue,
  type Param,
  type SchemaFile,
  type SchemaModel,
  type ServiceMember,
  type SourceLocation,
  type TypeRef,
  type ValueParam,
} from '../model/model.ts';
import { toPortableRelative } from '../source/read-files.ts';
import type { TextRange } from '../source/source-file.ts';
import type { EnumNode, FieldNode, Identifier, MemberNode, ServiceNode, StructNode, TypeNode } from '../syntax/ast.ts';
import { resolveNames, type DeclSymbol, type NameTable, type MemberReference, type NameReference } from './resolve-names.ts';
import { readAttributes, type AttributeTarget, type AttributeValues } from './attributes.ts';
import { enumValueRange } from './builtins.ts';
import { placeholder, resolveType, type ResolvedType, type TypePosition, type TypeScope } from './resolve-type.ts';
import type { LoadedFile } from '../source/load-files.ts';
import { createTsNameScope, type TsNameScope, type TsNameStyle } from '../emit/names.ts';
import { createUniqueNames, type UniqueNames } from './unique-names.ts';
import { suggestEnumValues } from './enum-values.ts';
import { checkValue, type FieldShape, type ValueContext } from './values.ts';

/** Options for {@link checkFiles}. */
export interface CheckOptions {
  /** Files allowed to declare `#`-namespaces (the system schema). */
  readonly isSystemFile: (file: LoadedFile) => boolean;
}


interface ResolvedField extends FieldShape {
  readonly model: Field;
}

/** Checks loaded files and builds the model. `baseDir` anchors the model's relative paths. */
/** What {@link checkFiles} returns. */
export interface CheckResult {
  readonly model: SchemaModel;
  readonly diagnostics: Diagnostic[];
  /** Every name that resolved to a declaration, in the order met (for editors: definitions, references, rename). */
  readonly references: readonly NameReference[];
  /** Every use of an enum member or field in a value, each place once (for editors). */
  readonly memberReferences: readonly MemberReference[];
}

export function checkFiles(files: readonly LoadedFile[], baseDir: string, options: CheckOptions): CheckResult {
  return new Checker(files, baseDir, options).run();
}

class Checker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly files: readonly LoadedFile[];
  private readonly baseDir: string;
  private readonly options: CheckOptions;
  private readonly names: NameTable;
  private readonly fieldCache = new Map<string, ResolvedField[]>();
  private readonly enumCache = new Map<string, EnumMember[]>();
  private readonly constCache = new Map<string, { type: TypeRef; value: ModelValue } | undefined>();
  private readonly constInProgress = new Set<string>();
  /** Member uses by file and offset: a value may be checked more than once. */
  private readonly memberUses = new Map<string, MemberReference>();
  private readonly relativePaths = new Map<LoadedFile, string>();
  private readonly typeScopes = new Map<LoadedFile, TypeScope>();
  /** The declaration being checked: references to itself don't warn about deprecation. */
  private current: DeclSymbol | undefined;

  constructor(files: readonly LoadedFile[], baseDir: string, options: CheckOptions) {
    this.files = files;
    this.baseDir = baseDir;
    this.options = options;
    this.names = resolveNames(files, (code, file, range, params) => this.report(code, file, range, params));
  }

  run(): CheckResult {
    const declarations = new Map<string, Declaration>();
    const schemaFiles: SchemaFile[] = [];
    for (const file of this.files) {
      const names: string[] = [];
      const tsNames = createTsNameScope('type');
      for (const statement of file.ast.statements) {
        if (statement.kind === 'package' || statement.kind === 'import') {
          this.attributes(file, statement.attributes, statement.kind);
          continue;
        }
        const symbol = this.names.symbols.get(this.names.qualify(file, statement.name.text));
        if (symbol === undefined || symbol.node !== statement) continue;
        this.current = symbol;
        const declaration = this.declaration(symbol, tsNames);
        this.current = undefined;
        declarations.set(symbol.qualifiedName, declaration);
        names.push(symbol.qualifiedName);
      }
      const packageDoc = file.ast.statements.find((s) => s.kind === 'package')?.doc;
      schemaFiles.push({
        path: this.relativePath(file),
        package: file.packageName,
        ...(packageDoc === undefined ? {} : { doc: packageDoc }),
        imports: file.imports.map((i) => this.relativePath(i.file)),
        declarations: names,
        entry: file.entry,
        system: this.options.isSystemFile(file),
      });
    }
    const sorted = Object.fromEntries([...declarations.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const model: SchemaModel = { formatVersion: MODEL_FORMAT_VERSION, files: schemaFiles, declarations: sorted };
    return { model: deepFreeze(model), diagnostics: this.diagnostics, references: this.names.references(), memberReferences: [...this.memberUses.values()] };
  }

  // ---- declarations ----

  private declaration(symbol: DeclSymbol, tsNames: TsNameScope): Declaration {
    const { node, file } = symbol;
    const attrs = this.attributes(file, node.attributes, node.kind);
    const base = {
      name: node.name.text,
      tsName: this.tsName(tsNames, file, node.name, node.kind === 'const' ? 'constant' : undefined),
      ...this.docAndDeprecation(node.doc, attrs),
      location: this.location(file, node.name.range),
      qualifiedName: symbol.qualifiedName,
      package: file.packageName,
    };
    switch (node.kind) {
      case 'const': {
        const constant = this.constValue(symbol);
        return { kind: 'const', ...base, type: constant?.type ?? placeholder, value: constant?.value ?? null };
      }
      case 'enum':
        return { kind: 'enum', ...base, members: this.enumMembers(symbol) };
      case 'struct':
      case 'error': {
        const fields = this.resolvedFields(symbol).map((f) => f.model);
        return node.kind === 'struct' ? { kind: 'struct', ...base, fields } : { kind: 'error', ...base, fields };
      }
      case 'union': {
        const variants: { type: string; tag: string }[] = [];
        const seen = this.uniqueNames(file, 'union member');
        const tags = this.uniqueNames(file, 'union member tag');
        for (const member of node.members) {
          const target = this.names.lookup(file, member);
          if (target === undefined) {
            this.report('unknown-type', file, member.range, { name: member.text });
            continue;
          }
          if (target.node.kind !== 'struct') {
            this.report('union-member-not-struct', file, member.range, { name: member.text });
            continue;
          }
          if (seen.add(target.qualifiedName, member.range) !== 'ok') continue;
          this.warnIfDeprecated(file, target, member.range);
          tags.add(target.node.name.text, member.range);
          variants.push({ type: target.qualifiedName, tag: target.node.name.text });
        }
        return { kind: 'union', ...base, variants };
      }
      case 'service':
        return this.service(file, node, attrs, base);
    }
  }

  private service(file: LoadedFile, node: ServiceNode, attrs: AttributeValues, base: Omit<Extract<Declaration, { kind: 'service' }>, 'kind' | 'namespace' | 'members' | 'auth'>): Declaration {
    const tsNames = createTsNameScope('member');
    const members: ServiceMember[] = [];
    const unique = this.uniqueNames(file, 'member');
    for (const member of node.members) {
      const target: AttributeTarget = member.kind === 'method' ? 'call' : member.kind;
      const memberAttrs = this.attributes(file, member.attributes, target);
      const name = member.name.text;
      const wireName = memberAttrs.wire ?? name;
      unique.add(name, member.name.range, wireName);
      const auth = memberAttrs.auth ?? attrs.auth;
      const common = {
        name,
        tsName: this.tsName(tsNames, file, member.name),
        ...this.docAndDeprecation(member.doc, memberAttrs),
        location: this.location(file, member.name.range),
        wireName,
        ...(auth === undefined ? {} : { auth }),
      };
      members.push(this.member(file, member, common));
    }
    return {
      kind: 'service',
      ...base,
      namespace: attrs.namespace?.value ?? node.name.text,
      ...(attrs.auth === undefined ? {} : { auth: attrs.auth }),
      members,
    };
  }

  private member(file: LoadedFile, member: MemberNode, common: Omit<ServiceMember, 'kind' | 'params' | 'result' | 'throws' | 'type'>): ServiceMember {
    switch (member.kind) {
      case 'topic': {
        const resolved = this.resolveType(file, member.type, 'topic');
        return { kind: 'topic', ...common, type: resolved.kind === 'type' ? resolved.type : placeholder };
      }
      case 'notify':
        return { kind: 'notify', ...common, params: this.params(file, member.params, 'notify-param') as ValueParam[] };
      case 'method': {
        const params = this.params(file, member.params, 'param');
        let result: MethodResult = { kind: 'value', type: { kind: 'void' } };
        if (member.result !== undefined) {
          const resolved = this.resolveType(file, member.result, 'result');
          result = resolved.kind === 'stream' ? { kind: 'stream', item: resolved.item } : { kind: 'value', type: resolved.kind === 'type' ? resolved.type : placeholder };
        }
        const throws: string[] = [];
        for (const name of member.throws) {
          const target = this.names.lookup(file, name);
          if (target === undefined) this.report('unknown-type', file, name.range, { name: name.text });
          else if (target.node.kind !== 'error') this.report('throws-not-error', file, name.range, { name: name.text });
          else {
            this.warnIfDeprecated(file, target, name.range);
            if (!throws.includes(target.qualifiedName)) throws.push(target.qualifiedName);
          }
        }
        return { kind: 'call', ...common, params, result, throws };
      }
    }
  }

  /** Params of a call, notify or callback: names unique, wire names unique, types placed legally. */
  private params(file: LoadedFile, nodes: readonly FieldNode[], position: 'param' | 'notify-param' | 'callback-param'): Param[] {
    const tsNames = createTsNameScope('member');
    const unique = this.uniqueNames(file, 'param');
    const params: Param[] = [];
    for (const node of nodes) {
      const attrs = this.attributes(file, node.attributes, 'param');
      const name = node.name.text;
      const wireName = attrs.wire ?? name;
      unique.add(name, node.name.range, wireName);
      const common = {
        name,
        tsName: this.tsName(tsNames, file, node.name),
        ...this.docAndDeprecation(node.doc, attrs),
        location: this.location(file, node.name.range),
        wireName,
        optional: node.optional,
      };
      const resolved = this.resolveType(file, node.type, position);
      if (resolved.kind !== 'type' && node.default !== undefined) {
        this.report('value-type-mismatch', file, node.default.range, { messageId: 'no-default', expected: resolved.kind, kind: resolved.kind });
      }
      if (resolved.kind === 'stream') params.push({ kind: 'stream', ...common, item: resolved.item });
      else if (resolved.kind === 'callback') params.push({ kind: 'callback', ...common, params: resolved.params, result: resolved.result } satisfies CallbackParam);
      else {
        const value = node.default === undefined ? undefined : this.value(file, resolved.type, node.default, node.optional);
        params.push({ kind: 'value', ...common, type: resolved.type, ...(value === undefined ? {} : { default: value }) });
      }
    }
    return params;
  }

  /** A struct's or error's fields, resolved once (value checking of other declarations needs them too). */
  private resolvedFields(symbol: DeclSymbol): ResolvedField[] {
    const cached = this.fieldCache.get(symbol.qualifiedName);
    if (cached !== undefined) return cached;
    const fields: ResolvedField[] = [];
    this.fieldCache.set(symbol.qualifiedName, fields);
    const node = symbol.node as StructNode;
    const file = symbol.file;
    const tsNames = createTsNameScope('member');
    const unique = this.uniqueNames(file, 'field');
    const pendingDefaults: { field: FieldNode; index: number }[] = [];
    for (const field of node.fields) {
      const attrs = this.attributes(file, field.attributes, 'field');
      const name = field.name.text;
      const wireName = attrs.wire ?? name;
      if (unique.add(name, field.name.range, wireName) === 'duplicate') continue;
      const previous = this.current;
      this.current = symbol;
      const resolved = this.resolveType(file, field.type, 'field');
      this.current = previous;
      const type = resolved.kind === 'type' ? resolved.type : placeholder;
      const model: Field = {
        name,
        tsName: this.tsName(tsNames, file, field.name),
        ...this.docAndDeprecation(field.doc, attrs),
        location: this.location(file, field.name.range),
        wireName,
        type,
        optional: field.optional,
      };
      if (field.default !== undefined) pendingDefaults.push({ field, index: fields.length });
      fields.push({ name, wireName, type, omittable: field.optional || field.default !== undefined, model });
    }
    // Defaults last: a default may be a literal of this very struct's type.
    for (const { field, index } of pendingDefaults) {
      const entry = fields[index];
      if (entry === undefined || field.default === undefined) continue;
      const value = this.value(file, entry.type, field.default, field.optional);
      if (value !== undefined) fields[index] = { ...entry, model: { ...entry.model, default: value } };
    }
    return fields;
  }

  private enumMembers(symbol: DeclSymbol): EnumMember[] {
    const cached = this.enumCache.get(symbol.qualifiedName);
    if (cached !== undefined) return cached;
    const node = symbol.node as EnumNode;
    const file = symbol.file;
    const members: EnumMember[] = [];
    this.enumCache.set(symbol.qualifiedName, members);
    const tsNames = createTsNameScope('enum-member');
    const byValue = new Map<number, string>();
    const unique = this.uniqueNames(file, 'enum member');
    const suggested = suggestEnumValues(node.members.map((m) => (m.value?.kind === 'integer' && m.value.value >= enumValueRange.min && m.value.value <= enumValueRange.max ? Number(m.value.value) : undefined)));
    for (const [index, member] of node.members.entries()) {
      const attrs = this.attributes(file, member.attributes, 'enum member');
      const name = member.name.text;
      if (unique.add(name, member.name.range) !== 'ok') continue;
      if (member.value === undefined) {
        this.report('enum-value-required', file, member.name.range, { name, value: suggested.get(index) ?? 1 });
        continue;
      }
      if (member.value.kind !== 'integer') {
        this.report('value-type-mismatch', file, member.value.range, { messageId: 'enum-value-not-integer', expected: 'int32' });
        continue;
      }
      const raw = member.value.value;
      if (raw < enumValueRange.min || raw > enumValueRange.max) {
        this.report('int-out-of-range', file, member.value.range, { value: member.value.text, type: 'an enum value', min: enumValueRange.min.toString(), max: enumValueRange.max.toString() });
        continue;
      }
      const value = Number(raw);
      const other = byValue.get(value);
      if (other !== undefined) {
        this.report('duplicate-enum-value', file, member.value.range, { value: String(value), other });
        continue;
      }
      byValue.set(value, name);
      members.push({
        name,
        tsName: this.tsName(tsNames, file, member.name),
        ...this.docAndDeprecation(member.doc, attrs),
        location: this.location(file, member.name.range),
        value,
      });
    }
    return members;
  }

  private constValue(symbol: DeclSymbol): { type: TypeRef; value: ModelValue } | undefined {
    if (this.constCache.has(symbol.qualifiedName)) return this.constCache.get(symbol.qualifiedName);
    if (symbol.node.kind !== 'const') return undefined;
    const node = symbol.node;
    if (this.constInProgress.has(symbol.qualifiedName)) {
      this.report('const-cycle', symbol.file, node.value.range, { name: node.name.text });
      return undefined;
    }
    this.constInProgress.add(symbol.qualifiedName);
    const previous = this.current;
    this.current = symbol;
    const resolved = this.resolveType(symbol.file, node.type, 'const');
    const value = resolved.kind === 'type' ? this.value(symbol.file, resolved.type, node.value, false) : undefined;
    this.current = previous;
    this.constInProgress.delete(symbol.qualifiedName);
    const result = resolved.kind === 'type' && value !== undefined ? { type: resolved.type, value } : undefined;
    this.constCache.set(symbol.qualifiedName, result);
    return result;
  }

  // ---- types and values ----

  private resolveType(file: LoadedFile, node: TypeNode, position: TypePosition): ResolvedType {
    let scope = this.typeScopes.get(file);
    if (scope === undefined) {
      scope = {
        lookup: (name) => this.names.lookup(file, name),
        report: (code, range, ...params) => this.report(code, file, range, ...params),
        warnIfDeprecated: (symbol, range) => this.warnIfDeprecated(file, symbol, range),
        callbackParams: (nodes) => this.params(file, nodes, 'callback-param') as ValueParam[],
      };
      this.typeScopes.set(file, scope);
    }
    return resolveType(scope, node, position);
  }

  private value(file: LoadedFile, type: TypeRef, node: Parameters<typeof checkValue>[1], nullable: boolean): ModelValue | undefined {
    // A broken type already has its diagnostic; checking a value against the placeholder would only add noise.
    if (type === placeholder) return undefined;
    return checkValue(type, node, nullable, this.valueContext(file));
  }

  private valueContext(file: LoadedFile): ValueContext {
    return {
      source: file.source,
      report: (d) => this.diagnostics.push(d),
      fieldsOf: (target) => {
        const symbol = this.names.symbols.get(target);
        return symbol === undefined ? undefined : this.resolvedFields(symbol);
      },
      enumMembersOf: (target) => {
        const symbol = this.names.symbols.get(target);
        return symbol === undefined ? undefined : this.enumMembers(symbol);
      },
      resolveDeclaration: (name) => {
        const symbol = this.names.lookup(file, name);
        return symbol && { qualifiedName: symbol.qualifiedName, kind: symbol.node.kind };
      },
      useMember: (owner, member, range) => {
        this.memberUses.set(`${file.source.absolutePath}\u0000${range.start}`, { file, range, owner, member });
      },
      resolveConst: (name) => {
        const symbol = this.names.lookup(file, name);
        if (symbol === undefined || symbol.node.kind !== 'const') return undefined;
        this.warnIfDeprecated(file, symbol, name.range);
        return this.constValue(symbol);
      },
    };
  }

  // ---- helpers ----

  private attributes(file: LoadedFile, attributes: Parameters<typeof readAttributes>[0], target: AttributeTarget): AttributeValues {
    return readAttributes(attributes, target, file.source, this.options.isSystemFile(file), (d) => this.diagnostics.push(d));
  }

  private docAndDeprecation(doc: string | undefined, attrs: AttributeValues): { doc?: string; deprecated?: string } {
    return { ...(doc === undefined ? {} : { doc }), ...(attrs.deprecated === undefined ? {} : { deprecated: attrs.deprecated }) };
  }

  private tsName(scope: TsNameScope, file: LoadedFile, name: Identifier, style?: TsNameStyle): string {
    const allocated = scope.allocate(name.text, style);
    // The same name twice is already a duplicate-name error; only distinct names that collide warn.
    if (allocated.clashedWith !== undefined && allocated.clashedWith !== name.text) {
      this.report('ts-name-clash', file, name.range, { name: name.text, tsName: allocated.wanted, other: allocated.clashedWith, renamed: allocated.tsName });
    }
    return allocated.tsName;
  }

  private warnIfDeprecated(file: LoadedFile, symbol: DeclSymbol, range: TextRange): void {
    if (symbol.deprecated === undefined || symbol === this.current) return;
    this.report('deprecated-reference', file, range, { name: symbol.qualifiedName, reason: symbol.deprecated });
  }

  private uniqueNames(file: LoadedFile, kind: string): UniqueNames {
    return createUniqueNames(kind, (code, range, params) => this.report(code, file, range, params));
  }

  private location(file: LoadedFile, range: TextRange): SourceLocation {
    const { line, column } = file.source.positionAt(range.start);
    return { file: this.relativePath(file), line, column };
  }

  private relativePath(file: LoadedFile): string {
    // Asked for every located model element: computed once per file.
    let relative = this.relativePaths.get(file);
    if (relative === undefined) {
      relative = toPortableRelative(this.baseDir, file.source.absolutePath) || path.basename(file.source.absolutePath);
      this.relativePaths.set(file, relative);
    }
    return relative;
  }

  private report<C extends DiagnosticCode>(code: C, file: LoadedFile, range: TextRange, ...params: keyof DiagnosticParams<C> extends never ? [] : [DiagnosticParams<C>]): void {
    const create = createDiagnostic as (code: C, target: { source: LoadedFile['source']; range: TextRange }, params?: DiagnosticParams<C>) => Diagnostic;
    this.diagnostics.push(create(code, { source: file.source, range }, params[0]));
  }
}

/** Freezes a value and everything reachable from it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
