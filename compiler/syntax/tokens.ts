/**
 * The token vocabulary of `.sparrow`. Keywords are their own token types but
 * also belong to the `Name` category, so the parser accepts them wherever a
 * name is expected (a field may be called `stream`, a method `topic`); the
 * pattern of chevrotain's GraphQL example.
 */
import { createToken, Lexer, type TokenType } from './chevrotain.ts';

/** Any identifier, keywords included (abstract category). */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });

/** A plain identifier. */
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Name], label: 'a name' });

function keyword(word: string): TokenType {
  return createToken({ name: `Kw_${word}`, pattern: new RegExp(word), longer_alt: Identifier, categories: [Name], label: `'${word}'` });
}

export const Package = keyword('package');
export const Import = keyword('import');
export const Const = keyword('const');
export const Enum = keyword('enum');
export const Struct = keyword('struct');
export const ErrorKw = keyword('error');
export const Union = keyword('union');
export const Service = keyword('service');
export const Notify = keyword('notify');
export const Topic = keyword('topic');
export const Throws = keyword('throws');

const keywords = [Package, Import, Const, Enum, Struct, ErrorKw, Union, Service, Notify, Topic, Throws];

/** A complete string literal (escapes are validated when the AST is built). */
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/, label: 'a string' });
/**
 * A string that runs to the end of the line. It is a `StringLiteral` to the
 * parser, so one missing quote yields one diagnostic, not a cascade.
 */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/, categories: [StringLiteral], label: 'a string' });
/** Floats need a fraction or an exponent; `_` may separate digits. */
export const FloatLiteral = createToken({ name: 'FloatLiteral', pattern: /-?[0-9][0-9_]*(?:\.[0-9][0-9_]*(?:[eE][+-]?[0-9][0-9_]*)?|[eE][+-]?[0-9][0-9_]*)/, label: 'a number' });
export const IntegerLiteral = createToken({ name: 'IntegerLiteral', pattern: /-?(?:0[xX][0-9a-fA-F_]*|[0-9][0-9_]*)/, label: 'an integer' });

export const DocComment = createToken({ name: 'DocComment', pattern: /\/\/\/[^\r\n]*/, group: 'docs' });
/** Plain comments are kept aside (group `comments`) so the formatter and editors see them; the parser never does. */
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\r\n]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });
/** Matches only when no closing `*\/` follows; kept in its own group so the lexer can report it. */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'unterminated', line_breaks: true });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED, line_breaks: true });

export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });
export const LAngle = createToken({ name: 'LAngle', pattern: /</, label: "'<'" });
export const RAngle = createToken({ name: 'RAngle', pattern: />/, label: "'>'" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const Question = createToken({ name: 'Question', pattern: /\?/, label: "'?'" });
export const Pipe = createToken({ name: 'Pipe', pattern: /\|/, label: "'|'" });
export const At = createToken({ name: 'At', pattern: /@/, label: "'@'" });

/** Every token type, in lexer priority order (longest and most specific first). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  FloatLiteral,
  IntegerLiteral,
  ...keywords,
  Identifier,
  Name,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LAngle,
  RAngle,
  Colon,
  Semicolon,
  Comma,
  Dot,
  Equals,
  Question,
  Pipe,
  At,
];
