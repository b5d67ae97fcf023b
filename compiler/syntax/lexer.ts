/**
 * Turns `.sparrow` text into tokens for the parser, doc comments for
 * build-ast, and lexical diagnostics (invalid characters, unterminated
 * strings and comments). Never throws.
 */
import { Lexer, type IToken } from './chevrotain.ts';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SourceFile } from '../source/source-file.ts';
import { allTokens, UnterminatedString } from './tokens.ts';

/** The lexer's output. */
export interface LexResult {
  /** Tokens for the parser (comments and whitespace removed). */
  readonly tokens: IToken[];
  /** `///` comments, in order; build-ast attaches them to what follows. */
  readonly docComments: IToken[];
  /** Every comment (`//`, `/* *\/` and `///`), in source order: the formatter keeps them all. */
  readonly comments: IToken[];
  /** Offset of an unterminated block comment, if any: parse errors after it are noise. */
  readonly unterminatedCommentAt: number | undefined;
  readonly diagnostics: Diagnostic[];
}

let lexer: Lexer | undefined;

/** The one lexer instance, built on first use (building validates the token set). */
function getLexer(): Lexer {
  // 'full', not 'onlyOffset': only 'full' tokens carry endOffset, without which every CST node's
  // location is unknown and build-ast walks each node's tokens for its range (~0.35 s on 2,000 methods).
  lexer ??= new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });
  return lexer;
}

/** Tokenizes a source file. Diagnostics: invalid-character, unterminated-string, unterminated-comment. */
export function lex(source: SourceFile): LexResult {
  const result = getLexer().tokenize(source.text);
  const diagnostics: Diagnostic[] = [];
  for (const error of result.errors) {
    // chevrotain reports a run of unmatchable characters as one error.
    const char = source.text.slice(error.offset, error.offset + 1);
    diagnostics.push(createDiagnostic('invalid-character', { source, range: { start: error.offset, end: error.offset + error.length } }, { char: printable(char) }));
  }
  for (const token of result.tokens) {
    if (token.tokenType === UnterminatedString) {
      diagnostics.push(createDiagnostic('unterminated-string', { source, range: { start: token.startOffset, end: token.startOffset + token.image.length } }));
    }
  }
  let unterminatedCommentAt: number | undefined;
  for (const token of (result.groups['unterminated'] ?? []) as IToken[]) {
    unterminatedCommentAt = token.startOffset;
    diagnostics.push(createDiagnostic('unterminated-comment', { source, range: { start: token.startOffset, end: token.startOffset + 2 } }));
  }
  return {
    tokens: result.tokens,
    docComments: (result.groups['docs'] ?? []) as IToken[],
    comments: [...((result.groups['docs'] ?? []) as IToken[]), ...((result.groups['comments'] ?? []) as IToken[])].sort((a, b) => a.startOffset - b.startOffset),
    unterminatedCommentAt,
    diagnostics,
  };
}

function printable(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code < 32 || code === 127 ? `\\u${code.toString(16).padStart(4, '0')}` : char;
}
