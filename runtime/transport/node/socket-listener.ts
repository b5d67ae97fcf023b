/**
 * Accept loop shared by the tcp, unix and tls listeners: wraps each accepted
 * socket as a Transport and remembers it, so closing the listener closes
 * every connection it accepted.
 */
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Listener, Transport } from '../transport.ts';
import type { StreamTransport } from './stream.ts';

/** Options for {@link serveSockets}. */
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
