/** raw-tcp, raw-unix and raw-ws: the limits the other rows are measured against (see `lib/raw.ts`). */
import { connectRaw, startRawServer } from '../lib/raw.ts';
import { tempSocketPath } from '../lib/temp-socket.ts';
import type { Contender } from '../lib/types.ts';

/** The raw contender over TCP or a WebSocket on 127.0.0.1, or over a Unix socket in a temp directory. */
export function createRawContender(scheme: 'tcp' | 'unix' | 'ws'): Contender {
  return {
    async startServer() {
      if (scheme === 'tcp') return startRawServer('tcp://127.0.0.1:0');
      if (scheme === 'ws') return startRawServer('ws://127.0.0.1:0/');
      const socket = tempSocketPath('raw');
      const server = await startRawServer(`unix://${socket.path}`);
      return {
        address: server.address,
        async close() {
          await server.close();
          socket.remove();
        },
      };
    },
    connect: connectRaw,
  };
}
