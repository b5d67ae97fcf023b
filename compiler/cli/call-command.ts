/**
 * `sparrowc call <url> [target] [params-json]`: calls any Sparrow peer from
 * the shell, the way grpcurl does for gRPC.
 *
 * Output: the result as one line of compact JSON on stdout (`null` for no
 * result; integers beyond 2^53 printed exactly; bytes as
 * `{"$bytes": "<base64>"}`). `--stream` prints one such line per part as it
 * arrives; `--notify` prints nothing. Without a target, lists what the peer
 * exports through `#sys.describe`.
 *
 * Exit codes (see {@link CallExit}): 0 success; 1 the peer answered with an
 * error (printed on stderr as `error: <category> (cat <c>) <type>: <message>`),
 * the peer does not support `#sys.describe`, or the answer was not what was
 * asked for; 2 the connection failed, was lost mid-call or mid-stream, the
 * call timed out, or the command line was wrong (bad params JSON, unreadable
 * TLS file, bad option); 130 interrupted (Ctrl-C).
 *
 * The target is sent exactly as written: a target name may itself contain
 * dots, so `ns.target` is never split; the namespace is given only with
 * `--namespace`. `--timeout` bounds connecting and the call (for `--stream`,
 * the wait for each part); 0 means none. A usage error (bad params JSON, an
 * unreadable `--ca`/`--cert`/`--key` file, a bad option) exits 2, as
 * commander's own usage errors do in main.ts.
 *
 * Only the runtime is loaded (commander is already in memory): never the
 * compiler's chevrotain or ts-morph, so the command starts fast.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import type { Params, SerialiserCode, ChainLayout } from '../../runtime/envelope/message.ts';
import { connectOptionsOf } from '../../runtime/connection/node-endpoints.ts';
import { openPeer } from '../../runtime/connection/open-peer.ts';
import type { Logger } from '../../runtime/rpc/logger.ts';
import type { Peer } from '../../runtime/rpc/peer.ts';
import { SYSTEM_NAMESPACE } from '../../runtime/rpc/registry.ts';
import { connect } from '../../runtime/transport/node/url.ts';
import type { TlsOptions, Transport } from '../../runtime/transport/transport.ts';
import { formatPretty, formatResult, parseParams } from './json-params.ts';

/** The exit codes of `sparrowc call`. */
export const CallExit = {
  ok: 0,
  /** The peer answered with an error, or not with what was asked for. */
  remoteError: 1,
  /** Connection failed or lost, timeout, or a usage error. */
  connection: 2,
  /** Ctrl-C. */
  interrupted: 130,
} as const;

