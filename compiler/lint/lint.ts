/**
 * Lints checked schemas: runs the enabled rules of `rules.ts` over the files
 * being linted and returns findings shaped like diagnostics (the rule id is
 * the code), sorted by file and position.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SchemaModel } from '../model/model.ts';
import { lintRules, type MemberCase } from './rules.ts';

/** What to lint and how. */
export interface LintOptions {
  /** The model paths of the files to lint (as in `model.files[].path`). */
  readonly files: readonly string[];
  /** Rule id → on/off; rules not named keep their default (on, unless opt-in). */
  readonly rules?: Readonly<Record<string, boolean>>;
  readonly memberCase?: MemberCase;
  /** Whether a rule is switched off for one model path (`ignoreOnly` in sparrow.json). */
  readonly ignored?: (rule: string, modelPath: string) => boolean;
}

/** One lint finding: a diagnostic whose code is a rule id, `file` being the model path (relative to the first entry's folder). */
export type LintFinding = Omit<Diagnostic, 'code' | 'severity'> & { readonly code: string; readonly severity: 'error' };

/** Runs the enabled rules; never throws for a schema. */
export function lintModel(model: SchemaModel, options: LintOptions): LintFinding[] {
  const context = { model, memberCase: options.memberCase ?? 'snake_case', files: new Set(options.files) } as const;
  const findings: LintFinding[] = [];
  for (const rule of lintRules) {
    if (!(options.rules?.[rule.id] ?? rule.optIn !== true)) continue;
    for (const { element, message } of rule.check(context)) {
      const { file, line, column } = element.location;
      if (options.ignored?.(rule.id, file) === true) continue;
      findings.push({ code: rule.id, severity: 'error', message: `${message}.`, file, line, column, endLine: line, endColumn: column + element.name.length });
    }
  }
  const seen = new Set<string>();
  return findings
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .filter((f) => {
      const key = `${f.file}:${f.line}:${f.column}:${f.code}:${f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
