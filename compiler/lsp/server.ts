/**
 * The Sparrow language server: wires an LSP connection to a {@link Workspace}.
 * Each feature lives in its own file; this one only routes requests and
 * publishes diagnostics (same codes and ranges as `sparrowc check`) for every
 * open document whenever any document changes, so an edit in an imported
 * file shows up in the files that import it before anything is saved.
 */
import { TextDocumentSyncKind, TextDocuments, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createWorkspace, type Workspace } from '../workspace/workspace.ts';
import { completion } from './completion.ts';
import { toLspDiagnostic, uriToPath } from './documents.ts';
import { formatting } from './formatting.ts';
import { hover } from './hover.ts';
import { definition, references } from './navigation.ts';
import { rename } from './rename.ts';
import { semanticTokens, semanticTokensLegend } from './semantic-tokens.ts';
import { documentSymbols, foldingRanges } from './symbols.ts';

/** Serves LSP on `connection` until it closes. */
export function startLanguageServer(connection: Connection): Workspace {
  const workspace = createWorkspace();
  const documents = new TextDocuments(TextDocument);

  connection.onInitialize((params) => {
    // References and rename also search the schemas on disk under the workspace folders, open or not.
    const folders = (params.workspaceFolders ?? []).map((f) => f.uri);
    if (folders.length === 0 && params.rootUri !== null) folders.push(params.rootUri);
    workspace.setFolders(folders.flatMap((uri) => uriToPath(uri) ?? []));
    return initializeResult;
  });
  const initializeResult: InitializeResult = {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Full,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: true,
      completionProvider: { triggerCharacters: ['@', '.'] },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      documentFormattingProvider: true,
      semanticTokensProvider: { legend: semanticTokensLegend, full: true },
    },
    serverInfo: { name: 'sparrowc' },
  };

  const publish = (): void => {
    for (const p of workspace.documents()) {
      const found = workspace.diagnostics(p).get(p) ?? [];
      void connection.sendDiagnostics({ uri: documents.all().find((d) => uriToPath(d.uri) === p)?.uri ?? p, diagnostics: found.map(toLspDiagnostic) });
    }
  };
  documents.onDidOpen(({ document }) => {
    const p = uriToPath(document.uri);
    if (p === undefined) return;
    workspace.open(p, document.getText());
    publish();
  });
  documents.onDidChangeContent(({ document }) => {
    const p = uriToPath(document.uri);
    if (p === undefined) return;
    workspace.change(p, document.getText());
    publish();
  });
  documents.onDidClose(({ document }) => {
    const p = uriToPath(document.uri);
    if (p === undefined) return;
    workspace.close(p);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  /** The path and offset of a request, or `undefined` for documents that are not open files. */
  const at = (uri: string, position: { line: number; character: number }): { p: string; offset: number } | undefined => {
    const document = documents.get(uri);
    const p = uriToPath(uri);
    return document === undefined || p === undefined ? undefined : { p, offset: document.offsetAt(position) };
  };
  const pathOf = (uri: string): string | undefined => (documents.get(uri) === undefined ? undefined : uriToPath(uri));

  connection.onHover(({ textDocument, position }) => {
    const where = at(textDocument.uri, position);
    return where === undefined ? null : hover(workspace, where.p, where.offset);
  });
  connection.onDefinition(({ textDocument, position }) => {
    const where = at(textDocument.uri, position);
    return where === undefined ? null : definition(workspace, where.p, where.offset);
  });
  connection.onReferences(({ textDocument, position }) => {
    const where = at(textDocument.uri, position);
    return where === undefined ? [] : references(workspace, where.p, where.offset);
  });
  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const where = at(textDocument.uri, position);
    return where === undefined ? null : rename(workspace, where.p, where.offset, newName);
  });
  connection.onCompletion(({ textDocument, position }) => {
    const where = at(textDocument.uri, position);
    return where === undefined ? [] : completion(workspace, where.p, where.offset);
  });
  connection.onDocumentSymbol(({ textDocument }) => {
    const p = pathOf(textDocument.uri);
    return p === undefined ? [] : documentSymbols(workspace, p);
  });
  connection.onFoldingRanges(({ textDocument }) => {
    const p = pathOf(textDocument.uri);
    return p === undefined ? [] : foldingRanges(workspace, p);
  });
  connection.onDocumentFormatting(({ textDocument }) => {
    const p = pathOf(textDocument.uri);
    return p === undefined ? [] : formatting(workspace, p);
  });
  connection.languages.semanticTokens.on(({ textDocument }) => {
    const p = pathOf(textDocument.uri);
    return p === undefined ? { data: [] } : semanticTokens(workspace, p);
  });

  documents.listen(connection);
  connection.listen();
  return workspace;
}
