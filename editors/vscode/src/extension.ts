/**
 * The Sparrow extension's client: starts `sparrowc lsp --stdio` (found by
 * `findServer`) for `.sparrow` files and restarts it when the
 * `sparrow.server.path` setting changes.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { findServer, type ServerLaunch } from './find-server.ts';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel | undefined;

function serverOptions(launch: ServerLaunch): ServerOptions {
  if (launch.kind === 'module') {
    // The client appends `--stdio` for TransportKind.stdio.
    return { module: launch.path, args: ['lsp'], transport: TransportKind.stdio };
  }
  return { command: launch.path, args: ['lsp', '--stdio'], options: { shell: process.platform === 'win32' } };
}

async function start(): Promise<void> {
  output ??= vscode.window.createOutputChannel('Sparrow', { log: true });
  const configured = vscode.workspace.getConfiguration('sparrow').get<string>('server.path', '');
  const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
  let launch: ServerLaunch | undefined;
  try {
    launch = findServer(configured, folders);
  } catch (error) {
    void vscode.window.showErrorMessage(`Sparrow: ${(error as Error).message}`);
    return;
  }
  if (launch === undefined) {
    output.info('sparrowc not found in the workspace\'s node_modules; highlighting only.');
    void vscode.window.showWarningMessage('Sparrow: no sparrowc found. Run `npm install --save-dev sparrowc` in the workspace, or set `sparrow.server.path`.');
    return;
  }
  output.info(`Starting ${launch.path} lsp --stdio (from the ${launch.source})`);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'sparrow' }],
    outputChannel: output,
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.sparrow') },
  };
  client = new LanguageClient('sparrow', 'Sparrow', serverOptions(launch), clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) await running.stop();
}

/** Called by VS Code on the first `.sparrow` file. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('sparrow.restartServer', async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('sparrow.server.path')) {
        await stop();
        await start();
      }
    }),
  );
  await start();
}

/** Called by VS Code on shutdown. */
export function deactivate(): Promise<void> {
  return stop();
}
