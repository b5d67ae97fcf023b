/**
 * `sparrowc lsp --stdio`: the language server (compiler/lsp/) over stdin and
 * stdout, the way editors start it. Resolves when the client closes the
 * connection (after `shutdown` and `exit`).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from '../lsp/server.ts';

/** Options parsed by commander. */
export interface LspCommandOptions {
  readonly stdio?: boolean;
}

/** Serves until the client exits; resolves to the exit code. */
export async function runLsp(options: LspCommandOptions): Promise<number> {
  if (options.stdio !== true) {
    process.stderr.write('sparrowc lsp: only --stdio is supported\n');
    return 2;
  }
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  await new Promise<void>((resolve) => {
    connection.onExit(() => resolve());
    startLanguageServer(connection);
  });
  return 0;
}
