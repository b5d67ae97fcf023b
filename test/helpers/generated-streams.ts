/**
 * The implementation both sides of the generated stream tests register:
 * the listener as `StreamsServer`, the connector as `StreamsClient` (the
 * golden case test/golden/cases/streams), written only against the
 * generated types. Callee-side observations (a generator's `finally`,
 * `ctx.signal` firing, a late callback failing, a notify arriving) are
 * logged per token and read back with `probe`, which works the same in
 * this process and in the child-process fixture.
 *
 * No Node test imports here: the fixture process loads this file too.
 */
import { isSparrowError, type CallContext, type ExportTarget, type Peer, type ServiceRegistration } from 'sparrow-rpc';
import {
  StoppedAt,
  createStreamsClientClient,
  createStreamsServerClient,
  registerStreamsClient,
  registerStreamsServer,
  type StreamsServerImplementation,
  type StreamsServerTopics,
} from '../golden/cases/streams/expected/main.ts';
import { sleep } from './async-waits.ts';
import { bytePattern } from './byte-pattern.ts';

/** One side's implementation state. */
export interface StreamsSide {
  readonly registration: ServiceRegistration<StreamsServerTopics>;
}

/** The first `n` of `items`: 2^40 + k, so int64 values beyond 2^32 travel. */
export const ITEM_BASE = 2n ** 40n;

/**
 * The shared implementation; `nestedOnCaller` calls the other side's
 * `nested` on the peer a call arrived on (the other service's generated client).
 */
function implementation(nestedOnCaller: (peer: Peer, depth: number) => Promise<number>, topics: () => StreamsServerTopics): StreamsServerImplementation {
  const logs = new Map<string, string[]>();
  const produced = new Map<string, bigint>();
  const log = (token: string, event: string): void => {
    let list = logs.get(token);
    if (list === undefined) logs.set(token, (list = []));
    list.push(event);
  };
  return {
    *count({ n, token }) {
      try {
        for (let i = 0; i < n; i++) {
          produced.set(token, (produced.get(token) ?? 0n) + 1n);
          yield i;
        }
      } finally {
        log(token, 'finally');
      }
    },
    *items({ n, size }) {
      for (let k = 0; k < n; k++) yield { n: ITEM_BASE + BigInt(k), data: bytePattern(size, k + 1) };
    },
    async *endless({ token }, ctx: CallContext) {
      ctx.signal.addEventListener('abort', () => log(token, 'aborted'), { once: true });
      try {
        for (let i = 0; ; i++) {
          yield i;
          await sleep(1);
        }
      } finally {
        log(token, 'finally');
      }
    },
    *failAfter({ n }) {
      for (let i = 0; i < n; i++) yield i;
      throw new StoppedAt({ after: n }, `stopped after ${n}`);
    },
    async wait({ token }, ctx) {
      log(token, 'started');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          log(token, 'aborted');
          resolve();
        });
      });
      return 'not cancelled';
    },
    probe: ({ token }) => logs.get(token) ?? [],
    withProgress({ n, progress }) {
      for (let i = 0; i < n; i++) progress({ i });
      return n;
    },
    async withRequestCb({ n, ask }) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += await ask({ i });
      return sum;
    },
    lateCallback({ token, progress }) {
      setTimeout(() => {
        try {
          progress({ late: true });
          log(token, 'sent');
        } catch (error) {
          log(token, isSparrowError(error) ? error.code : `other error: ${String(error)}`);
        }
      }, 10);
      return 'done';
    },
    async sum({ nums }) {
      let sum = 0n;
      for await (const x of nums) sum += BigInt(x);
      return sum;
    },
    async totalLength({ chunks }) {
      let total = 0n;
      for await (const chunk of chunks) total += BigInt(chunk.byteLength);
      return total;
    },
    async nested({ depth }, ctx) {
      if (depth <= 0) return 0;
      return 1 + (await nestedOnCaller(ctx.peer, depth - 1));
    },
    echo: ({ data }) => data,
    makeBlob: ({ size, seed }) => bytePattern(size, seed),
    *blobParts({ sizes }) {
      let seed = 1;
      for (const size of sizes) yield bytePattern(size, seed++);
    },
    bytesCallback: async ({ size, sink }) => sink({ data: bytePattern(size, 7) }),
    note: ({ token, text }) => log(token, text),
    broadcast({ room, from, to }) {
      for (let seq = from; seq <= to; seq++) topics().news.publish({ room, seq });
      return to - from + 1;
    },
    subscribers: () => topics().news.subscriberCount,
    produced: ({ token }) => produced.get(token) ?? 0n,
  };
}

/** Registers the listener's side (`StreamsServer`) on `target`. */
export function registerServerSide(target: ExportTarget): StreamsSide {
  let registration: ServiceRegistration<StreamsServerTopics> | undefined;
  const impl = implementation(
    (peer, depth) => createStreamsClientClient(peer).nested({ depth }),
    () => registration!.topics,
  );
  registration = registerStreamsServer(target, impl);
  return { registration };
}

/** Registers the connector's side (`StreamsClient`, the same members) on `target`. */
export function registerClientSide(target: ExportTarget): StreamsSide {
  let registration: ServiceRegistration<StreamsServerTopics> | undefined;
  const impl = implementation(
    (peer, depth) => createStreamsServerClient(peer).nested({ depth }),
    () => registration!.topics,
  );
  registration = registerStreamsClient(target, impl);
  return { registration };
}
