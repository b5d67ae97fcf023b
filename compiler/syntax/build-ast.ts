/**
 * CST → AST. Reads the chevrotain CST defensively (after error recovery any
 * child may be missing), decodes literals (string escapes, `0x`/`_`
 * integers), attaches `///` doc comments and reports separator and literal
 * diagnostics. Never throws.
 */
import type { CstNode, IToken } from './chevrotain.ts';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SourceFile, TextRange } from '../source/source-file.ts';
import { decodeString, docLineText, floatValue, integerValue } from './literals.ts';
import type {
  AttributeNode,
  EnumMemberNode,
  FieldNode,
  Identifier,
  MemberNode,
  ObjectEntryNode,
  QualifiedName,
  SchemaFileNode,
  StatementNode,
  TypeNode,
  ValueNode,
} from './ast.ts';

type CstChild = CstNode | IToken;

function isToken(child: CstChild | undefined): child is IToken {
  // CST nodes have a `name`, tokens an `image`; a property read is cheaper than `in`.
  return child !== undefined && (child as Partial<IToken>).image !== undefined;
}

/** A token that really is in the text (recovery may insert virtual ones). */
function realToken(child: CstChild | undefined): IToken | undefined {
  return isToken(child) && child.isInsertedInRecovery !== true && Number.isFinite(child.startOffset) ? child : undefined;
}

function nodes(node: CstNode, label: string): CstNode[] {
  return (node.children[label] ?? []).filter((c): c is CstNode => !isToken(c));
}

function node(node: CstNode, label: string): CstNode | undefined {
  // Hot path: a loop instead of nodes()[0] keeps build-ast from allocating per lookup.
  const children = node.children[label];
  if (children === undefined) return undefined;
  for (const child of children) if (!isToken(child)) return child;
  return undefined;
}

function tokens(node: CstNode, label: string): IToken[] {
  return (node.children[label] ?? []).map(realToken).filter((t): t is IToken => t !== undefined);
}

function token(node: CstNode, label: string): IToken | undefined {
  const children = node.children[label];
  if (children === undefined) return undefined;
  for (const child of children) {
    const real = realToken(child);
    if (real !== undefined) return real;
  }
  return undefined;
}

