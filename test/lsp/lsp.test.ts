/** `sparrowc lsp --stdio` spoken to over real LSP JSON-RPC, one feature per test, on a fixture workspace. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type {
  CompletionItem,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  ProtocolConnection,
  PublishDiagnosticsParams,
  SemanticTokens,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { compileSchemas } from '../../compiler/compile.ts';
import { positionOf as at, spawnLanguageServer, type LanguageServerProcess } from '../helpers/lsp-server.ts';

const common = 'package common\n\n/// An identifier.\nstruct Id {\n  value: int64\n}\n\nerror NotFound {\n  id: Id\n}\n';
const api = 'package api\n\nimport "common.sparrow"\n\n/// Notes.\nservice Notes {\n  /// One note.\n  get(id: common.Id): string throws common.NotFound\n  put(id: Missing,   text: string): void\n}\n';

describe('sparrowc lsp --stdio', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-lsp-'));
  const commonPath = path.join(dir, 'common.sparrow');
  const apiPath = path.join(dir, 'api.sparrow');
  const uri = (p: string): string => pathToFileURL(p).toString();
  let server: LanguageServerProcess | undefined;
  let connection: ProtocolConnection;
  const diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  const waiters: (() => void)[] = [];

  /** Waits until the latest diagnostics published for `file` satisfy `ok` (bounded). */
  const diagnosticsFor = async (file: string, ok: (d: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const found = (diagnostics.get(uri(file)) ?? []).at(-1);
      if (found !== undefined && ok(found)) return found;
      if (Date.now() > deadline) throw new Error(`no matching diagnostics for ${file}: ${JSON.stringify(diagnostics.get(uri(file)))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };

  before(async () => {
    writeFileSync(commonPath, common);
    writeFileSync(apiPath, 'package api\n');
    server = spawnLanguageServer(dir);
    connection = server.connection;
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      diagnostics.set(params.uri, [...(diagnostics.get(params.uri) ?? []), params]);
      waiters.splice(0).forEach((w) => w());
    });
    connection.listen();
    const init = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: uri(dir), capabilities: {} })) as { capabilities: Record<string, unknown> };
    for (const c of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'renameProvider', 'completionProvider', 'documentSymbolProvider', 'foldingRangeProvider', 'documentFormattingProvider', 'semanticTokensProvider']) {
      assert.ok(init.capabilities[c], `announces ${c}`);
    }
    await connection.sendNotification('initialized', {});
    // The api file is open with text that differs from the disk: the server must use the unsaved text.
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(commonPath), languageId: 'sparrow', version: 1, text: common } });
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(apiPath), languageId: 'sparrow', version: 1, text: api } });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('diagnostics for unsaved text, with the codes and ranges of sparrowc check', async () => {
    // `Missing` is declared nowhere: check reports unknown-type there.
    const published = await diagnosticsFor(apiPath, (d) => d.diagnostics.length > 0);
    const expected = compileSchemas([apiPath], { cwd: dir, readFile: (p) => (p === apiPath ? api : p === commonPath ? common : undefined) }).diagnostics;
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1, d.range.end.character + 1, d.message]),
      expected.map((d) => [d.code, d.line, d.column, d.endLine, d.endColumn, d.message]),
    );
    assert.equal(published.diagnostics[0]?.code, 'unknown-type');
  });

  it('diagnostics across imports: an unsaved edit of the imported file shows in the importing one', async () => {
    const fixed = api.replace('put(id: Missing,', 'put(id: common.Id,');
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(apiPath), version: 2 }, contentChanges: [{ text: fixed }] });
    await diagnosticsFor(apiPath, (d) => d.diagnostics.length === 0);
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(commonPath), version: 2 }, contentChanges: [{ text: common.replace('error NotFound', 'error Gone') }] });
    const broken = await diagnosticsFor(apiPath, (d) => d.diagnostics.some((x) => x.code === 'unknown-type'));
    assert.match(String(broken.diagnostics[0]?.message ?? ''), /common\.NotFound/);
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(commonPath), version: 3 }, contentChanges: [{ text: common }] });
    await diagnosticsFor(apiPath, (d) => d.diagnostics.length === 0);
  });

  const apiText = api.replace('put(id: Missing,', 'put(id: common.Id,');

  it('hover: the declaration, its doc comment and its TypeScript name', async () => {
    const result = (await connection.sendRequest('textDocument/hover', { textDocument: { uri: uri(apiPath) }, position: at(apiText, 'Id') })) as Hover;
    const value = (result.contents as { value: string }).value;
    assert.match(value, /struct Id/);
    assert.match(value, /An identifier\./);
    assert.match(value, /TypeScript: `Id`/);
  });

  it('go to definition across an import', async () => {
    const result = (await connection.sendRequest('textDocument/definition', { textDocument: { uri: uri(apiPath) }, position: at(apiText, 'NotFound') })) as Location;
    assert.equal(result.uri, uri(commonPath));
    assert.deepEqual(result.range.start, at(common, 'NotFound'));
  });

  it('find references across files, the declaration included', async () => {
    const result = (await connection.sendRequest('textDocument/references', { textDocument: { uri: uri(commonPath) }, position: at(common, 'Id'), context: { includeDeclaration: true } })) as Location[];
    const found = result.map((l) => `${path.basename(new URL(l.uri).pathname)}:${l.range.start.line}:${l.range.start.character}`).sort();
    const expected = [
      `common.sparrow:${at(common, 'Id').line}:${at(common, 'Id').character}`,
      `common.sparrow:${at(common, 'Id', 1).line}:${at(common, 'Id', 1).character}`,
      `api.sparrow:${at(apiText, 'Id').line}:${at(apiText, 'Id').character}`,
      `api.sparrow:${at(apiText, 'Id', 1).line}:${at(apiText, 'Id', 1).character}`,
    ].sort();
    assert.deepEqual(found, expected);
  });

  it('rename across files; members and params too; a colliding name is refused', async () => {
    const edit = (await connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(apiPath) }, position: at(apiText, 'Id'), newName: 'Ident' })) as WorkspaceEdit;
    assert.deepEqual(Object.keys(edit.changes ?? {}).sort(), [uri(apiPath), uri(commonPath)].sort());
    assert.equal(edit.changes?.[uri(apiPath)]?.length, 2);
    assert.ok(edit.changes?.[uri(apiPath)]?.every((e: TextEdit) => e.newText === 'Ident'));
    const member = (await connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(apiPath) }, position: at(apiText, 'get'), newName: 'fetch' })) as WorkspaceEdit;
    assert.deepEqual(member.changes?.[uri(apiPath)]?.map((e: TextEdit) => e.range.start), [at(apiText, 'get')]);
    await assert.rejects(connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(commonPath) }, position: at(common, 'Id'), newName: 'NotFound' }), /already taken/);
    await assert.rejects(connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(apiPath) }, position: at(apiText, 'text'), newName: 'id' }), /already taken/);
  });

  it('completion: keywords and types in scope, attributes after @, members of an imported package', async () => {
    const labels = async (text: string, position: { line: number; character: number }): Promise<string[]> => {
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(apiPath), version: 10 }, contentChanges: [{ text }] });
      return ((await connection.sendRequest('textDocument/completion', { textDocument: { uri: uri(apiPath) }, position })) as CompletionItem[]).map((i) => i.label);
    };
    const general = await labels(apiText, at(apiText, 'string'));
    for (const expected of ['struct', 'service', 'int32', 'stream', 'Id', 'NotFound', 'Notes']) assert.ok(general.includes(expected), `offers ${expected}`);
    const withAt = apiText.replace('  put(', '  @\n  put(');
    assert.deepEqual((await labels(withAt, { ...at(withAt, '@'), character: at(withAt, '@').character + 1 })).sort(), ['auth', 'deprecated', 'namespace', 'wire']);
    const dotted = apiText.replace('(id: common.Id)', '(id: common.)');
    const afterDot = at(dotted, 'common.)');
    assert.deepEqual((await labels(dotted, { line: afterDot.line, character: afterDot.character + 7 })).sort(), ['Id', 'NotFound']);
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(apiPath), version: 11 }, contentChanges: [{ text: apiText }] });
  });

  it('document symbols (outline) and folding ranges', async () => {
    const symbols = (await connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(apiPath) } })) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => s.name), ['api', 'Notes']);
    assert.deepEqual(symbols[1]?.children?.map((s) => s.name), ['get', 'put']);
    assert.deepEqual(symbols[1]?.children?.[1]?.children?.map((s) => s.name), ['id', 'text']);
    const folds = (await connection.sendRequest('textDocument/foldingRange', { textDocument: { uri: uri(commonPath) } })) as FoldingRange[];
    assert.ok(folds.some((f) => f.startLine === at(common, 'struct Id').line && f.endLine === at(common, 'struct Id').line + 2));
  });

  it('formatting is fmt\'s: one edit giving the canonical layout', async () => {
    const edits = (await connection.sendRequest('textDocument/formatting', { textDocument: { uri: uri(apiPath) }, options: { tabSize: 2, insertSpaces: true } })) as TextEdit[];
    assert.equal(edits.length, 1);
    assert.equal(edits[0]?.newText, apiText.replace('Id,   text', 'Id, text'));
  });

  it('semantic tokens: keywords, declarations, members, params, comments', async () => {
    const tokens = (await connection.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: uri(apiPath) } })) as SemanticTokens;
    const legend = ['keyword', 'type', 'enum', 'struct', 'interface', 'method', 'property', 'parameter', 'enumMember', 'comment', 'string', 'number', 'decorator', 'namespace'];
    const decoded: string[] = [];
    let line = 0;
    let character = 0;
    for (let i = 0; i < tokens.data.length; i += 5) {
      const [dl, dc, length, type] = tokens.data.slice(i, i + 4) as [number, number, number, number];
      line += dl;
      character = dl === 0 ? character + dc : dc;
      decoded.push(`${apiText.split('\n')[line]?.slice(character, character + length)}:${legend[type]}`);
    }
    for (const expected of ['package:keyword', 'api:namespace', '/// Notes.:comment', 'service:keyword', 'Notes:interface', 'get:method', 'id:parameter', 'Id:struct', '"common.sparrow":string']) {
      assert.ok(decoded.includes(expected), `${expected} in ${decoded.join(' ')}`);
    }
  });
});
