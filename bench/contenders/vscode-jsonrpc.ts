/**
 * vscode-jsonrpc: JSON-RPC 2.0 with Content-Length headers over a TCP socket.
 * JSON has no binary type, so the blob travels as a base64 string. The
 * stream is notifications followed by the response; the callback is a
 * server→client request.
 */
import { once } from 'node:events';
import net from 'node:net';
import { importPeerDependency } from '../lib/peer-deps.ts';
import type { Contender } from '../lib/types.ts';

// The slice of vscode-jsonrpc this file uses (see lib/peer-deps.ts for why it is declared here).
interface Connection {
  onRequest(method: string, handler: (params: never) => unknown): void;
  onNotification(method: string, handler: () => void): void;
  sendRequest<T>(method: string, params: unknown): Promise<T>;
  sendNotification(method: string, params: unknown): Promise<void>;
  onError(handler: () => void): void;
  listen(): void;
  dispose(): void;
}
interface JsonRpcModule {
  createMessageConnection(reader: unknown, writer: unknown): Connection;
  SocketMessageReader: new (socket: net.Socket) => unknown;
  SocketMessageWriter: new (socket: net.Socket) => unknown;
}

/** Notifications are awaited every this many items, so the writer's queue cannot grow without bound. */
const DRAIN_EVERY = 256;

async function openConnection(socket: net.Socket): Promise<Connection> {
  const rpc = await importPeerDependency<JsonRpcModule>('vscode-jsonrpc/node');
  socket.setNoDelay(true);
  socket.on('error', () => {});
  return rpc.createMessageConnection(new rpc.SocketMessageReader(socket), new rpc.SocketMessageWriter(socket));
}

let blobBase64 = '';
let blobSize = -1;

/** The vscode-jsonrpc contender. */
export function createJsonRpcContender(): Contender {
  return {
    async startServer() {
      // Load before listening, so a missing package fails the server start rather than the first connection.
      await importPeerDependency<JsonRpcModule>('vscode-jsonrpc/node');
      const server = net.createServer((socket) => {
        void openConnection(socket).then((connection) => {
          connection.onRequest('add', ({ a, b }: { a: number; b: number }) => a + b);
          connection.onRequest('blob', ({ size }: { size: number }) => {
            if (blobSize !== size) {
              blobBase64 = Buffer.alloc(size, 7).toString('base64');
              blobSize = size;
            }
            return blobBase64;
          });
          connection.onRequest('stream', async ({ n }: { n: number }) => {
            let sent: Promise<void> = Promise.resolve();
            for (let i = 0; i < n; i++) {
              sent = connection.sendNotification('item', { i, v: i * 0.5 });
              if (i % DRAIN_EVERY === DRAIN_EVERY - 1) await sent;
            }
            await sent;
            return n;
          });
          connection.onRequest('callbacks', async ({ n, maxMs }: { n: number; maxMs: number }) => {
            const end = performance.now() + maxMs;
            let done = 0;
            while (done < n && performance.now() < end) {
              await connection.sendRequest('echo', { i: done });
              done++;
            }
            return done;
          });
          connection.onError(() => {});
          connection.listen();
        });
      });
      server.listen({ host: '127.0.0.1', port: 0 });
      await once(server, 'listening');
      const { port } = server.address() as net.AddressInfo;
      return {
        address: `tcp://127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },

    async connect(address) {
      const url = new URL(address);
      const socket = net.connect({ host: url.hostname, port: Number(url.port) });
      await once(socket, 'connect');
      const connection = await openConnection(socket);
      let received = 0;
      connection.onNotification('item', () => {
        received++;
      });
      connection.onRequest('echo', ({ i }: { i: number }) => i);
      connection.listen();
      return {
        add: (a, b) => connection.sendRequest<number>('add', { a, b }),
        blob: async (size) => Buffer.from(await connection.sendRequest<string>('blob', { size }), 'base64'),
        async stream(n) {
          received = 0;
          await connection.sendRequest('stream', { n });
          return received;
        },
        callbacks: (n, maxMs) => connection.sendRequest<number>('callbacks', { n, maxMs }),
        async close() {
          connection.dispose();
          socket.destroy();
        },
      };
    },
  };
}
