/**
 * Semantic tokens: keywords, declaration names by kind, types, members,
 * params and properties (fields), comments, strings and numbers, from the
 * lexer's tokens and the resolved names.
 */
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import { SemanticTokensBuilder } from 'vscode-languageserver';
import { createSourceFile } from '../source/source-file.ts';
import { lex } from '../syntax/lexer.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { documentOf } from './documents.ts';

const tokenTypes = ['keyword', 'type', 'enum', 'struct', 'interface', 'method', 'property', 'parameter', 'enumMember', 'comment', 'string', 'number', 'decorator', 'namespace'] as const;

/** The legend the server announces. */
export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: ['declaration', 'documentation'] };

const keywordWords = new Set(['package', 'import', 'const', 'enum', 'struct', 'error', 'union', 'service', 'notify', 'topic', 'throws', 'true', 'false', 'null']);
const declKinds: Record<string, (typeof tokenTypes)[number]> = { enum: 'enum', struct: 'struct', error: 'struct', union: 'type', service: 'interface', const: 'property' };

export function semanticTokens(workspace: Workspace, p: string): SemanticTokens {
  const document = documentOf(workspace, p);
  const builder = new SemanticTokensBuilder();
  if (document === undefined) return builder.build();
  const text = document.getText();
  const compiled = workspace.program(p);
  const file = compiled.files.find((f) => f.source.absolutePath === p);
  const byOffset = new Map<number, { type: (typeof tokenTypes)[number]; modifiers: number }>();
  for (const reference of compiled.references) {
    if (reference.file !== file) continue;
    const name = reference.symbol.node.name.text;
    byOffset.set(reference.range.end - name.length, { type: declKinds[reference.symbol.node.kind] ?? 'type', modifiers: 0 });
  }
  for (const statement of file?.ast.statements ?? []) {
    if (statement.kind === 'package') byOffset.set(statement.name.range.start, { type: 'namespace', modifiers: 1 });
    if (statement.kind === 'package' || statement.kind === 'import') continue;
    byOffset.set(statement.name.range.start, { type: declKinds[statement.kind] ?? 'type', modifiers: 1 });
    if (statement.kind === 'service') for (const m of statement.members) {
      byOffset.set(m.name.range.start, { type: 'method', modifiers: 1 });
      if (m.kind !== 'topic') for (const param of m.params) byOffset.set(param.name.range.start, { type: 'parameter', modifiers: 1 });
    }
    if (statement.kind === 'struct' || statement.kind === 'error') for (const f of statement.fields) byOffset.set(f.name.range.start, { type: 'property', modifiers: 1 });
    if (statement.kind === 'enum') for (const m of statement.members) byOffset.set(m.name.range.start, { type: 'enumMember', modifiers: 1 });
  }
  const lexed = lex(createSourceFile(p, p, text));
  const all = [...lexed.tokens.map((t) => ({ t, comment: false })), ...lexed.comments.map((t) => ({ t, comment: true }))].sort((a, b) => a.t.startOffset - b.t.startOffset);
  for (const { t, comment } of all) {
    let kind: { type: (typeof tokenTypes)[number]; modifiers: number } | undefined;
    if (comment) kind = { type: 'comment', modifiers: t.image.startsWith('///') ? 2 : 0 };
    else if (t.tokenType.name === 'StringLiteral' || t.tokenType.name === 'UnterminatedString') kind = { type: 'string', modifiers: 0 };
    else if (t.tokenType.name === 'IntegerLiteral' || t.tokenType.name === 'FloatLiteral') kind = { type: 'number', modifiers: 0 };
    else kind = byOffset.get(t.startOffset) ?? (t.tokenType.name.startsWith('Kw_') || keywordWords.has(t.image) ? { type: 'keyword', modifiers: 0 } : undefined);
    if (kind === undefined) continue;
    // One LSP token per line: a multi-line block comment is split.
    let offset = t.startOffset;
    for (const piece of t.image.split('\n')) {
      const start = document.positionAt(offset);
      if (piece.length > 0) builder.push(start.line, start.character, piece.replace(/\r$/, '').length, tokenTypes.indexOf(kind.type), kind.modifiers);
      offset += piece.length + 1;
    }
  }
  return builder.build();
}
