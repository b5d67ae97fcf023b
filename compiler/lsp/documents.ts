/**
 * Positions and URIs between LSP and the compiler: LSP counts 0-based lines
 * and UTF-16 characters, the compiler 1-based lines and columns or offsets.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Diagnostic as LspDiagnostic, Range } from 'vscode-languageserver';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { TextRange } from '../source/source-file.ts';
import type { Workspace } from '../workspace/workspace.ts';

/** A file URI as a path; `undefined` for other schemes. */
export function uriToPath(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).toString();
}

/** A text document for any file the workspace can read (open or on disk). */
export function documentOf(workspace: Workspace, p: string): TextDocument | undefined {
  const text = workspace.text(p);
  return text === undefined ? undefined : TextDocument.create(pathToUri(p), 'sparrow', 0, text);
}

export function toRange(document: TextDocument, range: TextRange): Range {
  return { start: document.positionAt(range.start), end: document.positionAt(range.end) };
}

/** A compiler diagnostic as LSP's: same code, same range, `sparrowc` as its source. */
export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return {
    range: { start: { line: d.line - 1, character: d.column - 1 }, end: { line: d.endLine - 1, character: d.endColumn - 1 } },
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'sparrowc',
    message: d.message,
  };
}
