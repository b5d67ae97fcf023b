/** A `sparrowc lsp --stdio` process for tests, spoken to over real LSP JSON-RPC. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { projectRoot } from './cli.ts';

/** A running server: add handlers, then `connection.listen()`; `close()` shuts it down (killed after 5 s). */
export interface LanguageServerProcess {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
  close(): Promise<void>;
}

/** Spawns the repository's `sparrowc lsp --stdio` in `cwd` (not yet listening). */
export function spawnLanguageServer(cwd: string): LanguageServerProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin/sparrowc.js'), 'lsp', '--stdio'], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  return {
    child,
    connection,
    async close() {
      await connection.sendRequest('shutdown').catch(() => undefined);
      await connection.sendNotification('exit').catch(() => undefined);
      connection.dispose();
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => resolve(clearTimeout(timer)));
        });
      }
    },
  };
}

/** The LSP position of the `nth` (0-based) occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string, nth = 0): { line: number; character: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) index = text.indexOf(needle, index + 1);
  assert.ok(index >= 0, `${needle} in text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length - 1, character: (before.at(-1) ?? '').length };
}
