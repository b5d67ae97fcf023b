/**
 * TCP transport (`tcp://host:port`): chains back to back on the stream
 * (PROTOCOL.md §2), with Nagle off so a lone chain is not held back.
 */
import net from 'node:net';
import { guardConnect } from '../connect-guard.ts';
import type { ConnectOptions, Listener, Transport } from '../transport.ts';
import { formatHostPort, listenOnPort } from './socket-listener.ts';
import { createSocketTransport, StaticReader } from './stream.ts';

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
export function listenTcp(host: string, port: number, onConnection: (transport: Transport) => void): Promise<Listener> {
  return listenOnPort('tcp', net.createServer({ noDelay: true }), host, port, 'connection', onConnection);
}
