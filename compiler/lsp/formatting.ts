/** Document formatting, done by `sparrowc fmt`'s printer: one edit replacing the whole text, none when it is formatted or does not parse. */
import type { TextEdit } from 'vscode-languageserver';
import { formatSchema } from '../format/format-schema.ts';
import { createSourceFile } from '../source/source-file.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { documentOf } from './documents.ts';

export function formatting(workspace: Workspace, p: string): TextEdit[] {
  const document = documentOf(workspace, p);
  if (document === undefined) return [];
  const text = document.getText();
  const formatted = formatSchema(createSourceFile(p, p, text)).text;
  if (formatted === undefined || formatted === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: document.positionAt(text.length) }, newText: formatted }];
}
