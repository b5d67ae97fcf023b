/**
 * The `sparrowc` command line. Each command's module is imported only when
 * that command runs, so `sparrowc call` never loads the compiler's heavy
 * dependencies (chevrotain, ts-morph).
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';

/** Exit codes shared by every command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Runs sparrowc with the given arguments (without `node` and the script).
 * Resolves to the process exit code; never calls `process.exit` itself.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('sparrowc')
    .description('The Sparrow RPC compiler and command-line peer')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError();

  // Commands register here, each importing its module lazily.
  program
    .command('check')
    .description('check .sparrow schemas and print every diagnostic (exit 1 on any error)')
    .argument('<files...>', 'schema files')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (files: string[], options: { format: 'text' | 'json' }) => {
      const { runCheck } = await import('./check-command.ts');
      exitCode = await runCheck(files, options);
    });

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version land here with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw error;
  }
  return exitCode;
}
