/**
 * Rename of declarations (everywhere they are used, across files), members,
 * fields, params and enum members. Refuses a name that is not an identifier
 * or that a sibling (or another declaration in scope) already has.
 */
import { ResponseError, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Workspace } from '../workspace/workspace.ts';
import { documentOf, pathToUri, toRange } from './documents.ts';

/** LSP's RequestFailed error code. */
const REQUEST_FAILED = -32803;

export function rename(workspace: Workspace, p: string, offset: number, newName: string): WorkspaceEdit {
  const target = workspace.targetAt(p, offset);
  if (target === undefined) throw new ResponseError(REQUEST_FAILED, 'Nothing to rename here.');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) throw new ResponseError(REQUEST_FAILED, `'${newName}' is not a valid name.`);
  if (newName !== target.name.text && target.siblings.includes(newName)) throw new ResponseError(REQUEST_FAILED, `'${newName}' is already taken here.`);
  const changes: Record<string, TextEdit[]> = {};
  for (const location of workspace.references(p, offset)) {
    const document = documentOf(workspace, location.path);
    if (document === undefined) continue;
    (changes[pathToUri(location.path)] ??= []).push({ range: toRange(document, location.range), newText: newName });
  }
  return { changes };
}
