/**
 * The JavaScript back end (`sparrowc gen --target js`): the TypeScript back
 * end's modules, emitted in memory through ts-morph as ES modules plus
 * `.d.ts` declarations, for projects with no TypeScript build step.
 *
 * ts-morph (and the TypeScript compiler under it) is imported only here and
 * only when this target runs, so `--target ts` never pays for loading it.
 * Nothing is resolved or type-checked: the generated TypeScript is already
 * checked by the golden tests, and every declaration carries its type, so
 * each file is emitted on its own (imports of the runtime and between
 * generated files are left as written; generate them with the `js`
 * extension, or none for bundlers).
 */
import type { CompilerOptions } from 'ts-morph';
import type { EmittedFile } from './typescript.ts';

/** Raised when TypeScript refuses to emit a generated module (a generator bug, never a schema error). */
export class JavaScriptEmitError extends Error {
  override readonly name = 'JavaScriptEmitError';
}

/** Where the in-memory project keeps the generated modules. */
const ROOT = '/sparrow-gen/';

/**
 * Emits `.js` and `.d.ts` for every `.ts` file of `files` (other files pass
 * through unchanged), sorted by path. The header comment of each module is
 * kept in both outputs; the `.d.ts` files keep the TSDoc.
 *
 * @throws JavaScriptEmitError when TypeScript reports a syntax error or skips the emit
 */
export async function emitJavaScript(files: readonly EmittedFile[]): Promise<EmittedFile[]> {
  const { Project, ts } = await import('ts-morph');
  const compilerOptions: CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    // Each file on its own: imports are not followed, no lib is loaded, nothing is checked.
    noResolve: true,
    noLib: true,
    types: [],
    isolatedModules: true,
    // `import type` lines go, every other import stays as written (no elision guesswork without types).
    verbatimModuleSyntax: true,
    declaration: true,
    removeComments: false,
    newLine: ts.NewLineKind.LineFeed,
    skipLibCheck: true,
  };
  const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true, compilerOptions });
  const passThrough: EmittedFile[] = [];
  for (const file of files) {
    if (file.path.endsWith('.ts') && !file.path.endsWith('.d.ts')) project.createSourceFile(ROOT + file.path, file.content);
    else passThrough.push(file);
  }
  const syntaxErrors = project.getProgram().compilerObject.getSyntacticDiagnostics();
  if (syntaxErrors.length > 0) throw new JavaScriptEmitError(`generated TypeScript does not parse: ${describe(ts, syntaxErrors)}`);
  const result = project.emitToMemory();
  if (result.getEmitSkipped()) throw new JavaScriptEmitError(`TypeScript skipped the emit: ${describe(ts, result.getDiagnostics().map((d) => d.compilerObject))}`);
  const sources = new Map(files.map((f) => [f.path.replace(/\.ts$/, ''), f.content]));
  const emitted = result.getFiles().map((f) => {
    const path = f.filePath.slice(ROOT.length);
    return { path, content: withHeader(f.text, sources.get(path.replace(/(\.d\.ts|\.js)$/, '')) ?? '') };
  });
  return [...emitted, ...passThrough].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The output with the source's `// Code generated …` line first (declaration
 * emit drops line comments, and `gen` recognises its files by that line),
 * and a final newline.
 */
function withHeader(text: string, source: string): string {
  const header = source.slice(0, source.indexOf('\n'));
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return header.startsWith('//') && !body.startsWith(header) ? `${header}\n${body}` : body;
}

function describe(ts: typeof import('ts-morph').ts, diagnostics: readonly import('ts-morph').ts.Diagnostic[]): string {
  return diagnostics
    .slice(0, 5)
    .map((d) => `${d.file?.fileName.slice(ROOT.length) ?? '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
    .join('; ');
}
