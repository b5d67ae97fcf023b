/**
 * Unix domain socket transport (`unix:/path/to.sock`): the same byte stream
 * as TCP (PROTOCOL.md §2).
 */
import { lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { ErrorCode, SparrowError } from '../../errors.ts';
import { guardConnect } from '../connect-guard.ts';
import type { ConnectOptions, Listener, Transport } from '../transport.ts';
import { bindServer, serveSockets } from './socket-listener.ts';
import { createSocketTransport, StaticReader } from './stream.ts';

/**
 * Connects to a Unix socket listener.
 * Rejects with `connection-failed` (no such socket, refused, timed out) or `aborted`.
 */
export function connectUnix(path: string, options: ConnectOptions = {}): Promise<Transport> {
  const target = `unix:${path}`;
  return guardConnect<Transport>(target, options, (settle) => {
    // One reused read buffer instead of an allocation per read (see StaticReader).
    const reader = new StaticReader();
    const socket = net.connect({ path, onread: reader.onread });
    const onError = (error: Error): void => settle(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      settle(undefined, createSocketTransport(socket, 'unix', target, reader));
    });
    return () => socket.destroy();
  });
}

/**
 * Listens on a Unix socket at `path`. A stale socket file left by a dead
 * listener is removed first; a live one, or a file that is not a socket, is
 * never touched and the call rejects with `connection-failed`. Node removes
 * the socket file when the listener closes.
 */
export async function listenUnix(path: string, onConnection: (transport: Transport) => void): Promise<Listener> {
  const url = `unix:${path}`;
  const server = net.createServer();
  try {
    await removeStaleSocket(path);
    await bindServer(server, () => server.listen({ path }));
  } catch (cause) {
    if (cause instanceof SparrowError) throw cause;
    throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot listen on ${url}: ${(cause as Error).message}`, { cause });
  }
  return serveSockets(url, {
    server,
    event: 'connection',
    wrap: (socket) => createSocketTransport(socket, 'unix', url),
    onConnection,
  });
}

async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isSocket) {
    throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot listen on unix:${path}: the path exists and is not a socket`);
  }
  // Only a socket nobody answers on is stale; a live listener keeps its file.
  const refused = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
  if (!refused) {
    throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot listen on unix:${path}: another process is listening there`);
  }
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
