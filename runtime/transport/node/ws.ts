/**
 * WebSocket transport on Node (`ws://host:port/path`, `wss://…`): the
 * browser-safe transport of ../websocket.ts over the `ws` package, and a
 * listener on an http(s) server. One chain per binary message; the path is
 * accepted whatever it is, as the reference ignores it (PROTOCOL.md §2).
 */
import { Buffer } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { WebSocket } from 'ws';
import { ErrorCode, SparrowError } from '../../errors.ts';
import type { CloseReason, ConnectionFacts, ConnectOptions, Listener, ListenOptions, Transport } from '../transport.ts';
import { openSocket, WebSocketTransport, type Opened, type WebSocketLike, type WebSocketTransportOptions } from '../websocket.ts';
import type { ChainBytes } from '../../wire.ts';
import { chainLength, pollDrained } from '../../wire.ts';
import { corkPerTick } from './cork.ts';
import { CLOSE_GRACE_MS } from './stream.ts';
import { formatHostPort, socketFacts } from './socket-listener.ts';
import { serverTlsOptions, tlsMaterial } from './tls.ts';

/**
 * The `ws` package, loaded on first use: a process that never opens a
 * WebSocket does not pay for it (about 7 MiB of RSS measured).
 */
let wsPackage: Promise<typeof import('ws')> | undefined;
const loadWs = (): Promise<typeof import('ws')> => (wsPackage ??= import('ws'));

/** Chains from this size on leave in fragments (smaller ones are cheaper to join). */
const FRAGMENTED_CHAIN_BYTES = 64 * 1024;

/** WebSocket close codes (RFC 6455 §7.4.1) for why this side closes. */
const CLOSE_CODES: Readonly<Record<CloseReason['kind'], number>> = { 'protocol-error': 1002, 'too-big': 1009, policy: 1008 };

/**
 * The browser-safe WebSocket transport with what only `ws` can do: a close
 * with the reason's code and text (the DOM refuses 1002, 1008 and 1009),
 * pause and resume (backpressure), and Node's writes: the TCP socket is
 * corked per tick (corkPerTick), and a large chain leaves as the fragments
 * of one message, a piece each. Joining a 1 MiB blob's pieces
 * allocated and copied 1 MiB per send, and that garbage kept the server
 * 4.1 ms (p50) between the handler's return and the socket's send (ws blob
 * at 0.13x raw-ws); raw-ws sends its blobs this way.
 */
class NodeWsTransport extends WebSocketTransport {
  readonly #socket: WebSocket;
  readonly #cork: () => void;

  constructor(socket: WebSocketLike, remote: string, options: WebSocketTransportOptions & { cork: () => void }, opened?: Opened) {
    super(socket, remote, options, opened);
    this.#socket = socket as unknown as WebSocket;
    this.#cork = options.cork;
  }

  override closeSocket(socket: WebSocketLike, reason?: CloseReason): void {
    if (reason === undefined) {
      socket.close(1000);
      return;
    }
    // A close frame's reason is at most 123 bytes of UTF-8.
    let text = reason.message.slice(0, 123);
    while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
    try {
      socket.close(CLOSE_CODES[reason.kind], text);
    } catch {
      // A socket that is already going away may throw; the close event still follows.
    }
  }

  /** `ws` has no drain event either: polls, as a browser page's writers do. */
  drained(): Promise<void> {
    return pollDrained(this);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  override send(pieces: ChainBytes): void {
    this.#cork();
    if (pieces instanceof Uint8Array || pieces.length < 2 || chainLength(pieces) < FRAGMENTED_CHAIN_BYTES) super.send(pieces);
    else if (this.#socket.readyState === this.#socket.OPEN) {
      // (ws's send throws only while connecting; a failure on an open socket reaches its error event.)
      const last = pieces.length - 1;
      for (let k = 0; k <= last; k++) this.#socket.send(pieces[k]!, { binary: true, fin: k === last });
    }
  }
}

/** Largest message accepted by default: above the protocol's 10 MiB chain limit, with room for raised limits. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** WebSocket-specific options, on top of ConnectOptions / ListenOptions. */
export interface WsOptions {
  /** Larger incoming messages close the connection (code 1009). Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  maxMessageBytes?: number;
  /** Told about dropped text frames. Default: `console.warn`. */
  onProtocolError?: (error: SparrowError) => void;
  /**
   * Listener only: origins (`https://app.example:8443`) whose pages may
   * connect, besides pages of the listener's own host; `['*']` admits every
   * origin. A request without `Origin` (not a browser) is always admitted;
   * any other is refused with HTTP 403.
   */
  allowedOrigins?: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

/** Loopback names count as one host; a wildcard listener's own host is loopback. */
function hostKey(hostname: string): string {
  const name = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK_NAMES.has(name) || name.startsWith('127.') || name === '0.0.0.0' || name === '::' || name.endsWith('.localhost')) return 'loopback';
  return name;
}

/**
 * The Origin check of a ws listener: no Origin (not a browser), an origin on
 * the listener's own host, or one of `allowed` (`*`: any).
 */
export function originAllowed(origin: string | undefined, listenerHost: string, allowed: readonly string[] = []): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    // `null` (sandboxed frames, file: pages) and garbage name no host: only an explicit entry admits them.
    return allowed.includes(origin);
  }
  if (hostKey(parsed.hostname) === hostKey(listenerHost)) return true;
  return allowed.some((entry) => {
    try {
      return new URL(entry).origin === parsed.origin;
    } catch {
      return entry === origin;
    }
  });
}