function tokenRange(t: IToken): TextRange {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/**
 * The range of a CST node. chevrotain's node location is exact unless error
 * recovery touched the node; only then walk its real tokens.
 */
function cstRange(n: CstNode): TextRange | undefined {
  const location = n.location;
  if (n.recoveredNode !== true && location !== undefined && Number.isFinite(location.startOffset) && Number.isFinite(location.endOffset ?? NaN)) {
    return { start: location.startOffset, end: (location.endOffset ?? location.startOffset) + 1 };
  }
  let start = Infinity;
  let end = -Infinity;
  const visit = (c: CstNode): void => {
    for (const children of Object.values(c.children)) {
      for (const child of children) {
        if (isToken(child)) {
          const t = realToken(child);
          if (t === undefined) continue;
          start = Math.min(start, t.startOffset);
          end = Math.max(end, t.startOffset + t.image.length);
        } else visit(child);
      }
    }
  };
  visit(n);
  return Number.isFinite(start) ? { start, end } : undefined;
}

/** Converts the parser's CSTs for one file into its AST. */
export function buildAst(source: SourceFile, csts: readonly CstNode[], parserTokens: readonly IToken[], docComments: readonly IToken[]): { ast: SchemaFileNode; diagnostics: Diagnostic[] } {
  const builder = new AstBuilder(source, parserTokens, docComments);
  const statements: StatementNode[] = [];
  for (const cst of csts) {
    for (const statement of nodes(cst, 'statements')) {
      const built = builder.statement(statement);
      if (built !== undefined) statements.push(built);
    }
  }
  return { ast: { statements }, diagnostics: builder.diagnostics };
}

class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  /** Doc comment text keyed by the offset of the token it documents. */
  private readonly docsByOffset = new Map<number, string[]>();

  private readonly source: SourceFile;

  constructor(source: SourceFile, parserTokens: readonly IToken[], docComments: readonly IToken[]) {
    this.source = source;
    let next = 0;
    for (const doc of docComments) {
      while (next < parserTokens.length && (parserTokens[next]?.startOffset ?? 0) < doc.startOffset) next++;
      const target = parserTokens[next];
      if (target === undefined) break;
      const lines = this.docsByOffset.get(target.startOffset) ?? [];
      lines.push(docLineText(doc.image));
      this.docsByOffset.set(target.startOffset, lines);
    }
  }

  private docAt(range: TextRange): string | undefined {
    return this.docsByOffset.get(range.start)?.join('\n');
  }

  statement(cst: CstNode): StatementNode | undefined {
    const declaration = node(cst, 'declaration');
    const range = cstRange(cst);
    if (declaration === undefined || range === undefined) return undefined;
    const attributes = nodes(cst, 'attributes').map((a) => this.attribute(a)).filter((a) => a !== undefined);
    const doc = this.docAt(range);
    const name = this.identifier(token(declaration, 'name'));
    switch (declaration.name) {
      case 'packageDecl': {
        const qualified = this.qualifiedName(node(declaration, 'name'));
        return qualified && { kind: 'package', name: qualified, attributes, doc, range };
      }
      case 'importDecl': {
        const pathToken = token(declaration, 'path');
        if (pathToken === undefined) return undefined;
        return { kind: 'import', path: this.stringValue(pathToken), pathRange: tokenRange(pathToken), attributes, doc, range };
      }
      case 'constDecl': {
        const type = this.type(node(declaration, 'type'));
        const value = this.value(node(declaration, 'value'));
        return name && type && value && { kind: 'const', name, type, value, attributes, doc, range };
      }
      case 'enumDecl': {
        const members = nodes(declaration, 'members').map((m) => this.enumMember(m)).filter((m) => m !== undefined);
        this.checkSeparators(members, this.separatorOffsets(declaration), 'enum members');
        return name && { kind: 'enum', name, members, attributes, doc, range };
      }
      case 'structDecl':
      case 'errorDecl': {
        const fields = this.fieldBlock(node(declaration, 'body'));
        return name && { kind: declaration.name === 'structDecl' ? 'struct' : 'error', name, fields, attributes, doc, range };
      }
      case 'unionDecl': {
        const members = nodes(declaration, 'members').map((m) => this.qualifiedName(m)).filter((m) => m !== undefined);
        return name && { kind: 'union', name, members, attributes, doc, range };
      }
      case 'serviceDecl': {
        const members = nodes(declaration, 'members').map((m) => this.member(m)).filter((m) => m !== undefined);
        this.checkSeparators(members, this.separatorOffsets(declaration), 'service members');
        return name && { kind: 'service', name, members, attributes, doc, range };
      }
      default:
        return undefined;
    }
  }

  private member(cst: CstNode): MemberNode | undefined {
    const range = cstRange(cst);
    const name = this.identifier(token(cst, 'name'));
    if (range === undefined || name === undefined) return undefined;
    const attributes = nodes(cst, 'attributes').map((a) => this.attribute(a)).filter((a) => a !== undefined);
    const doc = this.docAt(range);
    if (token(cst, 'notify') !== undefined) {
      return { kind: 'notify', name, params: this.paramList(node(cst, 'params')), attributes, doc, range };
    }
    if (token(cst, 'topic') !== undefined) {
      const type = this.type(node(cst, 'type'));
      return type && { kind: 'topic', name, type, attributes, doc, range };
    }
    const resultCst = node(cst, 'result');
    const result = resultCst === undefined ? undefined : this.type(resultCst);
    if (resultCst !== undefined && result === undefined) return undefined;
    const throws = nodes(cst, 'errors').map((e) => this.qualifiedName(e)).filter((e) => e !== undefined);
    return { kind: 'method', name, params: this.paramList(node(cst, 'params')), result, throws, attributes, doc, range };
  }

  private paramList(cst: CstNode | undefined): FieldNode[] {
    if (cst === undefined) return [];
    const params = nodes(cst, 'params').map((p) => this.field(p)).filter((p) => p !== undefined);
    this.checkSeparators(params, tokens(cst, 'separators').map((t) => t.startOffset), 'params');
    return params;
  }

  private fieldBlock(cst: CstNode | undefined): FieldNode[] {
    if (cst === undefined) return [];
    const fields = nodes(cst, 'fields').map((f) => this.field(f)).filter((f) => f !== undefined);
    this.checkSeparators(fields, this.separatorOffsets(cst), 'fields');
    return fields;
  }

  private field(cst: CstNode): FieldNode | undefined {
    const range = cstRange(cst);
    const name = this.identifier(token(cst, 'name'));
    const type = this.type(node(cst, 'type'));
    if (range === undefined || name === undefined || type === undefined) return undefined;
    const defaultCst = node(cst, 'default');
    return {
      name,
      optional: token(cst, 'optional') !== undefined,
      type,
      default: defaultCst === undefined ? undefined : this.value(defaultCst),
      attributes: nodes(cst, 'attributes').map((a) => this.attribute(a)).filter((a) => a !== undefined),
      doc: this.docAt(range),
      range,
    };
  }

  private enumMember(cst: CstNode): EnumMemberNode | undefined {
    const range = cstRange(cst);
    const name = this.identifier(token(cst, 'name'));
    if (range === undefined || name === undefined) return undefined;
    const valueCst = node(cst, 'value');
    return {
      name,
      value: valueCst === undefined ? undefined : this.value(valueCst),
      attributes: nodes(cst, 'attributes').map((a) => this.attribute(a)).filter((a) => a !== undefined),
      doc: this.docAt(range),
      range,
    };
  }

  private attribute(cst: CstNode): AttributeNode | undefined {
    const range = cstRange(cst);
    const name = this.identifier(token(cst, 'name'));
    if (range === undefined || name === undefined) return undefined;
    const args = nodes(cst, 'args').map((a) => this.value(a)).filter((a) => a !== undefined);
    this.checkSeparators(args, tokens(cst, 'separators').map((t) => t.startOffset), 'arguments', true);
    return { name, args, range };
  }

  private type(cst: CstNode | undefined): TypeNode | undefined {
    if (cst === undefined) return undefined;
    const range = cstRange(cst);
    const name = this.qualifiedName(node(cst, 'name'));
    if (range === undefined || name === undefined) return undefined;
    const params = node(cst, 'params');
    if (params !== undefined) {
      const resultCst = node(cst, 'result');
      return { kind: 'callback', name, params: this.paramList(params), result: resultCst === undefined ? undefined : this.type(resultCst), range };
    }
    const hasArgs = (cst.children['LAngle'] ?? []).length > 0;
    const args = nodes(cst, 'args').map((a) => this.type(a)).filter((a) => a !== undefined);
    if (hasArgs) this.checkSeparators(args, tokens(cst, 'separators').map((t) => t.startOffset), 'type arguments', true);
    return { kind: 'named', name, args: hasArgs ? args : undefined, range };
  }

  private value(cst: CstNode | undefined): ValueNode | undefined {
    if (cst === undefined) return undefined;
    const range = cstRange(cst);
    if (range === undefined) return undefined;
    const stringToken = token(cst, 'string');
    if (stringToken !== undefined) return { kind: 'string', value: this.stringValue(stringToken), range };
    const integerToken = token(cst, 'integer');
    if (integerToken !== undefined) {
      const value = this.integerValue(integerToken);
      return value === undefined ? undefined : { kind: 'integer', value, text: integerToken.image, range };
    }
    const floatToken = token(cst, 'float');
    if (floatToken !== undefined) {
      const text = floatToken.image;
      const value = floatValue(text);
      if (value === undefined) {
        this.diagnostics.push(createDiagnostic('invalid-number', { source: this.source, range }, { text }));
        return undefined;
      }
      return { kind: 'float', value, text, range };
    }
    if (token(cst, 'list') !== undefined) {
      const items = nodes(cst, 'items').map((i) => this.value(i)).filter((i) => i !== undefined);
      this.checkSeparators(items, tokens(cst, 'separators').map((t) => t.startOffset), 'list items', true);
      return { kind: 'list', items, range };
    }
    if (token(cst, 'object') !== undefined) {
      const entries = nodes(cst, 'entries').map((e) => this.objectEntry(e)).filter((e) => e !== undefined);
      this.checkSeparators(entries, tokens(cst, 'separators').map((t) => t.startOffset), 'object entries', true);
      return { kind: 'object', entries, range };
    }
    const reference = this.qualifiedName(node(cst, 'reference'));
    if (reference === undefined) return undefined;
    if (reference.parts.length === 1) {
      if (reference.text === 'true' || reference.text === 'false') return { kind: 'bool', value: reference.text === 'true', range };
      if (reference.text === 'null') return { kind: 'null', range };
    }
    return { kind: 'reference', name: reference, range };
  }

  private objectEntry(cst: CstNode): ObjectEntryNode | undefined {
    const range = cstRange(cst);
    const keyCst = node(cst, 'key');
    const value = this.value(node(cst, 'value'));
    if (range === undefined || keyCst === undefined || value === undefined) return undefined;
    const nameToken = token(keyCst, 'name') ?? token(keyCst, 'integer');
    const stringToken = token(keyCst, 'string');
    let key: Identifier | undefined;
    if (nameToken !== undefined) {
      // Integer keys are normalised to decimal, the way map keys travel on the wire.
      const integer = nameToken.tokenType.name === 'IntegerLiteral' ? this.integerValue(nameToken) : undefined;
      key = { text: integer === undefined ? nameToken.image : integer.toString(), range: tokenRange(nameToken) };
    } else if (stringToken !== undefined) key = { text: this.stringValue(stringToken), range: tokenRange(stringToken) };
    return key && { key, value, range };
  }

  private identifier(t: IToken | undefined): Identifier | undefined {
    return t && { text: t.image, range: tokenRange(t) };
  }

  private qualifiedName(cst: CstNode | undefined): QualifiedName | undefined {
    if (cst === undefined) return undefined;
    const parts = tokens(cst, 'parts').map((t) => ({ text: t.image, range: tokenRange(t) }));
    const first = parts[0];
    const last = parts.at(-1);
    if (first === undefined || last === undefined) return undefined;
    return { parts, text: parts.map((p) => p.text).join('.'), range: { start: first.range.start, end: last.range.end } };
  }

  /** Offsets of `,`/`;` separators in a block (they are `separator` subrules). */
  private separatorOffsets(cst: CstNode): number[] {
    return nodes(cst, 'separators')
      .map((s) => cstRange(s)?.start)
      .filter((o) => o !== undefined);
  }

  /**
   * Items need a separator or a line break between them; with `commaOnly`,
   * (lists, arguments) a line break alone is not enough.
   */
  private checkSeparators(items: readonly { range: TextRange }[], separators: readonly number[], what: string, commaOnly = false): void {
    // Items and separators are both in source order: one forward walk, linear in both.
    let next = 0;
    for (let i = 1; i < items.length; i++) {
      const previous = items[i - 1];
      const current = items[i];
      if (previous === undefined || current === undefined) continue;
      while (next < separators.length && (separators[next] ?? 0) < previous.range.end) next++;
      if (next < separators.length && (separators[next] ?? 0) < current.range.start) continue;
      if (!commaOnly && this.source.positionAt(previous.range.end).line !== this.source.positionAt(current.range.start).line) continue;
      this.diagnostics.push(createDiagnostic('missing-separator', { source: this.source, range: { start: current.range.start, end: current.range.start + 1 } }, { what }));
    }
  }

  /** Decodes a string literal's JSON escapes; reports invalid ones (and keeps them verbatim). */
  private stringValue(t: IToken): string {
    return decodeString(t.image, (offset, length, escape) => {
      const start = t.startOffset + offset;
      this.diagnostics.push(createDiagnostic('invalid-escape', { source: this.source, range: { start, end: start + length } }, { escape }));
    });
  }

  private integerValue(t: IToken): bigint | undefined {
    const value = integerValue(t.image);
    if (value === undefined) this.diagnostics.push(createDiagnostic('invalid-number', { source: this.source, range: tokenRange(t) }, { text: t.image }));
    return value;
  }
}
