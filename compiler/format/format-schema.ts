/**
 * `sparrowc fmt`'s printer: one canonical layout for a `.sparrow` file
 * (docs/language.md, "Formatting"), printed from the AST with every comment
 * kept. Comments are not in the AST; they are woven back in at the points
 * where a list of items (statements, members, fields, params, list and
 * object entries, type and attribute arguments) has a slot: before each item
 * and before the list's closing bracket. A list that holds a comment is
 * printed one item per line, so a comment never has to share a line with
 * code that follows it.
 *
 * Layout that carries meaning is kept: a comment that sat at the end of a
 * line stays there, and one blank line where the author left one or more.
 * Everything else is decided here. Formatting is idempotent, and it never
 * changes the model: {@link formatSchema} re-parses its own output and
 * refuses (throws `FormatError`) rather than return text that means
 * something else.
 */
import type { IToken } from '../syntax/chevrotain.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { hasErrors } from '../diagnostics/diagnostic.ts';
import { createSourceFile, type SourceFile } from '../source/source-file.ts';
import type {
  AttributeNode,
  EnumMemberNode,
  FieldNode,
  MemberNode,
  QualifiedName,
  SchemaFileNode,
  StatementNode,
  TypeNode,
  ValueNode,
} from '../syntax/ast.ts';
import { parseSchema } from '../syntax/parse.ts';

/** The result of formatting one file. */
export interface FormatResult {
  /** The formatted text; `undefined` when the file has syntax errors (nothing is formatted then). */
  readonly text: string | undefined;
  /** The file's syntax diagnostics (errors and warnings). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Formatting would have changed the schema's meaning: a bug in the formatter, never the user's fault. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  readonly code = 'format-changed-meaning' as const;
}

/**
 * Formats one source file. Never throws for a schema problem: a file with a
 * syntax error comes back with its diagnostics and no text. Throws
 * {@link FormatError} only if its own output would parse differently.
 */
export function formatSchema(source: SourceFile): FormatResult {
  const parsed = parseSchema(source);
  if (hasErrors(parsed.diagnostics)) return { text: undefined, diagnostics: parsed.diagnostics };
  const text = new Printer(source.text, parsed.tokens, parsed.comments).file(parsed.ast);
  const again = parseSchema(createSourceFile(source.absolutePath, source.displayPath, text));
  if (hasErrors(again.diagnostics) || astDigest(again.ast) !== astDigest(parsed.ast)) {
    throw new FormatError(`formatting ${source.displayPath} would change its meaning; please report this schema`);
  }
  return { text, diagnostics: parsed.diagnostics };
}

/** Formats text (for editors and tests); see {@link formatSchema}. */
export function formatSchemaText(text: string, fileName = 'schema.sparrow'): FormatResult {
  return formatSchema(createSourceFile(`/${fileName}`, fileName, text));
}

/** The AST without positions: what must survive formatting unchanged. */
function astDigest(ast: SchemaFileNode): string {
  return JSON.stringify(ast, (key, value: unknown) => (key === 'range' || key === 'pathRange' ? undefined : typeof value === 'bigint' ? value.toString() : value));
}

/** Lines of output; an entry may hold a multi-line block comment, kept verbatim. */
type Lines = string[];

/** Something that prints as one item of a list, with where it sits in the source. */
interface Item {
  readonly start: number;
  readonly end: number;
  print(): Lines;
}

const INDENT = '  ';

class Printer {
  private readonly text: string;
  private readonly tokens: readonly IToken[];
  private readonly comments: readonly IToken[];
  /** The next comment not printed yet. */
  private nextComment = 0;
  /** Where the last printed source text ended (blank lines are looked for after it). */
  private lastEnd = 0;

  constructor(text: string, tokens: readonly IToken[], comments: readonly IToken[]) {
    this.text = text;
    this.tokens = tokens;
    this.comments = comments;
  }

  file(ast: SchemaFileNode): string {
    const items = ast.statements.map((s): Item => ({ start: s.range.start, end: s.range.end, print: () => this.statement(s) }));
    const { head, body } = this.items(items, this.text.length, '', true);
    const lines = head === '' ? body : [head.trimStart(), ...body];
    const out = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
    return out === '' ? '' : `${out}\n`;
  }

  // ---- lists and comments ----

