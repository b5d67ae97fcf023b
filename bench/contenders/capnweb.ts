/**
 * capnweb: Cap'n Web over a `ws` WebSocket on 127.0.0.1 (a JSON-based wire
 * format). The stream is a `ReadableStream` returned by the server; the
 * callback is a client function the server receives as a stub.
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { importPeerDependency } from '../lib/peer-deps.ts';
import { serveWebSocket } from '../lib/ws-server.ts';
import type { Contender } from '../lib/types.ts';

// The slice of capnweb this file uses (see lib/peer-deps.ts for why it is declared here).
interface BenchApi {
  add(a: number, b: number): Promise<number>;
  blob(size: number): Promise<Uint8Array>;
  stream(n: number): Promise<ReadableStream<unknown>>;
  callbacks(echo: (i: number) => number, n: number, maxMs: number): Promise<number>;
}
interface CapnwebModule {
  RpcTarget: new () => object;
  newWebSocketRpcSession(socket: unknown, localMain?: object): BenchApi;
}

/** Items enqueued per pull of the stream. */
const STREAM_BATCH = 256;

async function loadCapnweb(): Promise<CapnwebModule> {
  // capnweb reads the global `WebSocket` (for its readyState constants);
  // Node 20 has none without --experimental-websocket, so lend it ws's class.
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  return importPeerDependency<CapnwebModule>('capnweb');
}

/** The server's API as an RpcTarget (the base class is only known once capnweb is loaded). */
function createApi(RpcTarget: new () => object): object {
  let blobBytes = new Uint8Array(0);
  class Api extends RpcTarget {
    add(a: number, b: number): number {
      return a + b;
    }
    blob(size: number): Uint8Array {
      if (blobBytes.length < size) blobBytes = new Uint8Array(size).fill(7);
      return blobBytes.subarray(0, size);
    }
    stream(n: number): ReadableStream<{ i: number; v: number }> {
      let i = 0;
      return new ReadableStream(
        {
          pull(controller) {
            for (let k = 0; k < STREAM_BATCH && i < n; k++, i++) controller.enqueue({ i, v: i * 0.5 });
            if (i >= n) controller.close();
          },
        },
        { highWaterMark: 1024 },
      );
    }
    async callbacks(echo: (i: number) => Promise<number>, n: number, maxMs: number): Promise<number> {
      const end = performance.now() + maxMs;
      let done = 0;
      while (done < n && performance.now() < end) {
        await echo(done);
        done++;
      }
      return done;
    }
  }
  return new Api();
}

/** The capnweb contender. */
export function createCapnwebContender(): Contender {
  return {
    async startServer() {
      const capnweb = await loadCapnweb();
      return serveWebSocket((socket) => {
        capnweb.newWebSocketRpcSession(socket, createApi(capnweb.RpcTarget));
      });
    },

    async connect(address) {
      const capnweb = await loadCapnweb();
      const socket = new WebSocket(address);
      await once(socket, 'open');
      const api = capnweb.newWebSocketRpcSession(socket);
      const echo = (i: number): number => i;
      return {
        add: (a, b) => api.add(a, b),
        blob: (size) => api.blob(size),
        async stream(n) {
          let count = 0;
          for await (const _item of await api.stream(n)) count++;
          return count;
        },
        callbacks: (n, maxMs) => api.callbacks(echo, n, maxMs),
        async close() {
          socket.terminate();
        },
      };
    },
  };
}
