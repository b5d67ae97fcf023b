/**
 * TCP transport (`tcp://host:port`): chains back to back on the stream
 * (PROTOCOL.md §2), with Nagle off so a lone chain is not held back.
 */
import net from 'node:net';
import { ErrorCode, SparrowError } from '../../errors.ts';
import { guardConnect } from '../connect-guard.ts';
import type { ConnectOptions, Listener, Transport } from '../transport.ts';
import { bindServer, serveSockets } from './socket-listener.ts';
import { createSocketTransport, StaticReader } from './stream.ts';

/** Formats host and port for a URL or a log line (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Connects to a TCP listener.
 * Rejects with `connection-failed` (refused, unreachable, timed out) or `aborted`.
 */
export function connectTcp(host: string, port: number, options: ConnectOptions = {}): Promise<Transport> {
  const target = `tcp://${formatHostPort(host, port)}`;
  return guardConnect<Transport>(target, options, (settle) => {
    // One reused read buffer instead of an allocation per read (see StaticReader).
    const reader = new StaticReader();
    const socket = net.connect({ host, port, onread: reader.onread });
    socket.setNoDelay(true);
    const onError = (error: Error): void => settle(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      settle(undefined, createSocketTransport(socket, 'tcp', formatHostPort(socket.remoteAddress ?? host, socket.remotePort ?? port), reader));
    });
    return () => socket.destroy();
  });
}

/**
 * Listens for TCP connections on `host:port` (port 0 picks a free port; the
 * listener's `url` reports it). Rejects with `connection-failed` when the
 * address cannot be bound.
 */
export async function listenTcp(host: string, port: number, onConnection: (transport: Transport) => void): Promise<Listener> {
  const server = net.createServer({ noDelay: true });
  try {
    await bindServer(server, () => server.listen({ host, port }));
  } catch (cause) {
    throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot listen on tcp://${formatHostPort(host, port)}: ${(cause as Error).message}`, { cause });
  }
  const address = server.address() as net.AddressInfo;
  return serveSockets(`tcp://${formatHostPort(host, address.port)}`, {
    server,
    event: 'connection',
    wrap: (socket) => createSocketTransport(socket, 'tcp', remoteOf(socket as net.Socket)),
    onConnection,
  });
}

/** host:port of the other end of an accepted socket. */
export function remoteOf(socket: net.Socket): string {
  return formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
}