  /**
   * Prints items one per line (with `suffix` after each), weaving in the
   * comments before each item and before `closeAt`. `head` holds comments
   * that trail the line before the first item (the opening line).
   */
  private items(items: readonly Item[], closeAt: number, suffix: string, topLevel = false): { head: string; body: Lines } {
    let head = '';
    const body: Lines = [];
    const flush = (before: number): void => {
      for (const comment of this.takeComments(before)) {
        const text = comment.image.replace(/\r\n?/g, '\n').trimEnd();
        if (comment.trailing && (body.length > 0 || !topLevel)) {
          if (body.length === 0) head += ` ${text}`;
          else body[body.length - 1] += ` ${text}`;
        } else {
          if (comment.blankBefore && body.length > 0) body.push('');
          body.push(text);
        }
      }
    };
    let previousSpansLines = false;
    for (const item of items) {
      const groupStart = body.length;
      flush(item.start);
      const blank = body.length > 0 && this.blankBetween(this.lastEnd, item.start);
      if (blank) body.push('');
      const printed = this.print(item);
      if (suffix !== '' && printed.length > 0) printed[printed.length - 1] += suffix;
      // Top-level declarations with a body are set apart by a blank line, above their comments.
      if (topLevel && groupStart > 0 && (previousSpansLines || printed.length > 1) && body[groupStart] !== '' && body[groupStart - 1] !== '') body.splice(groupStart, 0, '');
      previousSpansLines = printed.length > 1;
      body.push(...printed);
    }
    flush(closeAt);
    return { head, body };
  }

  private print(item: Item): Lines {
    const lines = item.print();
    this.lastEnd = Math.max(this.lastEnd, item.end);
    return lines;
  }

  /** Comments starting before `offset`, each once, with whether it trails code on its line. */
  private takeComments(offset: number): { image: string; trailing: boolean; blankBefore: boolean }[] {
    const out: { image: string; trailing: boolean; blankBefore: boolean }[] = [];
    while (this.nextComment < this.comments.length) {
      const comment = this.comments[this.nextComment] as IToken;
      if (comment.startOffset >= offset) break;
      this.nextComment++;
      let i = comment.startOffset - 1;
      while (i >= 0 && (this.text[i] === ' ' || this.text[i] === '\t')) i--;
      const trailing = i >= 0 && this.text[i] !== '\n' && this.text[i] !== '\r';
      out.push({ image: comment.image, trailing, blankBefore: this.blankBetween(this.lastEnd, comment.startOffset) });
      this.lastEnd = comment.startOffset + comment.image.length;
    }
    return out;
  }

  private blankBetween(from: number, to: number): boolean {
    return from < to && /\n[^\S\n]*\r?\n/.test(this.text.slice(from, to));
  }

  private hasCommentBefore(offset: number): boolean {
    const next = this.comments[this.nextComment];
    return next !== undefined && next.startOffset < offset;
  }

  /**
   * A bracketed list: inline (`(a, b)`) unless a comment sits inside it,
   * then one item per line with a trailing comma. `pad` puts spaces inside
   * non-empty braces (`{ a: 1 }`).
   */
  private list(open: IToken, items: readonly Item[], pad = false): Lines {
    const close = this.matching(open);
    const [o, c] = [open.image, close.image];
    if (!this.hasCommentBefore(close.startOffset)) {
      const parts = items.map((item) => this.print(item).join(' '));
      this.lastEnd = close.startOffset + 1;
      if (parts.length === 0) return [`${o}${c}`];
      return [pad ? `${o} ${parts.join(', ')} ${c}` : `${o}${parts.join(', ')}${c}`];
    }
    const { head, body } = this.items(items, close.startOffset, ',');
    this.lastEnd = close.startOffset + 1;
    return [`${o}${head}`, ...indent(body), c];
  }

  /** A declaration's `{ ... }` body: always one item per line; `{}` when empty. */
  private block(open: IToken, items: readonly Item[]): Lines {
    const close = this.matching(open);
    if (items.length === 0 && !this.hasCommentBefore(close.startOffset)) {
      this.lastEnd = close.startOffset + 1;
      return ['{}'];
    }
    const { head, body } = this.items(items, close.startOffset, '');
    this.lastEnd = close.startOffset + 1;
    return [`{${head}`, ...indent(body), '}'];
  }

  // ---- tokens ----

  private tokenIndexAt(offset: number): number {
    let low = 0;
    let high = this.tokens.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.tokens[mid] as IToken).startOffset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The first token with `image` at or after `offset`. */
  private tokenAfter(offset: number, image: string): IToken {
    for (let i = this.tokenIndexAt(offset); i < this.tokens.length; i++) {
      const token = this.tokens[i] as IToken;
      if (token.image === image) return token;
    }
    throw new FormatError(`no '${image}' after offset ${offset}`);
  }

  /** The bracket closing `open`. */
  private matching(open: IToken): IToken {
    const closeImage = ({ '(': ')', '[': ']', '{': '}', '<': '>' } as Record<string, string>)[open.image] ?? '';
    let depth = 0;
    for (let i = this.tokenIndexAt(open.startOffset); i < this.tokens.length; i++) {
      const token = this.tokens[i] as IToken;
      if (token.image === open.image) depth++;
      else if (token.image === closeImage && --depth === 0) return token;
    }
    throw new FormatError(`unbalanced '${open.image}' at offset ${open.startOffset}`);
  }

  private slice(range: { start: number; end: number }): string {
    return this.text.slice(range.start, range.end);
  }

  // ---- nodes ----

  private statement(node: StatementNode): Lines {
    return [...node.attributes.flatMap((a) => this.attribute(a)), ...this.declaration(node)];
  }

