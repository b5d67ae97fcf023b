/**
 * The fast path of the syntax stage: a hand-written recursive-descent
 * parser over lex-valid.ts's tokens that turns a well-formed file straight
 * into its AST, with no token objects, no CST and no parser self-analysis. It
 * accepts exactly what the chevrotain grammar (parser.ts + build-ast.ts)
 * accepts without a diagnostic, and gives up (`undefined`) at the first
 * thing that would need one; parse.ts then runs the recovering parser,
 * which owns every syntax diagnostic and its wording.
 *
 * Why: on a 2,000-method schema chevrotain's lexer, CST parser and the
 * CST → AST walk took about 0.4 s of a 1.2 s `sparrowc check` (most of it
 * cold code and garbage); this path takes a small fraction of that.
 * test/compiler/parse-valid.test.ts holds the two paths to the same AST on
 * every schema of the repository and on fuzzed variants of them.
 */
import type { SourceFile, TextRange } from '../source/source-file.ts';
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
import { decodeString, floatValue, integerValue } from './literals.ts';
import {
  AT,
  COLON,
  COMMA,
  DOT,
  END,
  EQUALS,
  FLOAT,
  GIVE_UP,
  INTEGER,
  LANGLE,
  LBRACE,
  LBRACKET,
  LPAREN,
  NAME,
  PIPE,
  QUESTION,
  RANGLE,
  RBRACE,
  RBRACKET,
  RPAREN,
  SEMICOLON,
  STRING,
  lexValid,
  type Tokens,
} from './lex-valid.ts';

const isComma = (kind: number): boolean => kind === COMMA;

const STATEMENT_KEYWORDS = new Set(['package', 'import', 'const', 'enum', 'struct', 'error', 'union', 'service']);


/**
 * Parses a well-formed file into its AST; `undefined` when the file has
 * anything the recovering parser would report (a syntax, lexical, literal or
 * separator diagnostic, or nesting deeper than `maxNesting`).
 */
