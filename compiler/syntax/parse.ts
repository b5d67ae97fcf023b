/**
 * The syntax stage in one call: text → tokens → CST → AST, with every
 * lexical and syntax diagnostic. Never throws for any input.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SourceFile } from '../source/source-file.ts';
import type { SchemaFileNode } from './ast.ts';
import { buildAst } from './build-ast.ts';
import { lex } from './lexer.ts';
import { parseTokens } from './parser.ts';

/** The syntax stage's result for one file. */
export interface ParseResult {
  readonly ast: SchemaFileNode;
  /** Codes: invalid-character, unterminated-string, unterminated-comment, invalid-escape, invalid-number, syntax-error, missing-separator. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses one source file into its AST plus diagnostics. */
export function parseSchema(source: SourceFile): ParseResult {
  const lexed = lex(source);
  const parsed = parseTokens(lexed.tokens);
  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  const lastToken = lexed.tokens.at(-1);
  const endOfInput = lastToken === undefined ? 0 : lastToken.startOffset + lastToken.image.length;
  const seen = new Set<number>();
  for (const error of parsed.errors) {
    const real = Number.isFinite(error.token.startOffset) && error.token.isInsertedInRecovery !== true;
    const start = real ? error.token.startOffset : endOfInput;
    // Everything after an unterminated comment was swallowed by it: errors there are noise.
    if (lexed.unterminatedCommentAt !== undefined && start >= lexed.unterminatedCommentAt) continue;
    // Recovery can report the same spot twice; one diagnostic per position is enough.
    if (seen.has(start)) continue;
    seen.add(start);
    const end = real ? start + error.token.image.length : start;
    diagnostics.push(createDiagnostic('syntax-error', { source, range: { start, end } }, { message: error.message }));
  }
  const built = buildAst(source, parsed.csts, lexed.tokens, lexed.docComments);
  diagnostics.push(...built.diagnostics);
  return { ast: built.ast, diagnostics };
}
