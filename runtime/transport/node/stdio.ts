/**
 * stdio transport (PROTOCOL.md §2): the same byte stream as TCP over a
 * child's stdin and stdout; the child logs to stderr, which is passed
 * through to ours.
 *
 * - Connector, `stdio:<command line>`: spawns the command (no shell; simple
 *   shell-like quoting) and talks to it. Closing ends the child's stdin, then
 *   signals it if it does not exit.
 * - Listener, `stdio:`: serves one connection on this process's own stdin
 *   and stdout; the connection ends when stdin ends. Nothing else may write
 *   to stdout then (log to stderr).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ErrorCode, SparrowError } from '../../errors.ts';
import { guardConnect } from '../connect-guard.ts';
import type { ConnectOptions, Listener, Transport } from '../transport.ts';
import { CLOSE_GRACE_MS, StreamTransport } from './stream.ts';

/**
 * Splits a command line into argv like a POSIX shell would for plain words:
 * whitespace separates, '…' is literal, "…" allows \" \\ \$ \` escapes, a
 * backslash outside quotes escapes the next character. No expansion of any
 * kind. Throws `unsupported` on an unterminated quote.
 */
export function parseCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) current += line[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new SparrowError(ErrorCode.Unsupported, `Unterminated ${quote} quote in command line: ${line}`);
  if (inWord) args.push(current);
  return args;
}

/**
 * Spawns `commandLine` and connects to it over its stdin and stdout (its
 * stderr goes to ours). The transport closes cleanly when the child exits
 * with status 0 or after close(); otherwise with an error naming the exit
 * status. Rejects with `unsupported` for an empty or badly quoted command
 * line, `connection-failed` when the command cannot be started.
 */
export function connectStdio(commandLine: string, options: ConnectOptions = {}): Promise<Transport> {
  const argv = parseCommandLine(commandLine);
  if (argv.length === 0) return Promise.reject(new SparrowError(ErrorCode.Unsupported, 'stdio: needs a command line to run'));
  const target = `stdio:${commandLine}`;
  return guardConnect<Transport>(target, options, (settle) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    const onError = (error: Error): void => settle(error);
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      settle(undefined, wrapChild(child, target));
    });
    return () => child.kill('SIGKILL');
  });
}

function wrapChild(child: ChildProcess, remote: string): StreamTransport {
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  let error: Error | undefined;
  const timers: NodeJS.Timeout[] = [];
  const transport = new StreamTransport({
    scheme: 'stdio',
    remote,
    readable: stdout,
    writable: stdin,
    shutdown() {
      // End of input is the polite way to ask the child to finish (PROTOCOL.md §11.1).
      stdin.end();
      timers.push(
        setTimeout(() => {
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS));
        }, CLOSE_GRACE_MS),
      );
    },
  });
  // EPIPE: the child closed its stdin or died; its exit status tells the story.
  stdin.on('error', (cause: NodeJS.ErrnoException) => {
    if (cause.code !== 'EPIPE') error ??= cause;
  });
  stdout.on('error', (cause: Error) => {
    error ??= cause;
  });
  child.on('error', (cause: Error) => {
    error ??= cause;
  });
  child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
    for (const timer of timers) clearTimeout(timer);
    if (error === undefined && code !== 0) {
      const status = signal !== null ? `signal ${signal}` : `status ${code}`;
      error = new SparrowError(ErrorCode.ConnectionClosed, `${remote} exited with ${status}`);
    }
    transport.finish(error);
  });
  return transport;
}

/** The streams a stdio listener serves on (default: this process's stdin and stdout). */
export interface StdioStreams {
  stdin: Readable;
  stdout: Writable;
}

/**
 * Serves one connection on this process's stdin and stdout (or `streams`),
 * handed to `onConnection` right after the returned promise resolves. The
 * connection closes cleanly when stdin ends, with an error when stdout
 * breaks (EPIPE: the parent went away). Closing stops reading stdin so the
 * process can exit.
 */
export async function listenStdio(onConnection: (transport: Transport) => void, streams?: StdioStreams): Promise<Listener> {
  const stdin = streams?.stdin ?? process.stdin;
  const stdout = streams?.stdout ?? process.stdout;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const finish = (error?: Error): void => {
    transport.finish(error);
    resolveClosed();
  };
  const transport = new StreamTransport({
    scheme: 'stdio',
    remote: 'stdio:parent',
    readable: stdin,
    writable: stdout,
    shutdown() {
      // Stop reading so nothing keeps the process alive; our stdout stays open until exit.
      stdin.destroy();
      if (stdout.destroyed || stdout.writableEnded) finish();
      // The callback runs once everything written before it has reached the pipe.
      else stdout.write(new Uint8Array(0), () => finish());
    },
  });
  // The parent closing our input ends the connection; chains we already sent still go out.
  stdin.once('end', () => transport.close());
  stdin.on('error', (error: Error) => finish(error));
  stdout.on('error', (error: Error) => finish(error));
  process.nextTick(() => onConnection(transport));
  return {
    url: 'stdio:',
    close() {
      transport.close();
      return closed;
    },
  };
}
