/**
 * The diagnostic value every stage returns (never throws for a user error),
 * and the typed creators that build one from a code in `messages.ts`.
 */
import type { SourceFile, TextRange } from '../source/source-file.ts';
import { diagnosticMessages, type DiagnosticCode, type DiagnosticParams, type Severity } from './messages.ts';

/**
 * One finding about a schema. Positions are 1-based; `endLine`/`endColumn`
 * point just past the offending text (so a one-character span has
 * `endColumn === column + 1`). JSON-serialisable as is.
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** The file as shown to the user: as given for entries, relative to cwd for imports. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** Where a diagnostic points: a range of a source file. */
export interface DiagnosticTarget {
  readonly source: SourceFile;
  readonly range: TextRange;
}

/** Optional arguments: only codes whose template takes no parameters may omit them. */
type ParamsArgs<C extends DiagnosticCode> = keyof DiagnosticParams<C> extends never ? [params?: DiagnosticParams<C>] : [params: DiagnosticParams<C>];

/**
 * Creates a diagnostic for `code` at `target`, formatting its message from
 * the typed template in the codes table.
 */
export function createDiagnostic<C extends DiagnosticCode>(code: C, target: DiagnosticTarget, ...args: ParamsArgs<C>): Diagnostic {
  const definition = diagnosticMessages[code];
  const format = definition.message as (params: DiagnosticParams<C>) => string;
  const start = target.source.positionAt(target.range.start);
  const end = target.source.positionAt(Math.max(target.range.end, target.range.start));
  return {
    code,
    severity: definition.severity,
    message: format((args[0] ?? {}) as DiagnosticParams<C>),
    file: target.source.displayPath,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
  };
}

/** Creates a diagnostic about a file as a whole (it could not be read), pointing at 1:1. */
export function createFileDiagnostic<C extends DiagnosticCode>(code: C, file: string, ...args: ParamsArgs<C>): Diagnostic {
  const definition = diagnosticMessages[code];
  const format = definition.message as (params: DiagnosticParams<C>) => string;
  return {
    code,
    severity: definition.severity,
    message: format((args[0] ?? {}) as DiagnosticParams<C>),
    file,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
  };
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
