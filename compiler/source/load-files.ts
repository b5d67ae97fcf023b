/**
 * Loads the entry schemas and everything they import, transitively, parsing
 * each file once. Reports unreadable imports, duplicate imports, import
 * cycles and misplaced `package` statements.
 */
import path from 'node:path';
import { createDiagnostic, createFileDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { resolveImportPath, tryReadFile, type ReadFile } from './read-files.ts';
import { createSourceFile, type SourceFile } from './source-file.ts';
import type { ImportNode, SchemaFileNode } from '../syntax/ast.ts';
import { parseSchema, type ParseResult } from '../syntax/parse.ts';

/** A parsed file and its resolved imports. */
export interface LoadedFile {
  readonly source: SourceFile;
  readonly ast: SchemaFileNode;
  readonly entry: boolean;
  /** The package name, `""` when none. */
  readonly packageName: string;
  /** Imports that resolved to a readable file, in source order (duplicates removed). */
  readonly imports: readonly { readonly node: ImportNode; readonly file: LoadedFile }[];
}

interface MutableLoadedFile extends LoadedFile {
  imports: { node: ImportNode; file: LoadedFile }[];
}

/** Options for {@link loadFiles}. */
export interface LoadOptions {
  readonly readFile: ReadFile;
  readonly cwd: string;
  /** Parses one file; editors pass a cache here so unchanged files are not parsed again. Defaults to `parseSchema`. */
  readonly parse?: (source: SourceFile) => ParseResult;
}

/**
 * Reads and parses `entries` (paths as the caller gave them) and their
 * imports. Diagnostics: file-not-found, import-not-found, duplicate-import,
 * import-cycle, package-not-first, duplicate-package, plus every syntax code.
 */
export function loadFiles(entries: readonly string[], options: LoadOptions): { files: LoadedFile[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const byPath = new Map<string, MutableLoadedFile>();
  const files: MutableLoadedFile[] = [];
  const queue: MutableLoadedFile[] = [];

  const load = (absolutePath: string, displayPath: string, entry: boolean): MutableLoadedFile | undefined => {
    const existing = byPath.get(absolutePath);
    if (existing !== undefined) return existing;
    const text = tryReadFile(options.readFile, absolutePath);
    if (text === undefined) return undefined;
    const source = createSourceFile(absolutePath, displayPath, text);
    const parsed = (options.parse ?? parseSchema)(source);
    diagnostics.push(...parsed.diagnostics);
    const file: MutableLoadedFile = { source, ast: parsed.ast, entry, packageName: checkPackage(source, parsed.ast, diagnostics), imports: [] };
    byPath.set(absolutePath, file);
    files.push(file);
    queue.push(file);
    return file;
  };

  for (const entry of entries) {
    const absolutePath = path.resolve(options.cwd, entry);
    if (byPath.has(absolutePath)) continue;
    if (load(absolutePath, entry, true) === undefined) diagnostics.push(createFileDiagnostic('file-not-found', entry, { path: entry }));
  }

  while (queue.length > 0) {
    const file = queue.shift() as MutableLoadedFile;
    const seen = new Set<string>();
    for (const statement of file.ast.statements) {
      if (statement.kind !== 'import') continue;
      const target = { source: file.source, range: statement.pathRange };
      const absolutePath = resolveImportPath(file.source.absolutePath, statement.path);
      if (seen.has(absolutePath)) {
        diagnostics.push(createDiagnostic('duplicate-import', target, { path: statement.path }));
        continue;
      }
      seen.add(absolutePath);
      const imported = statement.path === '' ? undefined : load(absolutePath, path.relative(options.cwd, absolutePath) || absolutePath, false);
      if (imported === undefined) {
        diagnostics.push(createDiagnostic('import-not-found', target, { path: statement.path }));
        continue;
      }
      file.imports.push({ node: statement, file: imported });
    }
  }

  diagnostics.push(...findCycles(files));
  return { files, diagnostics };
}

function checkPackage(source: SourceFile, ast: SchemaFileNode, diagnostics: Diagnostic[]): string {
  let name = '';
  ast.statements.forEach((statement, index) => {
    if (statement.kind !== 'package') return;
    const target = { source, range: statement.range };
    if (name !== '') diagnostics.push(createDiagnostic('duplicate-package', target));
    else if (index !== 0) diagnostics.push(createDiagnostic('package-not-first', target));
    if (name === '') name = statement.name.text;
  });
  return name;
}

/** Depth-first search; each back edge is one cycle, reported at the import that closes it. */
function findCycles(files: readonly LoadedFile[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<LoadedFile, 'active' | 'done'>();
  const stack: LoadedFile[] = [];
  // Iterative, so a long import chain cannot overflow the call stack.
  for (const root of files) {
    if (state.has(root)) continue;
    const frames: { file: LoadedFile; next: number }[] = [{ file: root, next: 0 }];
    state.set(root, 'active');
    stack.push(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { file: LoadedFile; next: number };
      const edge = frame.file.imports[frame.next++];
      if (edge === undefined) {
        state.set(frame.file, 'done');
        stack.pop();
        frames.pop();
        continue;
      }
      const targetState = state.get(edge.file);
      if (targetState === 'active') {
        const cycle = [...stack.slice(stack.indexOf(edge.file)), edge.file].map((f) => f.source.displayPath).join(' → ');
        diagnostics.push(createDiagnostic('import-cycle', { source: frame.file.source, range: edge.node.pathRange }, { cycle }));
      } else if (targetState === undefined) {
        state.set(edge.file, 'active');
        stack.push(edge.file);
        frames.push({ file: edge.file, next: 0 });
      }
    }
  }
  return diagnostics;
}
