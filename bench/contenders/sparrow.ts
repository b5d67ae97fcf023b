/**
 * The Sparrow rows: one contender parametrised by transport scheme and
 * serialiser (tcp+msgpack, tcp+json, tcp+cbor, unix+msgpack, ws+msgpack,
 * nats+msgpack).
 *
 * This file holds the behaviour (what the server computes, what the client
 * counts); `sparrow-adapter.ts` holds the wiring to Sparrow's API.
 */
import { startBenchNats } from '../lib/nats-server.ts';
import { tempSocketPath } from '../lib/temp-socket.ts';
import type { BenchClient, Contender } from '../lib/types.ts';
import { connectBench, serveBench, type BenchImplementation, type BenchRemote, type Item, type SerialiserName } from './sparrow-adapter.ts';

/** The transports a Sparrow row can run over. */
export type SparrowScheme = 'tcp' | 'unix' | 'ws' | 'nats';

/** One Sparrow row's parameters. */
export interface SparrowVariant {
  scheme: SparrowScheme;
  serialiser: SerialiserName;
}

/** What every Sparrow row's server computes (the worker row's too). */
export function createImplementation(): BenchImplementation {
  let blobBytes = new Uint8Array(0);
  return {
    add: (a, b) => a + b,
    blob(size) {
      if (blobBytes.length < size) blobBytes = new Uint8Array(size).fill(7);
      return blobBytes.subarray(0, size);
    },
    *stream(n): Generator<Item> {
      for (let i = 0; i < n; i++) yield { i, v: i * 0.5 };
    },
    async callbacks(n, maxMs, echo) {
      const end = performance.now() + maxMs;
      let done = 0;
      while (done < n && performance.now() < end) {
        const answer = await echo(done);
        if (answer !== done) throw new Error(`echo(${done}) answered ${answer}`);
        done++;
      }
      return done;
    },
  };
}

/** What the scenarios call, over the `Bench` service (the stream counted as it arrives). */
export function benchClientOf(remote: BenchRemote): BenchClient {
  return {
    add: (a, b) => remote.add(a, b),
    blob: (size) => remote.blob(size),
    async stream(n) {
      let count = 0;
      for await (const _item of remote.stream(n)) count++;
      return count;
    },
    callbacks: (n, maxMs) => remote.callbacks(n, maxMs),
    close: () => remote.close(),
  };
}

/** A Sparrow row for the given transport and serialiser. */
export function createSparrowContender({ scheme, serialiser }: SparrowVariant): Contender {
  return {
    async startServer() {
      const implementation = createImplementation();
      if (scheme === 'nats') {
        // The row's own nats-server, between the client and this member.
        const nats = await startBenchNats();
        const listener = await serveBench(`nats://${nats.address}/bench`, serialiser, implementation);
        return {
          address: listener.url,
          async close() {
            await listener.close();
            await nats.stop();
          },
        };
      }
      if (scheme !== 'unix') {
        const listener = await serveBench(`${scheme}://127.0.0.1:0${scheme === 'ws' ? '/' : ''}`, serialiser, implementation);
        return { address: listener.url, close: () => listener.close() };
      }
      const socket = tempSocketPath('sparrow');
      const listener = await serveBench(`unix://${socket.path}`, serialiser, implementation);
      return {
        address: listener.url,
        async close() {
          await listener.close();
          socket.remove();
        },
      };
    },

    connect: async (address) => benchClientOf(await connectBench(address, serialiser, (i) => i)),
  };
}
