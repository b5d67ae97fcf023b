/**
 * The extension's client (editors/vscode/src/extension.ts) activated in
 * plain Node: VS Code itself cannot run here (@vscode/test-electron downloads
 * VS Code from update.code.visualstudio.com, which this environment cannot
 * reach), so `vscode` and `vscode-languageclient/node` are replaced by
 * recording fakes. What is real: the activation logic, the server search,
 * and the launch it hands the client, which is then started as the client
 * would start it and spoken to over LSP.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { projectRoot } from '../helpers/cli.ts';

interface FakeClient {
  id: string;
  serverOptions: { module?: string; command?: string; args: string[]; transport?: number };
  clientOptions: { documentSelector: unknown };
  started: boolean;
  stopped: boolean;
}
interface FakeState {
  folders: string[];
  setting: string;
  clients: FakeClient[];
  commands: Map<string, () => Promise<void>>;
  configListeners: ((event: { affectsConfiguration(section: string): boolean }) => Promise<void>)[];
  warnings: string[];
  errors: string[];
  logs: string[];
}

const fakes = mkdtempSync(path.join(tmpdir(), 'sparrow-vscode-fakes-'));
const state: FakeState = { folders: [], setting: '', clients: [], commands: new Map(), configListeners: [], warnings: [], errors: [], logs: [] };
(globalThis as { sparrowFakeVscode?: FakeState }).sparrowFakeVscode = state;
writeFileSync(
  path.join(fakes, 'vscode.mjs'),
  `const s = globalThis.sparrowFakeVscode;
export const window = {
  createOutputChannel: () => ({ info: (m) => s.logs.push(m) }),
  showWarningMessage: async (m) => void s.warnings.push(m),
  showErrorMessage: async (m) => void s.errors.push(m),
};
export const workspace = {
  get workspaceFolders() { return s.folders.map((f) => ({ uri: { fsPath: f } })); },
  getConfiguration: (section) => ({ get: (key, fallback) => (section === 'sparrow' && key === 'server.path' ? s.setting : fallback) }),
  createFileSystemWatcher: (glob) => ({ glob }),
  onDidChangeConfiguration: (listener) => (s.configListeners.push(listener), { dispose() {} }),
};
export const commands = { registerCommand: (id, run) => (s.commands.set(id, run), { dispose() {} }) };
`,
);
writeFileSync(
  path.join(fakes, 'languageclient.mjs'),
  `const s = globalThis.sparrowFakeVscode;
export const TransportKind = { stdio: 0, ipc: 1, pipe: 2, socket: 3 };
export class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    this.record = { id, serverOptions, clientOptions, started: false, stopped: false };
    s.clients.push(this.record);
  }
  async start() { this.record.started = true; }
  async stop() { this.record.stopped = true; }
}
`,
);
const redirects = { vscode: pathToFileURL(path.join(fakes, 'vscode.mjs')).href, 'vscode-languageclient/node': pathToFileURL(path.join(fakes, 'languageclient.mjs')).href };
register(
  `data:text/javascript,${encodeURIComponent(`const r = ${JSON.stringify(redirects)};
export function resolve(specifier, context, next) {
  return Object.hasOwn(r, specifier) ? { url: r[specifier], shortCircuit: true } : next(specifier, context);
}`)}`,
);

type Extension = { activate(context: { subscriptions: unknown[] }): Promise<void>; deactivate(): Promise<void> };
// By URL: the root type-check must not follow it into editors/vscode, whose types (vscode, the client) live in that project.
const extension = (await import(new URL('../../editors/vscode/src/extension.ts', import.meta.url).href)) as Extension;

describe('the VS Code extension activates without VS Code (recording fakes for its API)', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'sparrow-vscode-empty-'));
  after(() => {
    rmSync(fakes, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('starts the workspace\'s sparrowc as `node …/sparrowc.js lsp` over stdio for .sparrow documents', async () => {
    state.folders = [projectRoot];
    const context = { subscriptions: [] as unknown[] };
    await extension.activate(context);
    assert.equal(state.clients.length, 1);
    const client = state.clients[0]!;
    assert.equal(client.started, true);
    assert.deepEqual(client.serverOptions, { module: path.join(projectRoot, 'compiler', 'bin', 'sparrowc.js'), args: ['lsp'], transport: 0 });
    assert.deepEqual(client.clientOptions.documentSelector, [{ language: 'sparrow' }]);
    assert.ok(state.commands.has('sparrow.restartServer'));
    assert.equal(context.subscriptions.length, 2, 'the command and the configuration listener are disposed with the extension');
    assert.match(state.logs.at(-1) ?? '', /lsp --stdio \(from the workspace\)/);
  });

  it('the launch it hands the client really serves LSP (`--stdio` appended, as the client does for TransportKind.stdio)', async () => {
    const options = state.clients[0]!.serverOptions;
    const child = spawn(process.execPath, [options.module!, ...options.args, '--stdio'], { cwd: empty, stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.listen();
    try {
      const init = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as { serverInfo?: { name: string } };
      assert.equal(init.serverInfo?.name, 'sparrowc');
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => resolve(clearTimeout(timer)));
        });
      }
    }
  });

  it('restarts the server when sparrow.server.path changes, with the configured path', async () => {
    state.setting = 'bin/sparrowc.js';
    await Promise.all(state.configListeners.map((listener) => listener({ affectsConfiguration: (section) => section === 'sparrow.server.path' })));
    assert.equal(state.clients[0]?.stopped, true);
    assert.equal(state.clients.length, 2);
    assert.equal(state.clients[1]?.serverOptions.module, path.join(projectRoot, 'bin', 'sparrowc.js'));
    assert.equal(state.clients[1]?.started, true);
    // Other settings leave the server alone.
    await Promise.all(state.configListeners.map((listener) => listener({ affectsConfiguration: () => false })));
    assert.equal(state.clients.length, 2);
  });

  it('reports a configured path that does not exist instead of falling back to another server', async () => {
    state.setting = 'no/such/sparrowc';
    await state.commands.get('sparrow.restartServer')!();
    assert.equal(state.clients[1]?.stopped, true);
    assert.equal(state.clients.length, 2, 'no client for a missing server');
    assert.match(state.errors.at(-1) ?? '', /sparrow\.server\.path: no file at .*no\/such\/sparrowc/);
  });

  it('without any sparrowc, keeps highlighting only and says how to install it', async () => {
    state.setting = '';
    state.folders = [empty];
    await state.commands.get('sparrow.restartServer')!();
    assert.equal(state.clients.length, 2);
    assert.match(state.warnings.at(-1) ?? '', /no sparrowc found.*npm install --save-dev sparrowc/);
  });

  it('deactivate stops the running client', async () => {
    state.folders = [projectRoot];
    await state.commands.get('sparrow.restartServer')!();
    const running = state.clients.at(-1)!;
    assert.equal(running.started, true);
    await extension.deactivate();
    assert.equal(running.stopped, true);
  });
});
