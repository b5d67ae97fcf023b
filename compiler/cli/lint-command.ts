/**
 * `sparrowc lint <files...>`: checks the schemas, then runs the lint rules
 * (docs/language.md, "Lint rules") configured by the `lint` section of
 * `sparrow.json`, printing one `path:line:col: error: message [rule-id]`
 * line per finding, as `check` prints diagnostics.
 *
 * Exit codes: 0 no finding, 1 a finding or a schema with errors (its
 * diagnostics are printed the same way), 2 a usage error, an unreadable file
 * or an invalid sparrow.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileSchemas } from '../compile.ts';
import { formatDiagnostic } from '../diagnostics/format.ts';
import { lintModel } from '../lint/lint.ts';
import { toPortableRelative } from '../source/read-files.ts';
import { ConfigError } from '../config/config.ts';
import { isUnder, readLintConfig } from './project-config.ts';

/** Where the command writes; a seam for tests. */
export interface LintIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
}

/** Lints the files; resolves to the exit code. */
export async function runLint(files: readonly string[], io: LintIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  let config;
  try {
    config = readLintConfig(io.cwd);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.problems.map((problem) => `sparrowc lint: ${problem}`).join('\n')}\n`);
    return 2;
  }
  const root = config.root ?? io.cwd;
  const absolute = files.map((f) => path.resolve(io.cwd, f));
  for (const [i, file] of absolute.entries()) {
    try {
      readFileSync(file);
    } catch (error) {
      io.stderr.write(`sparrowc lint: cannot read '${files[i]}' (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
      return 2;
    }
  }
  const linted = files.filter((_, i) => !isUnder(root, config.ignore, absolute[i] as string));
  if (linted.length === 0) return 0;
  const result = compileSchemas(linted, { cwd: io.cwd });
  if (result.model === undefined) {
    for (const diagnostic of result.diagnostics) io.stdout.write(`${formatDiagnostic(diagnostic)}\n`);
    io.stderr.write('sparrowc lint: the schemas have errors; fix them first (sparrowc check).\n');
    return 1;
  }
  // Model paths are relative to the first entry's folder.
  const baseDir = path.dirname(path.resolve(io.cwd, linted[0] as string));
  const toAbsolute = (modelPath: string): string => path.resolve(baseDir, modelPath);
  const findings = lintModel(result.model, {
    files: linted.map((f) => toPortableRelative(baseDir, path.resolve(io.cwd, f))),
    rules: config.rules,
    memberCase: config.memberCase,
    ignored: (rule, modelPath) => isUnder(root, config.ignoreOnly[rule] ?? [], toAbsolute(modelPath)),
  });
  for (const finding of findings) {
    const shown = path.relative(io.cwd, toAbsolute(finding.file)).split(path.sep).join('/');
    io.stdout.write(`${formatDiagnostic({ ...finding, file: shown })}\n`);
  }
  if (findings.length > 0) io.stderr.write(`Found ${findings.length} lint finding${findings.length === 1 ? '' : 's'}.\n`);
  return findings.length > 0 ? 1 : 0;
}
