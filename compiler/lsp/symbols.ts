/** The outline (document symbols) and folding ranges of a file. */
import { SymbolKind, type DocumentSymbol, type FoldingRange } from 'vscode-languageserver';
import type { Workspace, WorkspaceSymbol } from '../workspace/workspace.ts';
import { documentOf, toRange } from './documents.ts';

const kinds: Record<WorkspaceSymbol['kind'], SymbolKind> = {
  package: SymbolKind.Package,
  const: SymbolKind.Constant,
  enum: SymbolKind.Enum,
  struct: SymbolKind.Struct,
  error: SymbolKind.Class,
  union: SymbolKind.Class,
  service: SymbolKind.Interface,
  method: SymbolKind.Method,
  notify: SymbolKind.Event,
  topic: SymbolKind.Event,
  field: SymbolKind.Field,
  'enum member': SymbolKind.EnumMember,
};

export function documentSymbols(workspace: Workspace, p: string): DocumentSymbol[] {
  const document = documentOf(workspace, p);
  if (document === undefined) return [];
  const convert = (s: WorkspaceSymbol): DocumentSymbol => ({
    name: s.name,
    kind: kinds[s.kind],
    range: toRange(document, s.range),
    selectionRange: toRange(document, s.selectionRange),
    children: s.children.map(convert),
  });
  return workspace.symbols(p).map(convert);
}

/** Every symbol spanning lines folds, and so does each run of comment lines. */
export function foldingRanges(workspace: Workspace, p: string): FoldingRange[] {
  const document = documentOf(workspace, p);
  if (document === undefined) return [];
  const out: FoldingRange[] = [];
  const visit = (s: WorkspaceSymbol): void => {
    const range = toRange(document, s.range);
    if (range.end.line > range.start.line) out.push({ startLine: range.start.line, endLine: range.end.line });
    s.children.forEach(visit);
  };
  workspace.symbols(p).forEach(visit);
  const lines = document.getText().split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\/\//.test(lines[i] ?? '')) continue;
    let end = i;
    while (end + 1 < lines.length && /^\s*\/\//.test(lines[end + 1] ?? '')) end++;
    if (end > i) out.push({ startLine: i, endLine: end, kind: 'comment' });
    i = end;
  }
  return out;
}
