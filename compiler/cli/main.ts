/**
 * The `sparrowc` command line. Each command's module is imported only when
 * that command runs, so `sparrowc call` never loads the compiler's heavy
 * dependencies (chevrotain, ts-morph).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { CallCommandOptions } from './call-command.ts';
import type { GenCommandOptions } from './gen-command.ts';

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

  program
    .command('compat')
    .description('compare two versions of a schema and tell compatible changes from breaking ones (exit 1 if any breaks)')
    .argument('<old>', 'the old schema file')
    .argument('<new>', 'the new schema file')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (oldFile: string, newFile: string, options: { format: 'text' | 'json' }) => {
      const { runCompat } = await import('./compat-command.ts');
      exitCode = await runCompat(oldFile, newFile, options);
    });

  program
    .command('gen')
    .description('generate TypeScript (or a JSON descriptor) from .sparrow schemas; nothing is written when a schema has errors')
    .argument('<files...>', 'schema files')
    .requiredOption('--out <dir>', 'output folder')
    .option('--runtime-import <specifier>', 'module specifier of the runtime in generated code', 'sparrow/runtime')
    .addOption(new Option('--import-extension <ext>', 'extension of imports between generated files').choices(['js', 'ts', 'none']).default('js'))
    .addOption(new Option('--target <target>', 'what to generate').choices(['ts', 'descriptor', 'python']).default('ts'))
    .option('--watch', 'regenerate whenever a schema changes, and keep running')
    .action(async (files: string[], options: GenCommandOptions) => {
      const { runGen } = await import('./gen-command.ts');
      exitCode = await runGen(files, options);
    });

  program
    .command('call')
    .description('call a target on any Sparrow peer and print the result as JSON (no target: list what the peer exports)')
    .argument('<url>', 'tcp://host:port, unix:/path, tls://host:port, ws://host:port/, wss://…, or stdio:<command line>')
    .argument('[target]', 'target name, sent as written (it may contain dots: give the namespace with --namespace)')
    .argument('[params-json]', 'named params as a JSON object, "-" to read it from stdin; bytes as {"$bytes": "<base64>"}')
    .option('--namespace <ns>', 'namespace of the target', '')
    .addOption(new Option('--serializer <name>', 'serialiser of the calls').choices(['json', 'msgpack', 'cbor']).default('json'))
    .addOption(new Option('--layout <layout>', 'chain layout').choices(['0.1.2', 'next']).default('0.1.2'))
    .addOption(new Option('--timeout <ms>', 'timeout of connecting and of the call (for --stream: of each part); 0 = none').argParser(parseMilliseconds).default(30_000))
    .addOption(new Option('--stream', 'the target answers with a multipart response: print one JSON line per part').conflicts('notify'))
    .option('--notify', 'send a notification and expect nothing')
    .option('--ca <file>', 'PEM file of the CA to trust (tls://, wss://)')
    .option('--cert <file>', 'PEM file of a client certificate')
    .option('--key <file>', 'PEM file of the client certificate\'s key')
    .addHelpText('after', '\nExit status: 0 done; 1 the peer answered with an error; 2 connection failed or lost, timeout, or a usage error; 130 interrupted.')
    .action(async (url: string, target: string | undefined, params: string | undefined, options: CallCommandOptions) => {
      const { runCall } = await import('./call-command.ts');
      exitCode = await runCall(url, target, params, options);
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

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (value.trim() === '' || !Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError('expected a number of milliseconds (0 = no timeout)');
  return ms;
}
