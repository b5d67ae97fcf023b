/**
 * `sparrowc lsp --stdio` over real LSP JSON-RPC: members as first-class
 * names (references and rename of enum members and fields reach every value
 * that names them), schemas on disk that no editor has open, and hover's
 * generated TypeScript.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Hover, Location, ProtocolConnection, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol/node';
import { positionOf as at, spawnLanguageServer, type LanguageServerProcess } from '../helpers/lsp-server.ts';

const common = 'package common\n\n/// A level.\nenum Level { low = 1, high = 2 }\n\n/// A point.\nstruct Point {\n  x: float64\n  level: Level = Level.low\n}\n';
const api = 'package api\n\nimport "common.sparrow"\n\nservice Mover {\n  /// Moves.\n  move(to: common.Point, level: common.Level = common.Level.low): common.Point\n}\n';
// Never opened: only on disk, in a sub-folder of the workspace.
const use = 'package use\n\nimport "../common.sparrow"\n\nconst origin: common.Point = { x: 0, level: common.Level.high }\n';

describe('sparrowc lsp: members, files not open, generated TypeScript on hover', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-lsp-members-'));
  const commonPath = path.join(dir, 'common.sparrow');
  const apiPath = path.join(dir, 'api.sparrow');
  const usePath = path.join(dir, 'more', 'use.sparrow');
  const uri = (p: string): string => pathToFileURL(p).toString();
  let server: LanguageServerProcess | undefined;
  let connection: ProtocolConnection;

  before(async () => {
    writeFileSync(commonPath, common);
    writeFileSync(apiPath, api);
    mkdirSync(path.dirname(usePath));
    writeFileSync(usePath, use);
    server = spawnLanguageServer(dir);
    connection = server.connection;
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, workspaceFolders: [{ uri: uri(dir), name: 'fixture' }], capabilities: {} });
    await connection.sendNotification('initialized', {});
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(commonPath), languageId: 'sparrow', version: 1, text: common } });
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(apiPath), languageId: 'sparrow', version: 1, text: api } });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const place = (file: string, p: { line: number; character: number }): string => `${path.basename(file)}:${p.line}:${p.character}`;
  const places = (locations: Location[]): string[] => locations.map((l) => `${path.basename(new URL(l.uri).pathname)}:${l.range.start.line}:${l.range.start.character}`).sort();

  it('references of an enum member: its declaration and every value naming it, across files', async () => {
    const result = (await connection.sendRequest('textDocument/references', { textDocument: { uri: uri(commonPath) }, position: at(common, 'low'), context: { includeDeclaration: true } })) as Location[];
    assert.deepEqual(places(result), [place(commonPath, at(common, 'low')), place(commonPath, at(common, 'low', 1)), place(apiPath, at(api, 'low'))].sort());
  });

  it('references of a field reach a schema on disk that is not open (object keys naming it)', async () => {
    const result = (await connection.sendRequest('textDocument/references', { textDocument: { uri: uri(commonPath) }, position: at(common, 'x:'), context: { includeDeclaration: true } })) as Location[];
    assert.deepEqual(places(result), [place(commonPath, at(common, 'x:')), place(usePath, at(use, 'x:'))].sort());
  });

  it('references from a use: the enum member named in a value leads back to the declaration', async () => {
    const result = (await connection.sendRequest('textDocument/references', { textDocument: { uri: uri(apiPath) }, position: at(api, 'low'), context: { includeDeclaration: true } })) as Location[];
    assert.ok(places(result).includes(place(commonPath, at(common, 'low'))));
    assert.equal(result.length, 3);
  });

  it('rename of a field edits its uses, not a param or type of the same spelling', async () => {
    const edit = (await connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(commonPath) }, position: at(common, 'level:'), newName: 'tier' })) as WorkspaceEdit;
    assert.deepEqual(Object.keys(edit.changes ?? {}).sort(), [uri(commonPath), uri(usePath)].sort());
    assert.deepEqual(edit.changes?.[uri(commonPath)]?.map((e: TextEdit) => e.range.start), [at(common, 'level:')]);
    assert.deepEqual(edit.changes?.[uri(usePath)]?.map((e: TextEdit) => [e.range.start, e.newText]), [[at(use, 'level:'), 'tier']]);
  });

  it('rename of an enum member edits every value naming it; a sibling name is refused', async () => {
    const edit = (await connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(commonPath) }, position: at(common, 'high'), newName: 'top' })) as WorkspaceEdit;
    assert.deepEqual(edit.changes?.[uri(usePath)]?.map((e: TextEdit) => e.range.start), [at(use, 'high')]);
    assert.deepEqual(edit.changes?.[uri(commonPath)]?.map((e: TextEdit) => e.range.start), [at(common, 'high')]);
    await assert.rejects(connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(commonPath) }, position: at(common, 'high'), newName: 'low' }), /already taken/);
  });

  it('hover shows the TypeScript a declaration, a field and a method become', async () => {
    const value = async (file: string, text: string, needle: string): Promise<string> =>
      ((await connection.sendRequest('textDocument/hover', { textDocument: { uri: uri(file) }, position: at(text, needle) })) as Hover & { contents: { value: string } }).contents.value;
    const struct = await value(apiPath, api, 'Point');
    assert.match(struct, /```typescript\nexport interface Point \{\n  x: number;\n  level: Level;\n\}\n```/);
    assert.match(await value(commonPath, common, 'x:'), /```typescript\nx: number;\n```/);
    assert.match(await value(commonPath, common, 'Level {'), /export const Level = \{\n  low: 1,\n  high: 2,\n\} as const;/);
    assert.match(await value(apiPath, api, 'move'), /```typescript\nmove\(args: \{ to: PointInit; level\?: Level \| undefined \}, options\?: \$ClientCallOptions\): Promise<Point>;\n```/);
  });
});
