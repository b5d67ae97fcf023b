/**
 * Where `sparrowc call` reads and writes: the I/O seam tests replace, the
 * stderr logger the peer reports to, colours, and stdin.
 */
import type { Logger } from 'sparrow-rpc';

/** Where the command reads and writes; a seam for tests. */
export interface CallIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** Where SIGINT is listened for (default: the process). */
  readonly signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export const defaultIo: CallIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };

/**
 * Writes `error: <text>` (red on a terminal) and, when given, a second line
 * `hint: <hint>`; returns `code`, so a caller can `return report(…)`.
 */
export type Reporter = (code: number, text: string, hint?: string) => number;

export function createReporter(io: CallIo): Reporter {
  const colour = wantsColor(io.stderr.isTTY === true, io.env);
  return (code, text, hint) => {
    io.stderr.write(`${colour ? '\u001b[1;31merror:\u001b[0m' : 'error:'} ${text}\n`);
    if (hint !== undefined) io.stderr.write(`hint: ${hint}\n`);
    return code;
  };
}

/** The peer's diagnostics go to stderr; debug and info only with SPARROW_DEBUG set. */
export function stderrLogger(stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Logger {
  const verbose = env['SPARROW_DEBUG'] !== undefined && env['SPARROW_DEBUG'] !== '';
  const line = (level: string) => (message: string, ...details: unknown[]): void => {
    const extra = details.map((d) => (d instanceof Error ? d.message : typeof d === 'string' ? d : '')).filter((d) => d !== '' && !message.includes(d));
    stderr.write(`sparrowc call: ${level}: ${message}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}\n`);
  };
  const ignore = (): void => {};
  return { debug: verbose ? line('debug') : ignore, info: verbose ? line('info') : ignore, warn: line('warning'), error: line('error') };
}

/** Colours only on a terminal, unless NO_COLOR says never or FORCE_COLOR says always. */
function wantsColor(tty: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return tty;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}
