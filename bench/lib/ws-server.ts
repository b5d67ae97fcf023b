/** A `ws` server on 127.0.0.1 for the WebSocket-based peers (ws+birpc, capnweb). */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BenchServer } from './types.ts';

/**
 * Listens on a free loopback port and hands each connection to
 * `onConnection`; closing terminates every client so a round ends promptly.
 */
export async function serveWebSocket(onConnection: (socket: WebSocket) => void): Promise<BenchServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (socket) => {
    // A client killed mid-round resets its socket: not a server failure.
    socket.on('error', () => {});
    onConnection(socket);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    address: `ws://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
