/** Go to definition and find references, across imported files. */
import type { Location } from 'vscode-languageserver';
import type { Workspace, WorkspaceLocation } from '../workspace/workspace.ts';
import { documentOf, pathToUri, toRange } from './documents.ts';

export function toLocation(workspace: Workspace, location: WorkspaceLocation): Location | undefined {
  const document = documentOf(workspace, location.path);
  return document === undefined ? undefined : { uri: pathToUri(location.path), range: toRange(document, location.range) };
}

export function definition(workspace: Workspace, p: string, offset: number): Location | null {
  const found = workspace.definition(p, offset);
  return (found && toLocation(workspace, found)) ?? null;
}

export function references(workspace: Workspace, p: string, offset: number): Location[] {
  return workspace.references(p, offset).flatMap((l) => toLocation(workspace, l) ?? []);
}
