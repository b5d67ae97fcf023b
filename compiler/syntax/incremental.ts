/**
 * Re-parsing after an edit, one top-level statement at a time: when an
 * edit falls inside one statement (or the comments and blank lines before
 * it), only that stretch of text is lexed and parsed again; the statements
 * before it are reused as they are and those after it are reused with their
 * ranges moved. Anything less simple (an edit across statements, touching a
 * statement's last character, or any diagnostic before or after) is a full
 * parse, so the result is always what {@link parseSchema} would give.
 *
 * Why: the language server re-checks on every keystroke, and parsing the
 * whole file was ~80% of a re-check of a 2,000-method schema.
 */
import type { IToken } from './chevrotain.ts';
import type { SchemaFileNode, StatementNode } from './ast.ts';
import { buildAst } from './build-ast.ts';
import { lex } from './lexer.ts';
import { parseSchema, withLazyTokens, type ParseResult } from './parse.ts';
import { parseTokens } from './parser.ts';
import { createSourceFile, type SourceFile } from '../source/source-file.ts';

/**
 * The parse of `source`, reusing `previous` (the parse of `previousText`)
 * where an edit left statements untouched. Same result as `parseSchema(source)`.
 * Takes `previous` over: the statements after the edit move in place, so the
 * caller must use only the result from then on (the workspace replaces its
 * cached parse, and every compilation made from it, on each edit).
 */
export function reparseSchema(previousText: string, previous: ParseResult, source: SourceFile): ParseResult {
  return reparseStatement(previousText, previous, source) ?? parseSchema(source);
}

function reparseStatement(previousText: string, previous: ParseResult, source: SourceFile): ParseResult | undefined {
  const text = source.text;
  if (previous.diagnostics.length > 0) return undefined;
  // The edit: the old text's [from, oldTo) became the new text's [from, newTo).
  const shortest = Math.min(text.length, previousText.length);
  let from = 0;
  while (from < shortest && text.charCodeAt(from) === previousText.charCodeAt(from)) from++;
  if (from === text.length && from === previousText.length) return previous;
  let tail = 0;
  while (tail < shortest - from && text.charCodeAt(text.length - 1 - tail) === previousText.charCodeAt(previousText.length - 1 - tail)) tail++;
  const oldTo = previousText.length - tail;
  const delta = text.length - previousText.length;

  // The statement whose stretch (from the end of the one before it to its own last character) holds the edit.
  const statements = previous.ast.statements;
  let index = -1;
  let stretchStart = 0;
  for (let i = 0; i < statements.length; i++) {
    const range = (statements[i] as StatementNode).range;
    const start = i === 0 ? 0 : (statements[i - 1] as StatementNode).range.end;
    // Strictly inside: the character before the stretch and the statement's last character stay as they were.
    if (from > start && oldTo < range.end) {
      index = i;
      stretchStart = start;
      break;
    }
    if (from <= start) return undefined;
  }
  if (index < 0) return undefined;
  const stretchEnd = (statements[index] as StatementNode).range.end + delta;

  const chunk = createSourceFile(source.absolutePath, source.displayPath, text.slice(stretchStart, stretchEnd));
  const lexed = lex(chunk);
  if (lexed.diagnostics.length > 0 || lexed.unterminatedCommentAt !== undefined) return undefined;
  for (const token of lexed.tokens) shiftToken(token, stretchStart);
  for (const token of lexed.comments) shiftToken(token, stretchStart);
  const parsed = parseTokens(lexed.tokens);
  if (parsed.errors.length > 0) return undefined;
  const built = buildAst(source, parsed.csts, lexed.tokens, lexed.docComments);
  if (built.diagnostics.length > 0 || built.ast.statements.length !== 1) return undefined;

  const after = statements.slice(index + 1);
  if (delta !== 0) {
    const moved = new Set<object>();
    for (const statement of after) shiftInPlace(statement, delta, moved);
  }
  const ast: SchemaFileNode = { statements: [...statements.slice(0, index), ...built.ast.statements, ...after] };
  return withLazyTokens(ast, source);
}

/** A token lexed from a slice, moved to its place in the whole text (fresh objects: safe to change). */
function shiftToken(token: IToken, by: number): void {
  token.startOffset += by;
  if (token.endOffset !== undefined) token.endOffset += by;
}

/**
 * Moves every range in `node` by `delta`, in place: the ranges are the only
 * objects holding a numeric `start` (and an `end`). In place because copying
 * the statements after an edit near the top of a large file cost more than
 * the rest of the re-parse, most of it in garbage collection. `moved` keeps
 * a range shared by two nodes from moving twice.
 */
function shiftInPlace(node: unknown, delta: number, moved: Set<object>): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (let k = 0; k < node.length; k++) shiftInPlace(node[k], delta, moved);
    return;
  }
  const record = node as Record<string, unknown>;
  if (typeof record['start'] === 'number') {
    if (moved.has(record)) return;
    moved.add(record);
    const range = record as { start: number; end: number };
    range.start += delta;
    range.end += delta;
    return;
  }
  for (const key in record) shiftInPlace(record[key], delta, moved);
}
