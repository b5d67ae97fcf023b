/**
 * The programmatic front end: schema paths in, a checked frozen model plus
 * diagnostics out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasErrors, type Diagnostic } from './diagnostics/diagnostic.ts';
import type { SchemaModel } from './model/model.ts';
import { readFileFromDisk, type ReadFile } from './source/read-files.ts';
import { checkFiles } from './check/checker.ts';
import { loadFiles, type LoadedFile, type LoadOptions } from './source/load-files.ts';
import type { MemberReference, NameReference } from './check/resolve-names.ts';

/** The project's system schema, the one file allowed to declare `#sys`. */
export const systemSchemaPath: string = fileURLToPath(new URL('../schemas/sys.sparrow', import.meta.url));

/** Options for {@link compileSchemas}. */
export interface CompileOptions {
  /** Reads a file by absolute path; return `undefined` or throw when it cannot. Defaults to disk. */
  readonly readFile?: ReadFile;
  /** Resolves relative entry paths and names imported files in diagnostics. Defaults to `process.cwd()`. */
  readonly cwd?: string;
  /**
   * Treat every file of this compilation as the system schema (allowed to use
   * `#`-namespaces). Files at {@link systemSchemaPath} always are.
   */
  readonly systemSchema?: boolean;
  /** Parses one file (editors pass a cache); defaults to a fresh parse. */
  readonly parse?: LoadOptions['parse'];
}

/** The result of {@link compileSchemas}. */
export interface CompileResult {
  /** The checked, deeply frozen model; present exactly when no diagnostic is an error. */
  readonly model: SchemaModel | undefined;
  /** Every diagnostic (errors and warnings), in file order, then by position. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Compiles the schemas at `paths` (and everything they import). Never throws
 * for a schema problem, however malformed: every problem is a diagnostic
 * (see `diagnostics/messages.ts` for the codes). Model paths are relative to
 * the first entry's folder.
 */
export function compileSchemas(paths: readonly string[], options: CompileOptions = {}): CompileResult {
  const { model, diagnostics } = compileProgram(paths, options);
  return { model, diagnostics };
}

/** What tools (the language server) get from {@link compileProgram}: the result plus the parsed files and resolved names. */
export interface CompiledProgram extends CompileResult {
  readonly files: readonly LoadedFile[];
  readonly references: readonly NameReference[];
  readonly memberReferences: readonly MemberReference[];
}

/** {@link compileSchemas} for tools: also returns the loaded files and every resolved name. */
export function compileProgram(paths: readonly string[], options: CompileOptions = {}): CompiledProgram {
  const cwd = options.cwd ?? process.cwd();
  const loaded = loadFiles(paths, { readFile: options.readFile ?? readFileFromDisk, cwd, ...(options.parse === undefined ? {} : { parse: options.parse }) });
  const firstEntry = paths[0];
  const baseDir = firstEntry === undefined ? cwd : path.dirname(path.resolve(cwd, firstEntry));
  const checked = checkFiles(loaded.files, baseDir, {
    isSystemFile: (file) => options.systemSchema === true || file.source.absolutePath === systemSchemaPath,
  });
  const fileOrder = new Map<string, number>();
  for (const file of loaded.files) fileOrder.set(file.source.displayPath, fileOrder.size);
  for (const p of paths) if (!fileOrder.has(p)) fileOrder.set(p, fileOrder.size);
  const diagnostics = [...loaded.diagnostics, ...checked.diagnostics].sort(
    (a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
  return { model: hasErrors(diagnostics) ? undefined : checked.model, diagnostics: Object.freeze(diagnostics), files: loaded.files, references: checked.references, memberReferences: checked.memberReferences };
}

/**
 * Compiles one schema given as text (tests, editors, tools). `fileName` is
 * its path for diagnostics and relative imports; other files come from
 * `options.readFile` (default: disk).
 */
export function compileSchemaText(text: string, fileName = 'schema.sparrow', options: CompileOptions = {}): CompileResult {
  const cwd = options.cwd ?? process.cwd();
  const target = path.resolve(cwd, fileName);
  const readFile = options.readFile ?? readFileFromDisk;
  return compileSchemas([fileName], { ...options, cwd, readFile: (p) => (p === target ? text : readFile(p)) });
}
