/**
 * ws+birpc: birpc (symmetric two-way RPC) over a `ws` WebSocket on
 * 127.0.0.1, serialised with msgpackr into binary frames. The stream is
 * one-way events (`$callEvent`) followed by the response; the callback is
 * a birpc call from the server to the client.
 */
import { once } from 'node:events';
import { pack, unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import { importPeerDependency } from '../lib/peer-deps.ts';
import { serveWebSocket } from '../lib/ws-server.ts';
import type { Contender } from '../lib/types.ts';

// The slice of birpc this file uses (see lib/peer-deps.ts for why it is declared here).
interface ChannelOptions {
  post(data: unknown): void;
  on(handler: (data: unknown) => void): void;
  serialize(value: unknown): unknown;
  deserialize(data: unknown): unknown;
  timeout: number;
}
type Remote = Record<string, (...args: never[]) => Promise<unknown>> & {
  $callEvent(method: string, ...args: unknown[]): void;
  $close?(): void;
};
interface BirpcModule {
  createBirpc(functions: Record<string, (...args: never[]) => unknown>, options: ChannelOptions): Remote;
}

/** While the socket holds more than this unsent, the stream yields to let it drain. */
const HIGH_WATER = 1 << 20;

function channel(socket: WebSocket): ChannelOptions {
  return {
    post: (data) => socket.send(data as Uint8Array),
    on: (handler) => socket.on('message', handler),
    serialize: (value) => pack(value),
    deserialize: (data) => unpack(data as Uint8Array),
    timeout: 60_000,
  };
}

let blobBytes = new Uint8Array(0);

/** The ws+birpc contender. */
export function createBirpcContender(): Contender {
  return {
    async startServer() {
      const { createBirpc } = await importPeerDependency<BirpcModule>('birpc');
      return serveWebSocket((socket) => {
        const remote: Remote = createBirpc(
          {
            add: (a: number, b: number) => a + b,
            blob(size: number) {
              if (blobBytes.length < size) blobBytes = new Uint8Array(size).fill(7);
              return blobBytes.subarray(0, size);
            },
            async stream(n: number) {
              for (let i = 0; i < n; i++) {
                remote.$callEvent('item', { i, v: i * 0.5 });
                if (socket.bufferedAmount > HIGH_WATER) await new Promise((resolve) => setImmediate(resolve));
              }
              return n;
            },
            async callbacks(n: number, maxMs: number) {
              const echo = remote['echo'] as (i: number) => Promise<number>;
              const end = performance.now() + maxMs;
              let done = 0;
              while (done < n && performance.now() < end) {
                await echo(done);
                done++;
              }
              return done;
            },
          },
          channel(socket),
        );
      });
    },

    async connect(address) {
      const { createBirpc } = await importPeerDependency<BirpcModule>('birpc');
      const socket = new WebSocket(address);
      await once(socket, 'open');
      let received = 0;
      const remote = createBirpc(
        {
          item: () => {
            received++;
          },
          echo: (i: number) => i,
        },
        channel(socket),
      );
      const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
        (remote[method] as (...a: unknown[]) => Promise<T>)(...args);
      return {
        add: (a, b) => call<number>('add', a, b),
        blob: (size) => call<Uint8Array>('blob', size),
        async stream(n) {
          received = 0;
          await call('stream', n);
          return received;
        },
        callbacks: (n, maxMs) => call<number>('callbacks', n, maxMs),
        async close() {
          remote.$close?.();
          socket.terminate();
        },
      };
    },
  };
}
