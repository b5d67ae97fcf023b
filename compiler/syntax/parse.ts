/**
 * The syntax stage in one call: text → tokens → CST → AST, with every
 * lexical and syntax diagnostic. Never throws for any input.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SourceFile } from '../source/source-file.ts';
import type { SchemaFileNode } from './ast.ts';
import { buildAst } from './build-ast.ts';
import type { IToken } from './chevrotain.ts';
import { lex } from './lexer.ts';
import { parseTokens } from './parser.ts';
import { parseValidSchema } from './parse-valid.ts';

/** The deepest bracket nesting accepted; far beyond any real schema, far below the stack limit. */
export const MAX_NESTING = 64;

const opening = new Set(['{', '(', '[', '<']);
const closing = new Set(['}', ')', ']', '>']);

/** The index of the first token nested deeper than {@link MAX_NESTING}, or -1. */
function findTooDeep(tokens: readonly IToken[]): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const image = (tokens[i] as IToken).image;
    if (opening.has(image) && ++depth > MAX_NESTING) return i;
    if (closing.has(image)) depth = Math.max(0, depth - 1);
  }
  return -1;
}

/** The syntax stage's result for one file. */
export interface ParseResult {
  readonly ast: SchemaFileNode;
  /** Codes: invalid-character, unterminated-string, unterminated-comment, invalid-escape, invalid-number, syntax-error, missing-separator. */
  readonly diagnostics: readonly Diagnostic[];
  /** The parser's tokens (comments excluded), for tools that need exact positions (formatter, editors). */
  readonly tokens: readonly IToken[];
  /** Every comment, doc comments included, in source order. */
  readonly comments: readonly IToken[];
}

/** Parses one source file into its AST plus diagnostics. */
export function parseSchema(source: SourceFile): ParseResult {
  // A well-formed file (the usual case) takes the fast path; any problem, the recovering parser, which reports it.
  const valid = parseValidSchema(source, MAX_NESTING);
  return valid === undefined ? parseWithRecovery(source) : withLazyTokens(valid, source);
}

/** A fast-path result: tokens and comments (wanted by the formatter and editors only) are lexed on first use. */
export function withLazyTokens(ast: SchemaFileNode, source: SourceFile): ParseResult {
  let lexed: ReturnType<typeof lex> | undefined;
  return {
    ast,
    diagnostics: [],
    get tokens() {
      return (lexed ??= lex(source)).tokens;
    },
    get comments() {
      return (lexed ??= lex(source)).comments;
    },
  };
}

/** The chevrotain pipeline: lexer, recovering CST parser, CST → AST; every syntax diagnostic comes from here. */
export function parseWithRecovery(source: SourceFile): ParseResult {
  const lexed = lex(source);
  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  // The parser and checker recurse on nesting: cut the input before it can exhaust the stack.
  const tooDeep = findTooDeep(lexed.tokens);
  let cutAt: number | undefined;
  if (tooDeep >= 0) {
    const token = lexed.tokens[tooDeep] as IToken;
    cutAt = token.startOffset;
    diagnostics.push(createDiagnostic('nesting-too-deep', { source, range: { start: cutAt, end: cutAt + 1 } }, { limit: MAX_NESTING }));
    lexed.tokens.length = tooDeep;
  }
  const parsed = parseTokens(lexed.tokens);
  const lastToken = lexed.tokens.at(-1);
  const endOfInput = lastToken === undefined ? 0 : lastToken.startOffset + lastToken.image.length;
  const seen = new Set<number>();
  for (const error of parsed.errors) {
    const real = Number.isFinite(error.token.startOffset) && error.token.isInsertedInRecovery !== true;
    const start = real ? error.token.startOffset : endOfInput;
    // Everything after an unterminated comment was swallowed by it: errors there are noise.
    if (lexed.unterminatedCommentAt !== undefined && start >= lexed.unterminatedCommentAt) continue;
    if (cutAt !== undefined && (start >= cutAt || !real)) continue;
    // Recovery can report the same spot twice; one diagnostic per position is enough.
    if (seen.has(start)) continue;
    seen.add(start);
    const end = real ? start + error.token.image.length : start;
    diagnostics.push(createDiagnostic('syntax-error', { source, range: { start, end } }, { message: error.message }));
  }
  const built = buildAst(source, parsed.csts, lexed.tokens, lexed.docComments);
  diagnostics.push(...built.diagnostics);
  return { ast: built.ast, diagnostics, tokens: lexed.tokens, comments: lexed.comments };
}