  private declaration(node: StatementNode): Lines {
    switch (node.kind) {
      case 'package':
        return [`package ${qualified(node.name)}`];
      case 'import':
        return [`import ${this.slice(node.pathRange)}`];
      case 'const':
        return cat(`const ${node.name.text}: `, this.type(node.type), ' = ', this.value(node.value));
      case 'enum':
        return cat(`enum ${node.name.text} `, this.block(this.tokenAfter(node.name.range.end, '{'), node.members.map((m) => this.item(m, () => this.enumMember(m)))));
      case 'struct':
      case 'error':
        return cat(`${node.kind} ${node.name.text} `, this.block(this.tokenAfter(node.name.range.end, '{'), node.fields.map((f) => this.item(f, () => this.field(f)))));
      case 'union':
        return [`union ${node.name.text} = ${node.members.map(qualified).join(' | ')}`];
      case 'service':
        return cat(`service ${node.name.text} `, this.block(this.tokenAfter(node.name.range.end, '{'), node.members.map((m) => this.item(m, () => this.member(m)))));
    }
  }

  private item(node: { range: { start: number; end: number } }, print: () => Lines): Item {
    return { start: node.range.start, end: node.range.end, print };
  }

  /** Attributes of a member, field, param or enum member: on the same line, before the name. */
  private inlineAttributes(attributes: readonly AttributeNode[]): Lines {
    return cat(...attributes.flatMap((a) => [this.attribute(a), ' ']));
  }

  private attribute(node: AttributeNode): Lines {
    const next = this.tokens[this.tokenIndexAt(node.name.range.end)];
    const hasParens = next !== undefined && next.image === '(' && next.startOffset < node.range.end;
    if (!hasParens || (node.args.length === 0 && !this.hasCommentBefore(node.range.end))) return [`@${node.name.text}`];
    return cat(`@${node.name.text}`, this.list(next, node.args.map((a) => this.item(a, () => this.value(a)))));
  }

  private enumMember(node: EnumMemberNode): Lines {
    const head = cat(this.inlineAttributes(node.attributes), node.name.text);
    return node.value === undefined ? head : cat(head, ' = ', this.value(node.value));
  }

  private field(node: FieldNode): Lines {
    const head = cat(this.inlineAttributes(node.attributes), `${node.name.text}${node.optional ? '?' : ''}: `);
    const typed = cat(head, this.type(node.type));
    return node.default === undefined ? typed : cat(typed, ' = ', this.value(node.default));
  }

  private params(afterName: number, params: readonly FieldNode[]): Lines {
    return this.list(this.tokenAfter(afterName, '('), params.map((p) => this.item(p, () => this.field(p))));
  }

  private member(node: MemberNode): Lines {
    const attributes = this.inlineAttributes(node.attributes);
    switch (node.kind) {
      case 'notify':
        return cat(attributes, `notify ${node.name.text}`, this.params(node.name.range.end, node.params));
      case 'topic':
        return cat(attributes, `topic ${node.name.text}: `, this.type(node.type));
      case 'method': {
        let lines = cat(attributes, node.name.text, this.params(node.name.range.end, node.params));
        if (node.result !== undefined) lines = cat(lines, ': ', this.type(node.result));
        if (node.throws.length > 0) lines = cat(lines, ` throws ${node.throws.map(qualified).join(', ')}`);
        return lines;
      }
    }
  }

  private type(node: TypeNode): Lines {
    const name = qualified(node.name);
    if (node.kind === 'callback') {
      const lines = cat(name, this.params(node.name.range.end, node.params));
      return node.result === undefined ? lines : cat(lines, ': ', this.type(node.result));
    }
    if (node.args === undefined) return [name];
    return cat(name, this.list(this.tokenAfter(node.name.range.end, '<'), node.args.map((a) => this.item(a, () => this.type(a)))));
  }

  private value(node: ValueNode): Lines {
    switch (node.kind) {
      case 'string':
      case 'integer':
      case 'float':
        return [this.slice(node.range)];
      case 'bool':
        return [String(node.value)];
      case 'null':
        return ['null'];
      case 'reference':
        return [qualified(node.name)];
      case 'list':
        return this.list(this.tokenAfter(node.range.start, '['), node.items.map((i) => this.item(i, () => this.value(i))));
      case 'object':
        return this.list(
          this.tokenAfter(node.range.start, '{'),
          node.entries.map((e) => this.item(e, () => cat(`${this.slice(e.key.range)}: `, this.value(e.value)))),
          true,
        );
    }
  }
}

function qualified(name: QualifiedName): string {
  return name.parts.map((p) => p.text).join('.');
}

function indent(lines: Lines): Lines {
  return lines.map((line) => (line === '' ? line : `${INDENT}${line}`));
}

/** Concatenates pieces: each piece's first line continues the previous piece's last line. */
function cat(...pieces: (string | Lines)[]): Lines {
  const out: Lines = [''];
  for (const piece of pieces) {
    const lines = typeof piece === 'string' ? [piece] : piece;
    lines.forEach((line, i) => {
      if (i === 0) out[out.length - 1] += line;
      else out.push(line);
    });
  }
  return out;
}
