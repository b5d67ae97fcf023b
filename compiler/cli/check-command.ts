/**
 * `sparrowc check <file...>`: compiles schemas and prints every diagnostic,
 * `path:line:col: error: message [code]` per line (the source line and a
 * caret line follow on a terminal), or a JSON array with `--format json`.
 *
 * Exit codes: 0 no error (warnings allowed), 1 any error (a missing or cyclic
 * import included), 2 a usage error or a named file that cannot be read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileSchemas } from '../compile.ts';
import { formatDiagnostic } from '../diagnostics/format.ts';
import { createSourceFile, type SourceFile } from '../source/source-file.ts';

/** Options parsed by commander. */
export interface CheckCommandOptions {
  readonly format: 'text' | 'json';
}

/** Where the command writes; a seam for tests. */
export interface CheckIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Runs the check; resolves to the exit code. */
export async function runCheck(files: readonly string[], options: CheckCommandOptions, io: CheckIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const texts = new Map<string, string>();
  for (const file of files) {
    const absolutePath = path.resolve(io.cwd, file);
    try {
      texts.set(absolutePath, readFileSync(absolutePath, 'utf8'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      io.stderr.write(`sparrowc check: cannot read '${file}' (${reason})\n`);
      return 2;
    }
  }
  const result = compileSchemas(files, {
    cwd: io.cwd,
    // Entries were just read; imports come from disk.
    readFile: (p) => texts.get(p) ?? readFileSync(p, 'utf8'),
  });

  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(result.diagnostics, null, 2)}\n`);
  } else {
    const tty = io.stdout.isTTY === true;
    const color = wantsColor(tty, io.env);
    const sources = new Map<string, SourceFile | undefined>();
    const sourceOf = (file: string): SourceFile | undefined => {
      if (!sources.has(file)) {
        const absolutePath = path.resolve(io.cwd, file);
        let text = texts.get(absolutePath);
        try {
          text ??= readFileSync(absolutePath, 'utf8');
        } catch {
          text = undefined;
        }
        sources.set(file, text === undefined ? undefined : createSourceFile(absolutePath, file, text));
      }
      return sources.get(file);
    };
    for (const diagnostic of result.diagnostics) {
      const source = tty ? sourceOf(diagnostic.file) : undefined;
      io.stdout.write(`${formatDiagnostic(diagnostic, { color, ...(source === undefined ? {} : { sourceLine: (line: number) => source.lineText(line) }) })}\n`);
      if (tty) io.stdout.write('\n');
    }
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = result.diagnostics.length - errors;
    if (result.diagnostics.length > 0) io.stderr.write(`Found ${plural(errors, 'error')} and ${plural(warnings, 'warning')}.\n`);
  }
  return result.model === undefined ? 1 : 0;
}

/** Colours only on a terminal, unless NO_COLOR says never or FORCE_COLOR says always. */
function wantsColor(tty: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return tty;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