/** The facts of an accepted WebSocket connection (for `authenticate`). */
function upgradeFacts(request: http.IncomingMessage): ConnectionFacts {
  return { ...socketFacts(request.socket), request: { url: request.url ?? '/', headers: { ...request.headers }, origin: request.headers.origin } };
}

/**
 * Connects to `ws://host:port/path` or `wss://…` (TLS material from
 * `options.tls`). Rejects with `connection-failed` (refused, handshake
 * rejected, untrusted certificate, timed out) or `aborted`.
 */
export async function connectWs(url: string, options: ConnectOptions & WsOptions = {}): Promise<Transport> {
  const secure = url.startsWith('wss:');
  const { WebSocket } = await loadWs();
  const create = (): WebSocket => {
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      ...(secure ? { ...tlsMaterial(options.tls), rejectUnauthorized: options.tls?.rejectUnauthorized ?? true } : {}),
    });
    // Node hands binary messages over as Buffers without the ArrayBuffer copy.
    socket.binaryType = 'nodebuffer';
    return socket;
  };
  let corker: (() => void) | undefined;
  const createCorked = (): WebSocket => {
    const socket = create();
    socket.once('upgrade', (response: http.IncomingMessage) => {
      corker = corkPerTick(response.socket);
    });
    return socket;
  };
  const cork = (): void => corker?.();
  const transportOptions: ConnectOptions & WsOptions & { cork: () => void } = { ...options, cork };
  return openSocket(createCorked, url, transportOptions, NodeWsTransport as typeof WebSocketTransport);
}

/**
 * Listens for WebSocket connections at `ws://host:port/path` (or `wss://`
 * with `options.tls.cert` and `key`). Any path is accepted. Port 0 picks a
 * free port, reported in the listener's `url`. Rejects with `unsupported`
 * (bad URL, wss without cert/key) or `connection-failed` (cannot bind).
 */
export async function listenWs(url: string, onConnection: (transport: Transport) => void, options: ListenOptions & WsOptions = {}): Promise<Listener> {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'wss:';
  const scheme = secure ? 'wss' : 'ws';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  const server = secure ? https.createServer(serverTlsOptions(url, options)) : http.createServer();
  server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('WebSocket only\n');
  });
  const { WebSocketServer } = await loadWs();
  const allowedOrigins = options.allowedOrigins ?? [];
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    // Any web page may open a WebSocket to localhost: the browser's Origin is what tells them apart.
    verifyClient: (info: { origin: string | undefined }, done: (result: boolean, code?: number, message?: string) => void) =>
      done(originAllowed(info.origin, host, allowedOrigins), 403, 'Origin not allowed'),
  });
  const open = new Set<Transport>();
  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    const transportOptions: WebSocketTransportOptions & { cork: () => void } = { scheme, facts: upgradeFacts(request), cork: corkPerTick(request.socket) };
    if (options.onProtocolError !== undefined) transportOptions.onProtocolError = options.onProtocolError;
    const remote = formatHostPort(request.socket.remoteAddress ?? '?', request.socket.remotePort ?? 0);
    const transport = new NodeWsTransport(socket as unknown as WebSocketLike, remote, transportOptions);
    open.add(transport);
    socket.once('close', () => open.delete(transport));
    onConnection(transport);
  });
  // Errors of one client or of the server after binding must not crash the process.
  wss.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot listen on ${url}: ${(cause as Error).message}`, { cause });
  }
  server.on('error', () => {});
  server.on('tlsClientError', () => {});
  const realPort = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${formatHostPort(host, realPort)}${parsed.pathname === '' ? '/' : parsed.pathname}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const transport of open) transport.close();
        wss.close();
        // Resolves once every connection is gone; peers that ignore the closing handshake are cut off.
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        timer.unref();
      });
      return closing;
    },
  };
}
