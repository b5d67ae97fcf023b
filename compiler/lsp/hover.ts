/** Hover: the declaration as written, its doc comment, and the TypeScript name it becomes. */
import type { Hover } from 'vscode-languageserver';
import { toCamelCase, toPascalCase } from '../emit/names.ts';
import type { Workspace } from '../workspace/workspace.ts';

export function hover(workspace: Workspace, p: string, offset: number): Hover | null {
  const target = workspace.targetAt(p, offset);
  if (target === undefined) return null;
  const text = target.file.source.text;
  const node = target.node;
  // The declaration's first line as written (attributes and body left out).
  const start = 'kind' in node && node.kind !== 'member' && 'name' in node ? node.range.start : node.range.start;
  const firstLine = text.slice(start, node.range.end).split(/\r?\n/)[0]?.replace(/\s*\{.*$/, '').trim() ?? target.name.text;
  const isDeclaration = target.declaration !== undefined;
  const model = workspace.program(p).model;
  const tsName = isDeclaration ? (model?.declarations[target.declaration?.qualifiedName ?? '']?.tsName ?? toPascalCase(target.name.text)) : toCamelCase(target.name.text);
  const doc = 'doc' in node ? node.doc : undefined;
  const parts = ['```sparrow', firstLine, '```'];
  if (doc !== undefined) parts.push('', doc);
  parts.push('', `TypeScript: \`${tsName}\``);
  return { contents: { kind: 'markdown', value: parts.join('\n') } };
}
