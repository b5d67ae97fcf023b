/**
 * Diagnostics as text, the way tsc prints them:
 * `path:line:col: error: message [code]`, optionally followed by the source
 * line and a caret line under the offending span.
 */
import type { Diagnostic } from './diagnostic.ts';

/** How to print one diagnostic. */
export interface FormatOptions {
  /** The text of the diagnostic's file, to show the source line and carets; omit for one-line output. */
  readonly sourceLine?: (line: number) => string | undefined;
  /** Wrap parts in ANSI colours. */
  readonly color?: boolean;
}

const ansi = { red: [31, 39], yellow: [33, 39], cyan: [36, 39], gray: [90, 39], bold: [1, 22] } as const;

function paint(enabled: boolean, style: keyof typeof ansi, text: string): string {
  return enabled ? `\u001b[${ansi[style][0]}m${text}\u001b[${ansi[style][1]}m` : text;
}

/** Formats a diagnostic (or a lint finding, whose code is its rule id); the first line always starts with `file:line:col: severity: message`. */
export function formatDiagnostic(diagnostic: Omit<Diagnostic, 'code'> & { readonly code: string }, options: FormatOptions = {}): string {
  const color = options.color === true;
  const severity = paint(color, diagnostic.severity === 'error' ? 'red' : 'yellow', diagnostic.severity);
  const head = `${paint(color, 'cyan', diagnostic.file)}:${diagnostic.line}:${diagnostic.column}: ${severity}: ${diagnostic.message} ${paint(color, 'gray', `[${diagnostic.code}]`)}`;
  const text = options.sourceLine?.(diagnostic.line);
  if (text === undefined) return head;
  const shown = text.replace(/\t/g, ' ');
  const width = diagnostic.endLine === diagnostic.line ? Math.max(1, diagnostic.endColumn - diagnostic.column) : Math.max(1, shown.length - diagnostic.column + 1);
  const caret = `${' '.repeat(Math.max(0, diagnostic.column - 1))}${'~'.repeat(width).replace(/^~/, '^')}`;
  const gutter = `${diagnostic.line} | `;
  return `${head}\n${paint(color, 'gray', gutter)}${shown}\n${' '.repeat(gutter.length)}${paint(color, diagnostic.severity === 'error' ? 'red' : 'yellow', caret)}`;
}
