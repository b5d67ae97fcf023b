/**
 * The `sparrowc` command line. Each command's module is imported only when
 * that command runs, so `sparrowc call` never loads the compiler's heavy
 * dependencies (chevrotain, ts-morph).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CallCommandOptions } from './call-command.ts';
import type { FmtCommandOptions } from './fmt-command.ts';
import type { GenCommandOptions } from './gen-command.ts';
import type { InitCommandOptions } from './init-command.ts';
import type { LspCommandOptions } from './lsp-command.ts';
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
    .description('compare two versions of a schema and tell compatible changes from breaking ones (exit 1 if any breaks); with --against, compare files with themselves at a git ref')
    .usage('[options] <old> <new>  |  --against <git-ref> <files...>')
    .argument('<files...>', 'the old and the new schema file; with --against, the schema files to compare')
    .option('--against <git-ref>', 'compare the files with the same files at this git ref (read with git show, no checkout)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (files: string[], options: { format: 'text' | 'json'; against?: string }) => {
      const { runCompat, runCompatAgainst } = await import('./compat-command.ts');
      if (options.against !== undefined) {
        exitCode = await runCompatAgainst(options.against, files, options);
        return;
      }
      const [oldFile, newFile] = files;
      if (files.length !== 2 || oldFile === undefined || newFile === undefined) {
        process.stderr.write('sparrowc compat: give the old and the new schema file, or --against <git-ref> with the files\n');
        exitCode = ExitCode.usage;
        return;
      }
      exitCode = await runCompat(oldFile, newFile, options);
    });

  program
    .command('lint')
    .description('check .sparrow schemas against the lint rules configured in sparrow.json (exit 1 on any finding)')
    .argument('<files...>', 'schema files')
    .action(async (files: string[]) => {
      const { runLint } = await import('./lint-command.ts');
      exitCode = await runLint(files);
    });

  program
    .command('lsp')
    .description('run the Sparrow language server (diagnostics, hover, definitions, references, rename, completion, outline, folding, formatting, semantic tokens)')
    .option('--stdio', 'speak LSP over stdin and stdout (how editors start it)')
    .action(async (options: LspCommandOptions) => {
      const { runLsp } = await import('./lsp-command.ts');
      exitCode = await runLsp(options);
    });

  program
    .command('fmt')
    .description('format .sparrow schemas in the canonical layout, keeping every comment (no file: every schema under the current folder)')
    .argument('[files...]', 'schema files')
    .option('--check', 'list the files that are not formatted and exit 1 if any; change nothing')
    .option('--write', 'rewrite the files in place (default: print the formatted text)')
    .action(async (files: string[], options: FmtCommandOptions) => {
      const { runFmt } = await import('./fmt-command.ts');
      exitCode = await runFmt(files, options);
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
    .argument('<url>', 'tcp://host:port, unix:/path, tls://host:port, ws://host:port/, wss://…, nats://host:port/<service>, or stdio:<command line>')
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
    .option('--token <token>', 'credential sent in #sys.hello, to a peer that lists the hello extension (else not sent, with a warning)')
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
