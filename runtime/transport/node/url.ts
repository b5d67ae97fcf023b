/**
 * Connect and listen by URL, dispatching on the scheme:
 *
 * | URL | connect | listen |
 * |---|---|---|
 * | `tcp://host:port` | TCP | TCP (port 0: a free port) |
 * | `unix:/path/to.sock` | Unix socket | Unix socket (stale file removed) |
 * | `tls://host:port` | TLS (`options.tls.ca` to trust a private CA) | TLS (`options.tls.cert`, `key`; with `ca`, client certificates required) |
 * | `ws://host:port/path` | WebSocket (`ws` package) | WebSocket on an http server; any path accepted |
 * | `wss://host:port/path` | WebSocket over TLS | the same on an https server |
 * | `stdio:<command line>` / `stdio:` | spawn the command, talk over its stdin/stdout | one connection on our own stdin/stdout |
 * | `nats://[cred@]host[:port][,…]/<service>` | a session with one member of the service (`options.nats`) | join the service's queue group |
 *
 * `nats://` loads the optional NATS client (`@nats-io/transport-node`) on first use.
 */
import { ErrorCode, SparrowError } from '../../errors.ts';
import type { ConnectOptions, Listener, ListenOptions, Transport } from '../transport.ts';
import { connectTcp, listenTcp } from './tcp.ts';
import { connectStdio, listenStdio } from './stdio.ts';
import { connectTls, listenTls } from './tls.ts';
import { connectUnix, listenUnix } from './unix.ts';
import { connectWs, listenWs, type WsOptions } from './ws.ts';
import type { NatsTransportOptions } from '../nats/options.ts';

/** Options of {@link connect}: the common ConnectOptions plus WebSocket settings. */
export type NodeConnectOptions = ConnectOptions & WsOptions & NatsTransportOptions;
/** Options of {@link listen}: the common ListenOptions plus WebSocket settings. */
export type NodeListenOptions = ListenOptions & WsOptions & NatsTransportOptions;

/**
 * Opens a connection to `url`.
 * Rejects with `unsupported` for an unknown scheme or a malformed URL,
 * `connection-failed` (with the cause) when connecting fails or times out,
 * and `aborted` when `options.signal` fires first.
 */
export async function connect(url: string, options: NodeConnectOptions = {}): Promise<Transport> {
  const scheme = schemeOf(url);
  switch (scheme) {
    case 'tcp': {
      const { host, port } = hostAndPort(url, true);
      return connectTcp(host, port, options);
    }
    case 'unix':
      return connectUnix(unixPath(url), options);
    case 'tls': {
      const { host, port } = hostAndPort(url, true);
      return connectTls(host, port, options);
    }
    case 'ws':
    case 'wss':
      hostAndPort(url, false);
      return connectWs(url, options);
    case 'stdio':
      return connectStdio(url.slice('stdio:'.length), options);
    case 'nats':
      return (await loadNats()).connectNats(url, options);
    default:
      throw unsupportedScheme(url, scheme);
  }
}

/**
 * Listens at `url` and hands each accepted connection to `onConnection`
 * (call `start` on it there). The listener's `url` carries the real port
 * when port 0 was asked. Rejects with `unsupported` for an unknown scheme
 * or a malformed URL, `connection-failed` when the address cannot be bound.
 */
export async function listen(url: string, onConnection: (transport: Transport) => void, options: NodeListenOptions = {}): Promise<Listener> {
  const scheme = schemeOf(url);
  switch (scheme) {
    case 'tcp': {
      const { host, port } = hostAndPort(url, true);
      return listenTcp(host, port, onConnection);
    }
    case 'unix':
      return listenUnix(unixPath(url), onConnection);
    case 'tls': {
      const { host, port } = hostAndPort(url, true);
      return listenTls(host, port, onConnection, options);
    }
    case 'ws':
    case 'wss':
      hostAndPort(url, false);
      return listenWs(url, onConnection, options);
    case 'stdio':
      if (url !== 'stdio:') throw new SparrowError(ErrorCode.Unsupported, `A stdio listener serves this process's own stdin/stdout: use "stdio:", not ${url}`);
      return listenStdio(onConnection);
    case 'nats':
      return (await loadNats()).listenNats(url, onConnection, options);
    default:
      throw unsupportedScheme(url, scheme);
  }
}

/**
 * The NATS transport, loaded when a `nats://` URL is first used: its client
 * is an optional peer dependency, so the other schemes never need it.
 * @throws SparrowError `unsupported` saying what to install when it is missing.
 */
async function loadNats(): Promise<typeof import('../nats/endpoints.ts')> {
  try {
    return await import('../nats/endpoints.ts');
  } catch (cause) {
    if ((cause as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND' && /@nats-io/.test(String(cause))) {
      throw new SparrowError(ErrorCode.Unsupported, 'nats:// URLs need the NATS client: npm install @nats-io/transport-node', { cause });
    }
    throw cause;
  }
}

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (match === null) throw new SparrowError(ErrorCode.Unsupported, `Not a transport URL: ${url}`);
  return match[1]!.toLowerCase();
}

function unsupportedScheme(url: string, scheme: string): SparrowError {
  return new SparrowError(ErrorCode.Unsupported, `Unsupported transport scheme "${scheme}:" in ${url}`);
}

/** Host and port of a `scheme://host:port` URL; IPv6 brackets removed. */
function hostAndPort(url: string, portRequired: boolean): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new SparrowError(ErrorCode.Unsupported, `Malformed transport URL: ${url}`, { cause });
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new SparrowError(ErrorCode.Unsupported, `No host in ${url}`);
  if (parsed.port === '' && portRequired) throw new SparrowError(ErrorCode.Unsupported, `No port in ${url}`);
  return { host, port: Number(parsed.port) };
}

/** The path of `unix:/path` (also accepted: `unix:///path`, `unix:relative.sock`). */
function unixPath(url: string): string {
  let path = url.slice('unix:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') throw new SparrowError(ErrorCode.Unsupported, `No socket path in ${url}`);
  return path;
}
