/**
 * Source files as the compiler sees them: the text, where it came from, and
 * the mapping from character offsets to 1-based line/column positions.
 */

/** A half-open character range `[start, end)` in one source file's text. */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/** A 1-based line and column (column counted in UTF-16 code units, like editors and tsc). */
export interface LineAndColumn {
  readonly line: number;
  readonly column: number;
}

/** One schema file's text and identity. */
export interface SourceFile {
  /** Absolute, normalised path; the identity used for import resolution and cycles. */
  readonly absolutePath: string;
  /** The path shown in diagnostics: as given by the caller for entries, relative to cwd for imports. */
  readonly displayPath: string;
  readonly text: string;
  /** Converts an offset (clamped to the text) to a 1-based line and column. */
  positionAt(offset: number): LineAndColumn;
  /** The text of a 1-based line, without its line break (empty past the end). */
  lineText(line: number): string;
}

/** Creates a source file; line starts are computed once, lookups are a binary search. */
export function createSourceFile(absolutePath: string, displayPath: string, text: string): SourceFile {
  const lineStarts = computeLineStarts(text);
  return {
    absolutePath,
    displayPath,
    text,
    positionAt(offset: number): LineAndColumn {
      const clamped = Math.max(0, Math.min(Number.isFinite(offset) ? offset : text.length, text.length));
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((lineStarts[mid] ?? 0) <= clamped) low = mid;
        else high = mid - 1;
      }
      return { line: low + 1, column: clamped - (lineStarts[low] ?? 0) + 1 };
    },
    lineText(line: number): string {
      const start = lineStarts[line - 1];
      if (start === undefined) return '';
      const next = lineStarts[line];
      return text.slice(start, next ?? text.length).replace(/\r?\n$/, '');
    },
  };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    // \r\n counts once; a lone \r also ends a line, as editors show it.
    if (ch === 10 || (ch === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}
