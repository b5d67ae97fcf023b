/**
 * Accept loop shared by the tcp, unix and tls listeners: wraps each accepted
 * socket as a Transport and remembers it, so closing the listener closes
 * every connection it accepted. tcp and tls also share binding a host and
 * port (`listenOnPort`).
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, SparrowError } from '../../errors.ts';
import type { TLSSocket } from 'node:tls';
import type { ConnectionFacts, PeerCertificate } from '../../wire.ts';
import type { Listener, Transport } from '../transport.ts';
import { createSocketTransport, type StreamTransport } from './stream.ts';

/** Formats host and port for a URL or a log line (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** host:port of the other end of an accepted socket. */
export function remoteOf(socket: Socket): string {
  return formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
}

/**
 * Binds a tcp or tls `server` on `host:port` (port 0 picks a free port; the
 * listener's `url` reports it) and serves its sockets, taken at `event`.
 * Rejects with `connection-failed` when the address cannot be bound.
 */
export async function listenOnPort(
  scheme: 'tcp' | 'tls',
  server: Server,
  host: string,
  port: number,
  event: ServeSocketsOptions['event'],
  onConnection: (transport: Transport) => void,
): Promise<Listener> {
  try {
    await bindServer(server, () => server.listen({ host, port }));
  } catch (cause) {
    throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot listen on ${scheme}://${formatHostPort(host, port)}: ${(cause as Error).message}`, { cause });
  }
  const address = server.address() as AddressInfo;
  return serveSockets(`${scheme}://${formatHostPort(host, address.port)}`, {
    server,
    event,
    wrap: (socket) => {
      const transport = createSocketTransport(socket, scheme, remoteOf(socket as Socket));
      transport.facts = socketFacts(socket as Socket);
      return transport;
    },
    onConnection,
  });
}

/** Options for {@link serveSockets}. */
/** The remote address, and for TLS the client certificate the handshake verified (none without `ca`). */
export function socketFacts(socket: Socket): ConnectionFacts {
  const facts: { remoteAddress?: string; peerCertificate?: PeerCertificate } = {};
  if (socket.remoteAddress !== undefined) facts.remoteAddress = socket.remoteAddress;
  const tlsSocket = socket as Partial<TLSSocket>;
  if (typeof tlsSocket.getPeerCertificate === 'function' && tlsSocket.authorized === true) {
    const certificate = tlsSocket.getPeerCertificate();
    if (certificate !== null && typeof certificate === 'object' && certificate.subject !== undefined) {
      facts.peerCertificate = { subject: { ...certificate.subject }, issuer: { ...certificate.issuer }, fingerprint256: certificate.fingerprint256 };
    }
  }
  return facts;
}

export interface ServeSocketsOptions {
  /** The listening server. */
  server: Server;
  /** The server event that hands over a ready socket ('connection', or 'secureConnection' for TLS). */
  event: 'connection' | 'secureConnection';
  /** Wraps one accepted socket. */
  wrap(socket: Duplex): StreamTransport;
  onConnection(transport: Transport): void;
}

/** Starts handing the server's connections to `onConnection`; returns the listener for `url`. */
export function serveSockets(url: string, options: ServeSocketsOptions): Listener {
  const { server } = options;
  const open = new Set<StreamTransport>();
  server.on(options.event, (socket: Duplex) => {
    const transport = options.wrap(socket);
    open.add(transport);
    socket.once('close', () => open.delete(transport));
    options.onConnection(transport);
  });
  // Accept errors (EMFILE and the like) must not crash the process; the server keeps listening.
  server.on('error', () => {});
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Resolves once every accepted socket is gone; their graceful close is bounded by CLOSE_GRACE_MS.
        server.close(() => resolve());
        for (const transport of open) transport.close();
      });
      return closing;
    },
  };
}

/** Binds `server` (listen arguments as for net.Server#listen) and resolves once it listens. */
export function bindServer(server: Server, bind: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    bind();
  });
}