export function parseValidSchema(source: SourceFile, maxNesting: number): SchemaFileNode | undefined {
  try {
    return new ValidParser(source, lexValid(source.text, maxNesting)).file();
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

class ValidParser {
  private readonly source: SourceFile;
  private readonly text: string;
  private readonly kinds: number[];
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly docs: Map<number, string[]>;
  private at = 0;

  constructor(source: SourceFile, tokens: Tokens) {
    this.source = source;
    this.text = source.text;
    ({ kinds: this.kinds, starts: this.starts, ends: this.ends, docs: this.docs } = tokens);
  }

  file(): SchemaFileNode {
    const statements: StatementNode[] = [];
    while (this.kind() !== END) {
      if (this.kind() === SEMICOLON) {
        this.at++;
        continue;
      }
      statements.push(this.statement());
    }
    return { statements };
  }

  // ---- tokens

  private kind(offset = 0): number {
    return this.kinds[this.at + offset] ?? END;
  }

  private image(offset = 0): string {
    const index = this.at + offset;
    return this.text.slice(this.starts[index], this.ends[index]);
  }

  private isWord(word: string, offset = 0): boolean {
    return this.kind(offset) === NAME && this.image(offset) === word;
  }

  /** The end offset of the last token consumed. */
  private lastEnd(): number {
    return this.ends[this.at - 1] ?? 0;
  }

  private start(): number {
    return this.starts[this.at] ?? this.text.length;
  }

  private expect(kind: number): void {
    if (this.kind() !== kind) throw GIVE_UP;
    this.at++;
  }

  private docAt(offset: number): string | undefined {
    return this.docs.get(offset)?.join('\n');
  }

  private name(): Identifier {
    if (this.kind() !== NAME) throw GIVE_UP;
    const range = { start: this.start(), end: this.ends[this.at] ?? 0 };
    const text = this.image();
    this.at++;
    return { text, range };
  }

  private qualifiedName(): QualifiedName {
    const parts = [this.name()];
    while (this.kind() === DOT) {
      this.at++;
      parts.push(this.name());
    }
    const first = parts[0] as Identifier;
    const last = parts[parts.length - 1] as Identifier;
    return { parts, text: parts.length === 1 ? first.text : parts.map((p) => p.text).join('.'), range: { start: first.range.start, end: last.range.end } };
  }

  private stringValue(): { value: string; range: TextRange } {
    if (this.kind() !== STRING) throw GIVE_UP;
    const range = { start: this.start(), end: this.ends[this.at] ?? 0 };
    const value = decodeString(this.image(), () => {
      throw GIVE_UP;
    });
    this.at++;
    return { value, range };
  }

  /**
   * A missing separator between two items is a diagnostic: give up. A line
   * break is enough unless `commaOnly`.
   */
  private separated(previousEnd: number, hadSeparator: boolean, nextStart: number, commaOnly: boolean): void {
    if (hadSeparator) return;
    if (!commaOnly && this.source.positionAt(previousEnd).line !== this.source.positionAt(nextStart).line) return;
    throw GIVE_UP;
  }

  // ---- statements

  private statement(): StatementNode {
    const start = this.start();
    const attributes = this.attributes();
    if (this.kind() !== NAME) throw GIVE_UP;
    const keyword = this.image();
    if (!STATEMENT_KEYWORDS.has(keyword)) throw GIVE_UP;
    this.at++;
    const doc = this.docAt(start);
    const range = (): TextRange => ({ start, end: this.lastEnd() });
    switch (keyword) {
      case 'package': {
        const name = this.qualifiedName();
        return { kind: 'package', name, attributes, doc, range: range() };
      }
      case 'import': {
        const { value, range: pathRange } = this.stringValue();
        return { kind: 'import', path: value, pathRange, attributes, doc, range: range() };
      }
      case 'const': {
        const name = this.name();
        this.expect(COLON);
        const type = this.type();
        this.expect(EQUALS);
        const value = this.value();
        return { kind: 'const', name, type, value, attributes, doc, range: range() };
      }
      case 'enum': {
        const name = this.name();
        const members = this.block(() => this.enumMember());
        return { kind: 'enum', name, members, attributes, doc, range: range() };
      }
      case 'struct':
      case 'error': {
        const name = this.name();
        const fields = this.block(() => this.field());
        return { kind: keyword, name, fields, attributes, doc, range: range() };
      }
      case 'union': {
        const name = this.name();
        this.expect(EQUALS);
        if (this.kind() === PIPE) this.at++;
        const members = [this.qualifiedName()];
        while (this.kind() === PIPE) {
          this.at++;
          members.push(this.qualifiedName());
        }
        return { kind: 'union', name, members, attributes, doc, range: range() };
      }
      default: {
        const name = this.name();
        const members = this.block(() => this.member());
        return { kind: 'service', name, members, attributes, doc, range: range() };
      }
    }
  }

  /** `{ item [,|;] item ... }`: items start with `@` or a name; a line break separates too. */
  private block<T extends { range: TextRange }>(item: () => T): T[] {
    this.expect(LBRACE);
    const items = this.separatedItems(() => this.kind() === AT || this.kind() === NAME, item, (kind) => kind === COMMA || kind === SEMICOLON, false);
    this.expect(RBRACE);
    return items;
  }

  /**
   * Items while `more()` holds, each optionally followed by a separator. A
   * missing separator between two items gives up (a line break is enough
   * unless `commaOnly`).
   */
  private separatedItems<T extends { range: TextRange }>(more: () => boolean, item: () => T, isSeparator: (kind: number) => boolean, commaOnly: boolean): T[] {
    const items: T[] = [];
    let hadSeparator = false;
    while (more()) {
      const next = item();
      const previous = items[items.length - 1];
      if (previous !== undefined) this.separated(previous.range.end, hadSeparator, next.range.start, commaOnly);
      items.push(next);
      hadSeparator = isSeparator(this.kind());
      if (hadSeparator) this.at++;
    }
    return items;
  }

  private attributes(): AttributeNode[] {
    const attributes: AttributeNode[] = [];
    while (this.kind() === AT) {
      const start = this.start();
      this.at++;
      const name = this.name();
      let args: ValueNode[] = [];
      if (this.kind() === LPAREN) {
        this.at++;
        args = this.values(RPAREN);
      }
      attributes.push({ name, args, range: { start, end: this.lastEnd() } });
    }
    return attributes;
  }

  private enumMember(): EnumMemberNode {
    const start = this.start();
    const attributes = this.attributes();
    const name = this.name();
    let value: ValueNode | undefined;
    if (this.kind() === EQUALS) {
      this.at++;
      value = this.value();
    }
    return { name, value, attributes, doc: this.docAt(start), range: { start, end: this.lastEnd() } };
  }

  /** A struct field or a param: `name?: type = default`. */
  private field(): FieldNode {
    const start = this.start();
    const attributes = this.attributes();
    const name = this.name();
    const optional = this.kind() === QUESTION;
    if (optional) this.at++;
    this.expect(COLON);
    const type = this.type();
    let defaultValue: ValueNode | undefined;
    if (this.kind() === EQUALS) {
      this.at++;
      defaultValue = this.value();
    }
    return { name, optional, type, default: defaultValue, attributes, doc: this.docAt(start), range: { start, end: this.lastEnd() } };
  }

  private member(): MemberNode {
    const start = this.start();
    const attributes = this.attributes();
    const doc = this.docAt(start);
    // `notify`/`topic` followed by a name start a notify or a topic; followed by `(` they are a method's name.
    if (this.isWord('notify') && this.kind(1) === NAME) {
      this.at++;
      const name = this.name();
      const params = this.paramList();
      return { kind: 'notify', name, params, attributes, doc, range: { start, end: this.lastEnd() } };
    }
    if (this.isWord('topic') && this.kind(1) === NAME) {
      this.at++;
      const name = this.name();
      this.expect(COLON);
      const type = this.type();
      return { kind: 'topic', name, type, attributes, doc, range: { start, end: this.lastEnd() } };
    }
    const name = this.name();
    const params = this.paramList();
    let result: TypeNode | undefined;
    if (this.kind() === COLON) {
      this.at++;
      result = this.type();
    }
    const throws: QualifiedName[] = [];
    // `throws` then a name: a throws clause (`throws(` would be the next member's name).
    if (this.isWord('throws') && this.kind(1) === NAME) {
      this.at++;
      throws.push(this.qualifiedName());
      while (this.continuesThrowsList()) {
        this.at++;
        throws.push(this.qualifiedName());
      }
    }
    return { kind: 'method', name, params, result, throws, attributes, doc, range: { start, end: this.lastEnd() } };
  }

  /** A comma after a thrown error also separates members: it continues the list only if what follows cannot start a member (parser.ts). */
  private continuesThrowsList(): boolean {
    if (this.kind() !== COMMA || this.kind(1) !== NAME) return false;
    const third = this.kind(2);
    if (third === LPAREN || third === COLON || third === QUESTION) return false;
    return !((this.isWord('notify', 1) || this.isWord('topic', 1)) && third === NAME);
  }

  private paramList(): FieldNode[] {
    this.expect(LPAREN);
    const params = this.separatedItems(() => this.kind() === AT || this.kind() === NAME, () => this.field(), isComma, false);
    this.expect(RPAREN);
    return params;
  }

  /** `name`, `name<type, ...>` or `callback(params)` / `callback(params): type`. */
  private type(): TypeNode {
    const name = this.qualifiedName();
    const start = name.range.start;
    if (this.kind() === LPAREN) {
      const params = this.paramList();
      let result: TypeNode | undefined;
      if (this.kind() === COLON) {
        this.at++;
        result = this.type();
      }
      return { kind: 'callback', name, params, result, range: { start, end: this.lastEnd() } };
    }
    if (this.kind() !== LANGLE) return { kind: 'named', name, args: undefined, range: name.range };
    this.at++;
    const args = this.separatedItems(() => this.kind() === NAME, () => this.type(), isComma, true);
    this.expect(RANGLE);
    return { kind: 'named', name, args, range: { start, end: this.lastEnd() } };
  }

  /** Comma-separated values up to `close` (attribute arguments, list items). */
  private values(close: number): ValueNode[] {
    const items = this.separatedItems(() => this.kind() !== close, () => this.value(), isComma, true);
    this.at++;
    return items;
  }

  private value(): ValueNode {
    const start = this.start();
    const end = this.ends[this.at] ?? 0;
    switch (this.kind()) {
      case STRING: {
        const { value, range } = this.stringValue();
        return { kind: 'string', value, range };
      }
      case INTEGER: {
        const text = this.image();
        const value = integerValue(text);
        if (value === undefined) throw GIVE_UP;
        this.at++;
        return { kind: 'integer', value, text, range: { start, end } };
      }
      case FLOAT: {
        const text = this.image();
        const value = floatValue(text);
        if (value === undefined) throw GIVE_UP;
        this.at++;
        return { kind: 'float', value, text, range: { start, end } };
      }
      case LBRACKET: {
        this.at++;
        const items = this.values(RBRACKET);
        return { kind: 'list', items, range: { start, end: this.lastEnd() } };
      }
      case LBRACE: {
        this.at++;
        const entries = this.separatedItems(() => this.kind() !== RBRACE, () => this.objectEntry(), isComma, true);
        this.at++;
        return { kind: 'object', entries, range: { start, end: this.lastEnd() } };
      }
      case NAME: {
        const reference = this.qualifiedName();
        const range = { start, end: this.lastEnd() };
        if (reference.parts.length === 1) {
          if (reference.text === 'true' || reference.text === 'false') return { kind: 'bool', value: reference.text === 'true', range };
          if (reference.text === 'null') return { kind: 'null', range };
        }
        return { kind: 'reference', name: reference, range };
      }
      default:
        throw GIVE_UP;
    }
  }

  private objectEntry(): ObjectEntryNode {
    const start = this.start();
    let key: Identifier;
    const keyRange = { start, end: this.ends[this.at] ?? 0 };
    switch (this.kind()) {
      case NAME:
        key = { text: this.image(), range: keyRange };
        this.at++;
        break;
      case INTEGER: {
        // Integer keys are normalised to decimal, the way map keys travel on the wire.
        const integer = integerValue(this.image());
        if (integer === undefined) throw GIVE_UP;
        key = { text: integer.toString(), range: keyRange };
        this.at++;
        break;
      }
      case STRING:
        key = { text: this.stringValue().value, range: keyRange };
        break;
      default:
        throw GIVE_UP;
    }
    this.expect(COLON);
    const value = this.value();
    return { key, value, range: { start, end: this.lastEnd() } };
  }
}
