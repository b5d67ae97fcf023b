/**
 * `sparrowc fmt [files...] [--check] [--write]`: prints schemas in the one
 * canonical layout (docs/language.md, "Formatting"). With no file, every
 * `.sparrow` file under the current folder (node_modules and dot-folders
 * skipped). Without a flag the formatted text goes to stdout; `--write`
 * rewrites the files that change and names them; `--check` names the files
 * that are not formatted and changes nothing.
 *
 * Exit codes: 0 done (with `--check`: every file formatted), 1 `--check`
 * found an unformatted file or a file has syntax errors (its diagnostics go
 * to stderr, the file is left alone), 2 a usage error or an unreadable file.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '../diagnostics/format.ts';
import { formatSchema } from '../format/format-schema.ts';
import { createSourceFile } from '../source/source-file.ts';

/** Options parsed by commander. */
export interface FmtCommandOptions {
  readonly check?: boolean;
  readonly write?: boolean;
}

/** Where the command writes; a seam for tests. */
export interface FmtIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
}

/** Formats the files; resolves to the exit code. */
export async function runFmt(files: readonly string[], options: FmtCommandOptions, io: FmtIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  if (options.check === true && options.write === true) {
    io.stderr.write('sparrowc fmt: --check and --write cannot be combined\n');
    return 2;
  }
  const targets = files.length > 0 ? files : findSchemas(io.cwd);
  let exitCode = 0;
  for (const file of targets) {
    const absolutePath = path.resolve(io.cwd, file);
    let text: string;
    try {
      text = readFileSync(absolutePath, 'utf8');
    } catch (error) {
      io.stderr.write(`sparrowc fmt: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
      return 2;
    }
    const result = formatSchema(createSourceFile(absolutePath, file, text));
    if (result.text === undefined) {
      for (const diagnostic of result.diagnostics) io.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
      io.stderr.write(`sparrowc fmt: '${file}' has syntax errors; not formatted.\n`);
      exitCode = 1;
      continue;
    }
    const changed = result.text !== text;
    if (options.check === true) {
      if (changed) {
        io.stdout.write(`${file}\n`);
        exitCode = 1;
      }
    } else if (options.write === true) {
      if (changed) {
        writeFileSync(absolutePath, result.text);
        io.stdout.write(`${file}\n`);
      }
    } else {
      io.stdout.write(result.text);
    }
  }
  return exitCode;
}

/** Every `.sparrow` file under `root`, sorted, as paths relative to it. */
function findSchemas(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile() && entry.name.endsWith('.sparrow')) found.push(relative);
    }
  };
  walk('');
  return found.sort();
}
