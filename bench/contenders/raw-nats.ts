/**
 * raw-nats: the limit of the nats+msgpack row. The NATS client's own
 * request/reply (`nc.request`, `msg.respond`) on a nats-server of the
 * row's own, with payloads as small as raw-tcp's: `add` sends two float64
 * and gets one back, `blob` gets the bytes, the stream is `n` 16-byte
 * messages published to the requester's inbox and an empty one to end it,
 * the callback is a request from the server to a subject the client serves.
 */
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { startBenchNats } from '../lib/nats-server.ts';
import type { Contender } from '../lib/types.ts';

const LONG = { timeout: 60_000 };

function pair(a: number, b: number): Uint8Array {
  return new Uint8Array(new Float64Array([a, b]).buffer);
}

function floats(bytes: Uint8Array): Float64Array {
  // Copied: the client hands out views of its read buffer, not necessarily 8-byte aligned.
  return new Float64Array(new Uint8Array(bytes).buffer);
}

/** The raw NATS contender. */
export function createRawNatsContender(): Contender {
  return {
    async startServer() {
      const server = await startBenchNats();
      const nc = await connect({ servers: server.address });
      let blob = new Uint8Array(0);
      nc.subscribe('bench.add', { callback: (_e, msg) => {
        const [a, b] = floats(msg.data);
        msg.respond(new Uint8Array(new Float64Array([a! + b!]).buffer));
      } });
      nc.subscribe('bench.blob', { callback: (_e, msg) => {
        const size = floats(msg.data)[0]!;
        if (blob.length < size) blob = new Uint8Array(size).fill(7);
        msg.respond(blob.subarray(0, size));
      } });
      nc.subscribe('bench.stream', { callback: (_e, msg) => {
        const n = floats(msg.data)[0]!;
        for (let i = 0; i < n; i++) nc.publish(msg.reply!, pair(i, i * 0.5));
        nc.publish(msg.reply!, new Uint8Array(0));
      } });
      nc.subscribe('bench.callbacks', { callback: (_e, msg) => {
        const [n, maxMs] = floats(msg.data.subarray(0, 16));
        const echo = new TextDecoder().decode(msg.data.subarray(16));
        void (async () => {
          const end = performance.now() + maxMs!;
          let done = 0;
          while (done < n! && performance.now() < end) {
            const answer = floats((await nc.request(echo, pair(done, 0), LONG)).data)[0];
            if (answer !== done) throw new Error(`echo(${done}) answered ${answer}`);
            done++;
          }
          msg.respond(pair(done, 0));
        })();
      } });
      await nc.flush();
      return {
        address: `nats://${server.address}`,
        async close() {
          await nc.close();
          await server.stop();
        },
      };
    },

    async connect(address) {
      const nc: NatsConnection = await connect({ servers: address.replace(/^nats:\/\//, '') });
      const echoSubject = createInbox();
      nc.subscribe(echoSubject, { callback: (_e, msg) => void msg.respond(msg.data) });
      await nc.flush();
      return {
        add: async (a, b) => floats((await nc.request('bench.add', pair(a, b), LONG)).data)[0]!,
        blob: async (size) => (await nc.request('bench.blob', pair(size, 0), LONG)).data,
        stream(n) {
          const inbox = createInbox();
          return new Promise<number>((resolve) => {
            let count = 0;
            const sub = nc.subscribe(inbox, { callback: (_e, msg) => {
              if (msg.data.length === 0) {
                sub.unsubscribe();
                resolve(count);
              } else count++;
            } });
            nc.publish('bench.stream', pair(n, 0), { reply: inbox });
          });
        },
        async callbacks(n, maxMs) {
          const head = pair(n, maxMs);
          const tail = new TextEncoder().encode(echoSubject);
          const request = new Uint8Array(head.length + tail.length);
          request.set(head);
          request.set(tail, head.length);
          return floats((await nc.request('bench.callbacks', request, LONG)).data)[0]!;
        },
        async close() {
          await nc.close();
        },
      };
    },
  };
}
