/**
 * How the demo prints: a heading per connection, then one aligned line per
 * call — `✓ what was called  → what came back` — with indented detail lines
 * (progress callbacks, reverse calls) under it. Colour only when the stream
 * is a terminal (or FORCE_COLOR asks for it), so logs and tests see plain text.
 */

/** Width of the "what was called" column; longer calls push the arrow right rather than wrap. */
const CALL_WIDTH = 46;
/** Results longer than this are cut with an ellipsis so one call stays one line (wide enough for the #sys.features list). */
const RESULT_WIDTH = 96;

/** The ANSI styles the demo uses. */
interface Styles {
  ok(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const plain: Styles = { ok: (t) => t, fail: (t) => t, dim: (t) => t, bold: (t) => t };
const ansi: Styles = {
  ok: (t) => `\x1b[32m${t}\x1b[39m`,
  fail: (t) => `\x1b[31m${t}\x1b[39m`,
  dim: (t) => `\x1b[2m${t}\x1b[22m`,
  bold: (t) => `\x1b[1m${t}\x1b[22m`,
};

/**
 * Whether to colour `stream`: NO_COLOR wins, then FORCE_COLOR (the demo
 * runner sets it for its children when its own output is a terminal, since
 * their stdout is a pipe), then whether the stream is a TTY.
 */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}

/** Collects the outcome of each call and writes the lines. */
export interface Reporter {
  /** A section heading (one per connection). */
  heading(title: string): void;
  /** One call: `ok` decides ✓ or ✗. */
  call(what: string, result: string, ok: boolean): void;
  /** A call that was not run, with the reason (`skipped (reference peer)`). */
  skipped(what: string, reason: string): void;
  /** An indented line under the previous call (a progress message, a reverse call). */
  detail(text: string): void;
  /** A free line (summaries). */
  note(text: string): void;
  /** Calls that passed and failed so far. */
  readonly passed: number;
  readonly failed: number;
  readonly skippedCount: number;
  /** Names of the failed calls, for a one-line summary. */
  readonly failures: readonly string[];
}

/** Pads by visible length (the strings here carry no escape codes yet). */
function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Cuts `text` to `width` characters with an ellipsis. */
export function truncate(text: string, width = RESULT_WIDTH): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * A reporter writing to `write`. With `quiet`, nothing is written (the
 * caller prints a summary from the counts instead).
 */
export function createReporter(write: (line: string) => void, options: { color: boolean; quiet?: boolean }): Reporter {
  const s = options.color ? ansi : plain;
  const out = options.quiet === true ? () => undefined : write;
  let passed = 0;
  let failed = 0;
  let skippedCount = 0;
  const failures: string[] = [];
  return {
    heading(title) {
      out('');
      out(s.bold(`── ${title} ${'─'.repeat(Math.max(3, CALL_WIDTH + 30 - title.length))}`));
    },
    call(what, result, ok) {
      if (ok) passed++;
      else {
        failed++;
        failures.push(what);
      }
      const mark = ok ? s.ok('✓') : s.fail('✗');
      const shown = truncate(result);
      out(`  ${mark} ${pad(what, CALL_WIDTH)} → ${ok ? shown : s.fail(shown)}`);
    },
    skipped(what, reason) {
      skippedCount++;
      out(`  ${s.dim('–')} ${pad(what, CALL_WIDTH)}   ${s.dim(reason)}`);
    },
    detail(text) {
      out(s.dim(`      ${truncate(text, CALL_WIDTH + RESULT_WIDTH - 4)}`));
    },
    note(text) {
      out(text);
    },
    get passed() {
      return passed;
    },
    get failed() {
      return failed;
    },
    get skippedCount() {
      return skippedCount;
    },
    failures,
  };
}

/** A value as the demo shows it: JSON-ish, bigint as `123n`, bytes as `<n bytes>`, Maps as objects. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  }) ?? 'undefined';
}
