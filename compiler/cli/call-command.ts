/**
 * `sparrowc call <url> [target] [params-json]`: calls any Sparrow peer from
 * the shell, the way grpcurl does for gRPC.
 *
 * Output: the result as one line of compact JSON on stdout (`null` for no
 * result; integers beyond 2^53 printed exactly; bytes as
 * `{"$bytes": "<base64>"}`). A streaming target prints one such line per
 * part as it arrives; a notification prints nothing. Without a target, lists
 * what the peer exports through `#sys.describe`; `--describe [symbol]`
 * prints definitions, and `--format json` prints either as JSON in the
 * descriptor format.
 *
 * Names: every name the listing prints is accepted as printed (`notes.get`
 * is `get` in namespace `notes`), system targets as `#sys.<name>`; with
 * `--namespace` the target is sent exactly as written (it may contain
 * dots); a name the peer does not list is sent as written in the default
 * namespace. A target the peer's descriptor marks as streaming is read as a
 * stream, and a `notify` member is sent as a notification, without
 * `--stream` or `--notify`.
 *
 * Exit codes (see {@link CallExit}): 0 success; 1 the peer answered with an
 * error (printed on stderr as `error: <category> (cat <c>) <type>: <message>`,
 * with a `hint:` line when there is more to say), the peer does not support
 * `#sys.describe`, or the answer was not what was asked for; 2 the
 * connection failed, was lost mid-call or mid-stream, the call timed out, or
 * the command line was wrong (bad params JSON, unreadable TLS file, bad
 * option); 130 interrupted (Ctrl-C). `--timeout` bounds connecting and each
 * call (for a stream, the wait for each part); 0 means none.
 *
 * Only the runtime is loaded (commander is already in memory): never the
 * compiler's chevrotain or ts-morph, so the command starts fast.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, SparrowError, SYSTEM_NAMESPACE, connect, connectOptionsOf, openPeer, openSessionPeer, silentLogger } from 'sparrow-rpc/node';
import type { ChainLayout, Logger, Params, Peer, SerialiserCode, TlsOptions, Transport } from 'sparrow-rpc/node';
import { descriptorDocument } from './call-descriptor-json.ts';
import { renderDescribe, type DescribeFormat } from './call-describe.ts';
import { CallExit, describeFailure, messageOf, type FailureContext } from './call-errors.ts';
import { createReporter, defaultIo, readAll, stderrLogger, type CallIo } from './call-io.ts';
import { formatDescriptor, readDescription, type PeerDescription } from './call-listing.ts';
import { resolveTarget } from './call-resolve.ts';
import { formatPretty, formatResult, parseParams } from './json-params.ts';

/** Options as commander parses them (see main.ts). */
export interface CallCommandOptions {
  readonly namespace: string;
  readonly serializer: 'json' | 'msgpack' | 'cbor';
  readonly layout: ChainLayout;
  /** ms; 0 = no timeout. */
  readonly timeout: number;
  readonly stream?: boolean;
  readonly notify?: boolean;
  /** `--describe` alone (true) or with a symbol. */
  readonly describe?: string | true;
  /** Of the listing and `--describe`; results are always JSON. */
  readonly format?: DescribeFormat;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Credential for the listener's `authenticate` (`#sys.hello`). */
  readonly token?: string;
}

const SERIALISER_CODES: Readonly<Record<CallCommandOptions['serializer'], SerialiserCode>> = { json: 'j', msgpack: 'm', cbor: 'c' };

const USAGE_HINT = 'sparrowc call --help shows every option';

/** What `#sys.describe` gave: the answer as sent, and what this command reads of it. */
interface Described {
  readonly answer: unknown;
  readonly description: PeerDescription | undefined;
}

