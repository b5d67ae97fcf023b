/**
 * The `sparrowc` command line. Each command's module is imported only when
 * that command runs, so `sparrowc call` never loads the compiler's heavy
 * dependencies (chevrotain, ts-morph).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CallCommandOptions } from './call-command.ts';
import type { GenCommandOptions } from './gen-command.ts';
import type { InitCommandOptions } from './init-command.ts';
import { compilerVersion } from './version.ts';

/** Exit codes shared by every command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs sparrowc with the given arguments (without `node` and the script).
 * Resolves to the process exit code; never calls `process.exit` itself.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('sparrowc')
    .description('The Sparrow RPC compiler and command-line peer')
    .version(compilerVersion(), '-V, --version')
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
    .description('generate TypeScript, JavaScript + .d.ts (--target js) or a JSON descriptor from .sparrow schemas; nothing is written when a schema has errors. With no files: what sparrow.json (or --config) says')
    .argument('[files...]', 'schema files (none: read the config file)')
    .option('--config <file>', 'the project file to read when no files are given (default: sparrow.json in the current folder)')
    .option('--out <dir>', 'output folder (with files)')
    .option('--runtime-import <specifier>', 'module specifier of the runtime in generated code (default sparrow-rpc)')
    .addOption(new Option('--import-extension <ext>', 'extension of imports between generated files (default js)').choices(['js', 'ts', 'none']))
    .addOption(new Option('--target <target>', 'what to generate (default ts)').choices(['ts', 'js', 'descriptor', 'python']))
    .option('--watch', 'regenerate whenever a schema changes, and keep running')
    .action(async (files: string[], options: GenCommandOptions) => {
      const { runGen } = await import('./gen-command.ts');
      exitCode = await runGen(files, options);
    });

  program
    .command('init')
    .description('scaffold a project (a schema, a server, a client, sparrow.json, tsconfig.json, package.json) in a new or empty folder')
    .argument('[dir]', 'the folder (default: the current one)')
    .addOption(new Option('--template <name>', 'node: a server and a client in one run; browser: a page and its WebSocket server').choices(['node', 'browser']).default('node'))
    .action(async (dir: string | undefined, options: InitCommandOptions) => {
      const { runInit } = await import('./init-command.ts');
      exitCode = runInit(dir, options);
    });

  program
    .command('call')
    .description('call a target on any Sparrow peer and print the result as JSON (no target: list what the peer exports)')
    .argument('<url>', 'tcp://host:port, unix:/path, tls://host:port, ws://host:port/, wss://…, or stdio:<command line>')
    .argument('[target]', 'a name as the listing prints it (notes.get, #sys.ping); with --namespace, the target name as written')
    .argument('[params-json]', 'named params as a JSON object, "-" to read it from stdin; bytes as {"$bytes": "<base64>"}')
    .option('--namespace <ns>', 'namespace of the target', '')
    .addOption(new Option('--serializer <name>', 'serialiser of the calls').choices(['json', 'msgpack', 'cbor']).default('json'))
    .addOption(new Option('--layout <layout>', 'chain layout').choices(['0.1.2', 'next']).default('0.1.2'))
    .addOption(new Option('--timeout <ms>', 'timeout of connecting and of the call (for --stream: of each part); 0 = none').argParser(parseMilliseconds).default(30_000))
    .addOption(new Option('--stream', 'read a multipart response, one JSON line per part (automatic when the peer describes the target as a stream)').conflicts('notify'))
    .option('--notify', 'send a notification and expect nothing (automatic for a described notify member)')
    .option('--describe [symbol]', 'print the definition of a method, service or type (all of them without a symbol)')
    .addOption(new Option('--format <format>', 'format of the listing and --describe').choices(['text', 'json']).default('text'))
    .option('--ca <file>', 'PEM file of the CA to trust (tls://, wss://)')
    .option('--cert <file>', 'PEM file of a client certificate')
    .option('--key <file>', 'PEM file of the client certificate\'s key')
    .addHelpText('after', '\nExit status: 0 done; 1 the peer answered with an error; 2 connection failed or lost, timeout, or a usage error; 130 interrupted.')
    .showHelpAfterError('hint: sparrowc call --help shows every option')
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
