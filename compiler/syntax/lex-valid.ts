/**
 * The lexer of the syntax stage's fast path (parse-valid.ts): the token
 * rules of tokens.ts, hand-written over the text, into parallel arrays of
 * kinds and offsets instead of token objects. It gives up ({@link GIVE_UP})
 * on anything chevrotain's lexer would report, so the recovering path can
 * report it.
 */
import { docLineText } from './literals.ts';

/** Token kinds: a name (keywords included; the parser compares their text), literals, then one kind per punctuation character (its char code). */
export const NAME = 1;
export const STRING = 2;
export const FLOAT = 3;
export const INTEGER = 4;
export const END = 5;

const c = (ch: string): number => ch.charCodeAt(0);
/** Punctuation kinds: each character's code. */
export const LBRACE = c('{');
export const RBRACE = c('}');
export const LPAREN = c('(');
export const RPAREN = c(')');
export const LBRACKET = c('[');
export const RBRACKET = c(']');
export const LANGLE = c('<');
export const RANGLE = c('>');
export const COLON = c(':');
export const SEMICOLON = c(';');
export const COMMA = c(',');
export const DOT = c('.');
export const EQUALS = c('=');
export const QUESTION = c('?');
export const PIPE = c('|');
export const AT = c('@');
const PUNCTUATION = new Set([LBRACE, RBRACE, LPAREN, RPAREN, LBRACKET, RBRACKET, LANGLE, RANGLE, COLON, SEMICOLON, COMMA, DOT, EQUALS, QUESTION, PIPE, AT]);
const OPENING = new Set([LBRACE, LPAREN, LBRACKET, LANGLE]);
const CLOSING = new Set([RBRACE, RPAREN, RBRACKET, RANGLE]);

/** The lexer's patterns, as tokens.ts has them (sticky: matched at one offset). */
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const STRING_LITERAL = /"(?:[^"\\\r\n]|\\[^\r\n])*"/y;
const FLOAT_LITERAL = /-?[0-9][0-9_]*(?:\.[0-9][0-9_]*(?:[eE][+-]?[0-9][0-9_]*)?|[eE][+-]?[0-9][0-9_]*)/y;
const INTEGER_LITERAL = /-?(?:0[xX][0-9a-fA-F_]*|[0-9][0-9_]*)/y;
const BLOCK_COMMENT_END = '*/';

/** Thrown (one shared value) to leave the fast path; parse-valid.ts catches it, it never escapes the syntax stage. */
export const GIVE_UP: unique symbol = Symbol('give up');

/** The tokens of a file, as parallel arrays (kinds, offsets), plus the doc comment lines keyed by the offset of the token they precede. */
export interface Tokens {
  readonly kinds: number[];
  readonly starts: number[];
  readonly ends: number[];
  readonly docs: Map<number, string[]>;
}

function isWhitespace(code: number): boolean {
  // [ \t\r\n\f\v\u00a0\ufeff], the WhiteSpace token of tokens.ts.
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0xfeff;
}

function matchAt(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

/** Lexes the whole text; throws GIVE_UP on anything the lexer would report (or on nesting deeper than `maxNesting`). */
export function lexValid(text: string, maxNesting: number): Tokens {
  const kinds: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const docs = new Map<number, string[]>();
  let pendingDocs: string[] | undefined;
  let depth = 0;
  const push = (kind: number, start: number, end: number): void => {
    if (pendingDocs !== undefined) {
      docs.set(start, pendingDocs);
      pendingDocs = undefined;
    }
    kinds.push(kind);
    starts.push(start);
    ends.push(end);
  };
  let i = 0;
  const length = text.length;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (isWhitespace(code)) {
      i++;
      continue;
    }
    if (code === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        let end = text.indexOf('\n', i);
        const cr = text.indexOf('\r', i);
        if (end < 0 || (cr >= 0 && cr < end)) end = cr;
        if (end < 0) end = length;
        if (text.charCodeAt(i + 2) === 47) (pendingDocs ??= []).push(docLineText(text.slice(i, end)));
        i = end;
        continue;
      }
      if (next === 42 /* * */) {
        const end = text.indexOf(BLOCK_COMMENT_END, i + 2);
        if (end < 0) throw GIVE_UP;
        i = end + 2;
        continue;
      }
      throw GIVE_UP;
    }
    if (code === 34 /* " */) {
      const end = matchAt(STRING_LITERAL, text, i);
      if (end < 0) throw GIVE_UP;
      push(STRING, i, end);
      i = end;
      continue;
    }
    if ((code >= 48 && code <= 57) || code === 45 /* - */) {
      let end = matchAt(FLOAT_LITERAL, text, i);
      let kind = FLOAT;
      if (end < 0) {
        end = matchAt(INTEGER_LITERAL, text, i);
        kind = INTEGER;
      }
      if (end < 0) throw GIVE_UP;
      push(kind, i, end);
      i = end;
      continue;
    }
    if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95) {
      const end = matchAt(IDENTIFIER, text, i);
      push(NAME, i, end);
      i = end;
      continue;
    }
    if (PUNCTUATION.has(code)) {
      if (OPENING.has(code) && ++depth > maxNesting) throw GIVE_UP;
      if (CLOSING.has(code)) depth = Math.max(0, depth - 1);
      push(code, i, i + 1);
      i++;
      continue;
    }
    throw GIVE_UP;
  }
  // A doc comment after the last token documents nothing (as in build-ast).
  kinds.push(END);
  starts.push(length);
  ends.push(length);
  return { kinds, starts, ends, docs };
}