/** Runs one `sparrowc call`; resolves to the exit code. Never calls `process.exit`. */
export async function runCall(
  url: string,
  target: string | undefined,
  paramsText: string | undefined,
  options: CallCommandOptions,
  io: CallIo = defaultIo,
): Promise<number> {
  const report = createReporter(io);
  const usage = (text: string): number => report(CallExit.connection, text, USAGE_HINT);

  // `call URL notes.get --describe` describes notes.get, as `--describe notes.get` does.
  const describing = options.describe !== undefined;
  if (options.describe !== undefined && options.describe !== true && target !== undefined) return usage('give --describe one symbol, not a target as well');
  const symbol = options.describe === true ? target : options.describe;
  if (describing && (options.stream === true || options.notify === true)) return usage(`--describe cannot be used with --${options.stream === true ? 'stream' : 'notify'}`);
  if (describing && paramsText !== undefined) return usage('--describe takes no params');
  if (target === undefined && (options.stream === true || options.notify === true)) return usage(`--${options.stream === true ? 'stream' : 'notify'} needs a target`);

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
  /** Whether anything at all came back from the peer (see diagnoseSerialiser). */
  let heardFromPeer = false;
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
      transport = await connectTo(url, tls, timeoutMs, connecting.signal, logger);
    } catch (error) {
      if (interrupted) return report(CallExit.interrupted, 'interrupted');
      return report(CallExit.connection, `connection failed: ${messageOf(error)}`);
    }
    const peerOptions = { serialiser: SERIALISER_CODES[options.serializer], layout: options.layout, timeoutMs, logger };
    if (options.token === undefined) peer = openPeer(transport, peerOptions);
    else {
      try {
        peer = await openSessionPeer(transport, { ...peerOptions, credentials: options.token });
      } catch (error) {
        return await fail(error, { phase: 'mid-call', what: `${SYSTEM_NAMESPACE}.hello`, timeoutMs });
      }
    }
    if (interrupted) peer.close();
    const openedPeer = peer;

    /**
     * `#sys.describe`: the answer, an empty one when the peer cannot describe
     * itself, or the exit code of a reported failure. `lenient` (when it only
     * helps to call a target) also reads a timeout as "no listing": the call
     * then has its own timeout, and a slow describe never fails it.
     */
    const describe = async (lenient: boolean): Promise<Described | { failed: number }> => {
      try {
        const answer = await openedPeer.call('describe', {}, { namespace: SYSTEM_NAMESPACE, timeoutMs });
        heardFromPeer = true;
        return { answer, description: readDescription(answer) };
      } catch (error) {
        if (error instanceof SparrowError && error.remoteType !== undefined) heardFromPeer = true;
        // A reference peer answers an unknown target with a bare acknowledge, which the peer reads as target-not-found.
        if (error instanceof SparrowError && error.code === ErrorCode.TargetNotFound) {
          heardFromPeer = true;
          return { answer: undefined, description: undefined };
        }
        if (lenient && error instanceof SparrowError && error.code === ErrorCode.Timeout && !interrupted) return { answer: undefined, description: undefined };
        return { failed: await fail(error, { phase: 'mid-call', what: `${SYSTEM_NAMESPACE}.describe`, timeoutMs }) };
      }
    };

    if (target === undefined || describing) {
      const described = await describe(false);
      if ('failed' in described) return described.failed;
      if (described.answer === undefined) {
        return report(CallExit.remoteError, 'the peer does not support #sys.describe, so it cannot list what it exports', 'name a target to call it');
      }
      return printDescription(described, symbol, options, io, report);
    }

    // The listing resolves printed names and says which targets stream; not needed when the command line says it all.
    const needsListing = !(options.namespace !== '' && (options.stream === true || options.notify === true));
    let description: PeerDescription | undefined;
    if (needsListing) {
      const described = await describe(true);
      if ('failed' in described) return described.failed;
      description = described.description;
    }
    const resolved = resolveTarget(target, options.namespace, description);
    const namespace = resolved.namespace;
    const context = (phase: FailureContext['phase']): FailureContext => ({
      phase,
      what: target,
      target: resolved,
      timeoutMs,
      ...(description !== undefined ? { description } : {}),
    });

    if (options.notify === true || (options.stream !== true && resolved.listed?.kind === 'notify')) {
      try {
        openedPeer.notify(resolved.name, params, { namespace });
      } catch (error) {
        return await fail(error, context('notify'));
      }
      // The notification is on its way once the transport has handed it to the OS (Node's transports all say when).
      await transport.drained!();
      return CallExit.ok;
    }

    if (options.stream === true || resolved.listed?.stream === true) {
      const stream = openedPeer.callStream(resolved.name, params, { namespace, timeoutMs });
      stopStream = () => stream.cancel();
      // A closed pipe on our stdout (`| head -1`) ends the stream quietly.
      const onStdoutError = (): void => stream.cancel();
      io.stdout.on('error', onStdoutError);
      try {
        for await (const item of stream) io.stdout.write(`${formatResult(item)}\n`);
      } catch (error) {
        return await fail(error, context('mid-stream'));
      } finally {
        io.stdout.off('error', onStdoutError);
      }
      return interrupted ? report(CallExit.interrupted, 'interrupted') : CallExit.ok;
    }

    let result: unknown;
    try {
      result = await openedPeer.call(resolved.name, params, { namespace, timeoutMs });
    } catch (error) {
      return await fail(error, context('mid-call'));
    }
    io.stdout.write(`${formatResult(result)}\n`);
    return CallExit.ok;
  } finally {
    signals.off('SIGINT', onInterrupt);
    // Closing lets chains already queued go out first (the transport flushes before it ends).
    peer?.close();
  }

  /** Prints why a call failed and returns the exit code. */
  async function fail(error: unknown, context: FailureContext): Promise<number> {
    if (interrupted) return report(CallExit.interrupted, 'interrupted');
    if (!heardFromPeer && options.serializer !== 'json' && error instanceof SparrowError && error.code === ErrorCode.ConnectionClosed) {
      const diagnosis = await diagnoseSerialiser(url, tls, timeoutMs, options.serializer);
      if (diagnosis !== undefined) return report(CallExit.connection, diagnosis.text, diagnosis.hint);
    }
    const failure = describeFailure(error, context);
    return report(failure.code, failure.text, failure.hint);
  }
}