/** Options as commander parses them (see main.ts). */
export interface CallCommandOptions {
  readonly namespace: string;
  readonly serializer: 'json' | 'msgpack' | 'cbor';
  readonly layout: ChainLayout;
  /** ms; 0 = no timeout. */
  readonly timeout: number;
  readonly stream?: boolean;
  readonly notify?: boolean;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Where the command reads and writes; a seam for tests. */
export interface CallIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** Where SIGINT is listened for (default: the process). */
  readonly signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

const SERIALISER_CODES: Readonly<Record<CallCommandOptions['serializer'], SerialiserCode>> = { json: 'j', msgpack: 'm', cbor: 'c' };

/** Codes a remote `x` maps to, with the wire category they came from (PROTOCOL.md §10). */
const CALLER_CODES: ReadonlySet<string> = new Set<string>([
  ErrorCode.InvalidParams,
  ErrorCode.TargetNotFound,
  ErrorCode.PermissionDenied,
  ErrorCode.CallerError,
]);

const defaultIo: CallIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Runs one `sparrowc call`; resolves to the exit code. Never calls `process.exit`. */
export async function runCall(
  url: string,
  target: string | undefined,
  paramsText: string | undefined,
  options: CallCommandOptions,
  io: CallIo = defaultIo,
): Promise<number> {
  const colour = wantsColor(io.stderr.isTTY === true, io.env);
  const report = (code: number, text: string): number => {
    io.stderr.write(`${colour ? '\u001b[1;31merror:\u001b[0m' : 'error:'} ${text}\n`);
    return code;
  };

  if (target === undefined && (options.stream === true || options.notify === true)) {
    return report(CallExit.connection, `--${options.stream === true ? 'stream' : 'notify'} needs a target`);
  }
  let params: Params = {};
  if (paramsText !== undefined) {
    try {
      params = parseParams(paramsText === '-' ? await readAll(io.stdin) : paramsText);
    } catch (error) {
      return report(CallExit.connection, `invalid params JSON: ${(error as Error).message}`);
    }
  }
  const tls: TlsOptions = {};
  for (const name of ['ca', 'cert', 'key'] as const) {
    const file = options[name];
    if (file === undefined) continue;
    try {
      tls[name] = await readFile(file, 'utf8');
    } catch (error) {
      return report(CallExit.connection, `cannot read the --${name} file '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  const timeoutMs = options.timeout;
  const logger = stderrLogger(io.stderr, io.env);
  const connecting = new AbortController();
  let interrupted = false;
  let peer: Peer | undefined;
  let stopStream: (() => void) | undefined;
  const signals = io.signals ?? process;
  const onInterrupt = (): void => {
    if (interrupted) return;
    interrupted = true;
    connecting.abort();
    stopStream?.();
    peer?.close();
  };
  signals.on('SIGINT', onInterrupt);
  try {
    let transport: Transport;
    try {
      transport = await connect(
        url,
        connectOptionsOf(url, {
          ...(Object.keys(tls).length > 0 ? { tls } : {}),
          // --timeout bounds connecting too; 0 (no timeout) keeps the runtime's connect default.
          ...(timeoutMs > 0 ? { connectTimeoutMs: timeoutMs } : {}),
          signal: connecting.signal,
          logger,
        }),
      );
    } catch (error) {
      if (interrupted) return report(CallExit.interrupted, 'interrupted');
      return report(CallExit.connection, `connection failed: ${messageOf(error)}`);
    }
    peer = openPeer(transport, { serialiser: SERIALISER_CODES[options.serializer], layout: options.layout, timeoutMs, logger });
    if (interrupted) peer.close();
    const namespace = options.namespace;
    const what = namespace === '' ? (target ?? '') : `${namespace}.${target ?? ''}`;

    if (options.notify === true) {
      try {
        peer.notify(target!, params, { namespace });
      } catch (error) {
        return failure(error, 'notify', what);
      }
      // The notification is on its way once the transport has handed it to the OS.
      await transport.drained();
      return CallExit.ok;
    }

    if (options.stream === true) {
      const stream = peer.callStream(target!, params, { namespace, timeoutMs });
      stopStream = () => stream.cancel();
      // A closed pipe on our stdout (`| head -1`) ends the stream quietly.
      const onStdoutError = (): void => stream.cancel();
      io.stdout.on('error', onStdoutError);
      try {
        for await (const item of stream) io.stdout.write(`${formatResult(item)}\n`);
      } catch (error) {
        return failure(error, 'mid-stream', what);
      } finally {
        io.stdout.off('error', onStdoutError);
      }
      return interrupted ? report(CallExit.interrupted, 'interrupted') : CallExit.ok;
    }

    if (target === undefined) return await describePeer(peer, timeoutMs, io, report, failure);

    let result: unknown;
    try {
      result = await peer.call(target, params, { namespace, timeoutMs });
    } catch (error) {
      return failure(error, 'mid-call', what);
    }
    io.stdout.write(`${formatResult(result)}\n`);
    return CallExit.ok;
  } finally {
    signals.off('SIGINT', onInterrupt);
    // Closing lets chains already queued go out first (the transport flushes before it ends).
    peer?.close();
  }

  /** Prints why a call failed and picks the exit code. */
  function failure(error: unknown, phase: 'mid-call' | 'mid-stream' | 'notify', what: string): number {
    if (interrupted) return report(CallExit.interrupted, 'interrupted');
    const e = SparrowError.from(error, ErrorCode.InvalidState);
    switch (e.code) {
      case ErrorCode.Timeout:
        return report(CallExit.connection, `timed out after ${timeoutMs} ms waiting for ${phase === 'mid-stream' ? `the next part of ${what}` : what}`);
      case ErrorCode.ConnectionClosed:
        return report(CallExit.connection, `connection lost ${phase === 'notify' ? 'before the notification was sent' : phase}: ${e.message}`);
      case ErrorCode.ConnectionFailed:
        return report(CallExit.connection, `connection failed: ${e.message}`);
      case ErrorCode.ProtocolError:
        // The peer's wording names its own API; say it in the command's terms.
        if (/multipart response/.test(e.message)) return report(CallExit.remoteError, `${what} answers with a multipart response: call it with --stream`);
        if (/single response/.test(e.message)) return report(CallExit.remoteError, `${what} answers with a single response: call it without --stream`);
        return report(CallExit.remoteError, `protocol error: ${e.message}`);
      default: {
        const remote = remoteCategory(e);
        if (remote === undefined) return report(CallExit.remoteError, `${e.code}: ${e.message}`);
        return report(CallExit.remoteError, formatRemoteError(e, remote));
      }
    }
  }
}

/** `#sys.describe`: list services and methods, or say the peer cannot. */
async function describePeer(
  peer: Peer,
  timeoutMs: number,
  io: CallIo,
  report: (code: number, text: string) => number,
  failure: (error: unknown, phase: 'mid-call', what: string) => number,
): Promise<number> {
  let descriptor: unknown;
  try {
    descriptor = await peer.call('describe', {}, { namespace: SYSTEM_NAMESPACE, timeoutMs });
  } catch (error) {
    // A reference peer answers an unknown target with a bare acknowledge, which the peer reads as target-not-found (§7.6).
    if (error instanceof SparrowError && error.code === ErrorCode.TargetNotFound) {
      return report(CallExit.remoteError, 'the peer does not support #sys.describe, so it cannot list what it exports; name a target to call it');
    }
    return failure(error, 'mid-call', `${SYSTEM_NAMESPACE}.describe`);
  }
  io.stdout.write(formatDescriptor(descriptor));
  return CallExit.ok;
}

/**
 * Renders a `#sys.describe` answer (`{services, targets}`, see
 * `runtime/schema/descriptor.ts`): one line per member, written the way the
 * schema declares it (`notes.get(id: string) -> Note throws NotFound`,
 * `notify notes.log(line: string)`, `topic notes.changes: Note`), then the
 * targets exported without a schema. Any other shape is printed as indented
 * JSON, so a newer peer's answer is never lost.
 */
export function formatDescriptor(descriptor: unknown): string {
  const services = (descriptor as { services?: unknown } | null)?.services;
  if (!Array.isArray(services) || !services.every((s) => isRecord(s) && Array.isArray(s['methods']))) {
    return `${formatPretty(descriptor)}\n`;
  }
  const lines: string[] = [];
  const listed = new Set<string>();
  for (const service of services as Record<string, unknown>[]) {
    const namespace = firstString(service['namespace']) ?? '';
    for (const member of service['methods'] as unknown[]) {
      if (!isRecord(member)) continue;
      const name = firstString(member['name']) ?? '?';
      const head = namespace === '' ? name : `${namespace}.${name}`;
      listed.add(head);
      lines.push(memberLine(head, member));
    }
  }
  // Targets exported without a schema: the peer knows their names, not their params.
  const targets = (descriptor as { targets?: unknown }).targets;
  for (const target of Array.isArray(targets) ? targets : []) {
    if (!isRecord(target)) continue;
    const name = firstString(target['name']);
    if (name === undefined) continue;
    const namespace = firstString(target['namespace']) ?? '';
    const head = namespace === '' ? name : `${namespace}.${name}`;
    if (listed.has(head)) continue;
    listed.add(head);
    lines.push(`${head}(…)  [${target['multipart'] === true ? 'stream, ' : ''}no schema]`);
  }
  return lines.length === 0 ? '(the peer exports no methods)\n' : `${lines.join('\n')}\n`;
}

function memberLine(head: string, member: Record<string, unknown>): string {
  const auth = Array.isArray(member['auth']) ? `  @auth(${member['auth'].map((g) => JSON.stringify(g)).join(', ')})` : '';
  switch (member['kind']) {
    case 'topic':
      return `topic ${head}: ${typeText(member['type'])}${auth}`;
    case 'notify':
      return `notify ${head}(${paramList(member['params'])})${auth}`;
    default: {
      const result = typeText(member['result'] ?? 'void');
      const throws = Array.isArray(member['throws']) && member['throws'].length > 0 ? ` throws ${member['throws'].join(', ')}` : '';
      return `${head}(${paramList(member['params'])}) -> ${member['stream'] === true ? `stream<${result}>` : result}${throws}${auth}`;
    }
  }
}

/** `name?: type = default`, `name: stream<T>`, `name: callback(p: T): R`. */
function paramList(params: unknown): string {
  if (!Array.isArray(params)) return '';
  return params
    .map((param) => {
      if (!isRecord(param)) return JSON.stringify(param);
      const name = `${firstString(param['name']) ?? '?'}${param['optional'] === true ? '?' : ''}`;
      if (param['kind'] === 'stream') return `${name}: stream<${typeText(param['type'])}>`;
      if (param['kind'] === 'callback') {
        const result = param['result'] === undefined || param['result'] === 'void' ? '' : `: ${typeText(param['result'])}`;
        return `${name}: callback(${paramList(param['params'])})${result}`;
      }
      const fallback = 'default' in param ? ` = ${formatResult(param['default'])}` : '';
      return `${name}: ${typeText(param['type'])}${fallback}`;
    })
    .join(', ');
}

/** A descriptor type (`"int32"`, `["list", T]`, `["map", K, V]`, `["tuple", …]`) as the schema writes it. */
function typeText(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type) && typeof type[0] === 'string') {
    const [constructor, ...args] = type as [string, ...unknown[]];
    return `${constructor}<${args.map(typeText).join(', ')}>`;
  }
  return formatResult(type);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string') return value;
  return undefined;
}

/** The wire category of an error the remote peer sent, or undefined for a local failure. */
function remoteCategory(error: SparrowError): { cat: 'r' | 'e'; name: string } | undefined {
  if (error.code === ErrorCode.CalleeError && error.remoteType !== undefined) return { cat: 'e', name: 'callee error' };
  if (CALLER_CODES.has(error.code)) return { cat: 'r', name: 'caller error' };
  // limit-exceeded is also raised locally; only a remote one carries the wire type.
  if (error.code === ErrorCode.LimitExceeded && error.remoteType !== undefined) return { cat: 'r', name: 'caller error' };
  return undefined;
}

/** `callee error (cat e) RuntimeError: a == 11 is a server bug`, plus details and typed-error data when present. */
function formatRemoteError(error: SparrowError, remote: { cat: 'r' | 'e'; name: string }): string {
  const type = error.remoteType !== undefined && error.remoteType !== '' ? error.remoteType : pascalCase(error.code);
  let text = `${remote.name} (cat ${remote.cat}) ${type}: ${error.message}`;
  if (error.details !== undefined) text += `\n  details: ${error.details}`;
  if (error.data !== undefined) text += `\n  data: ${formatResult(error.data)}`;
  return text;
}

function pascalCase(code: string): string {
  return code.replace(/(^|-)([a-z])/g, (_m: string, _dash: string, letter: string) => letter.toUpperCase());
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The peer's diagnostics go to stderr; debug and info only with SPARROW_DEBUG set. */
function stderrLogger(stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Logger {
  const verbose = env['SPARROW_DEBUG'] !== undefined && env['SPARROW_DEBUG'] !== '';
  const line = (level: string) => (message: string, ...details: unknown[]): void => {
    const extra = details.map((d) => (d instanceof Error ? d.message : typeof d === 'string' ? d : '')).filter((d) => d !== '' && !message.includes(d));
    stderr.write(`sparrowc call: ${level}: ${message}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}\n`);
  };
  const ignore = (): void => {};
  return { debug: verbose ? line('debug') : ignore, info: verbose ? line('info') : ignore, warn: line('warning'), error: line('error') };
}

/** Colours only on a terminal, unless NO_COLOR says never or FORCE_COLOR says always (TOOLCHAIN.md §8). */
function wantsColor(tty: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return tty;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}