function connectTo(url: string, tls: TlsOptions, timeoutMs: number, signal: AbortSignal, logger: Logger): Promise<Transport> {
  return connect(
    url,
    connectOptionsOf(url, {
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
      // --timeout bounds connecting too; 0 (no timeout) keeps the runtime's connect default.
      ...(timeoutMs > 0 ? { connectTimeoutMs: timeoutMs } : {}),
      signal,
      logger,
    }),
  );
}

/**
 * The peer closed the connection before answering anything in a serialiser
 * other than JSON: a peer that cannot read a chain's envelope does that. If
 * the same peer answers `#sys.ping` in JSON, that was the reason. Not tried
 * for `stdio:` (it would start the command a second time).
 */
async function diagnoseSerialiser(url: string, tls: TlsOptions, timeoutMs: number, serializer: string): Promise<{ text: string; hint: string } | undefined> {
  if (url.startsWith('stdio:')) return undefined;
  let probe: Peer | undefined;
  try {
    probe = openPeer(await connectTo(url, tls, timeoutMs, new AbortController().signal, silentLogger), { serialiser: 'j', timeoutMs, logger: silentLogger });
    await probe.call('ping', {}, { namespace: SYSTEM_NAMESPACE, timeoutMs });
    return { text: `the peer closed the connection on the first ${serializer} message: it does not speak ${serializer}`, hint: 'it answers JSON: call it with --serializer json' };
  } catch {
    return undefined;
  } finally {
    probe?.close();
  }
}

/** Prints the listing or `--describe` output. */
function printDescription(
  described: Described,
  symbol: string | undefined,
  options: CallCommandOptions,
  io: CallIo,
  report: (code: number, text: string, hint?: string) => number,
): number {
  const format = options.format ?? 'text';
  const { answer, description } = described;
  if (description === undefined) {
    // A shape this command does not know (a newer peer's): shown as it came.
    if (options.describe !== undefined && symbol !== undefined) return report(CallExit.remoteError, 'the peer describes itself in a format this sparrowc does not know', 'run without a symbol to see it as JSON');
    io.stdout.write(`${formatPretty(answer)}\n`);
    return CallExit.ok;
  }
  if (options.describe === undefined) {
    io.stdout.write(format === 'json' ? `${formatPretty(descriptorDocument(description))}\n` : formatDescriptor(answer));
    return CallExit.ok;
  }
  const output = renderDescribe(description, symbol, options.namespace, format);
  if (!output.ok) return report(CallExit.remoteError, output.text);
  io.stdout.write(output.text);
  return CallExit.ok;
}
