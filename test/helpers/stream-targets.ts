/**
 * The targets the end-to-end stream tests call, exported identically by
 * both sides of a connection (and by the child-process fixture), so every
 * scenario runs in both directions. Callee-side observations (a generator's
 * `finally`, `ctx.signal` firing, a late callback failing) are recorded per
 * token and read back with the `probe` target, which works the same in
 * this process and in a child.
 *
 * No Node test imports here: the fixture process loads this file too.
 */
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { ErrorCode, SparrowError, isSparrowError } from '../../runtime/errors.ts';
import type { Params } from '../../runtime/envelope/message.ts';
import type { NotifyCallback, RequestCallback } from '../../runtime/rpc/callbacks.ts';
import type { ExportOptions, Handler } from '../../runtime/rpc/registry.ts';
import { createTopic, type Topic } from '../../runtime/rpc/topic.ts';
import { sleep } from './async-waits.ts';
import { bytePattern } from './byte-pattern.ts';

/** Anything with `export` (a `Registry` or a `Peer`). */
export interface Exporter {
  export(name: string, handler: Handler, options?: ExportOptions): () => void;
}

/** Counters the slow-consumer test reads from the producer process. */
export const producerStats = { produced: 0 };

/** Registers every scenario target on `exporter`; state (probe logs, topics) is per call of this function. */
export function exportStreamTargets(exporter: Exporter): void {
  const logs = new Map<string, string[]>();
  const log = (token: unknown, event: string): void => {
    const key = String(token);
    let list = logs.get(key);
    if (list === undefined) logs.set(key, (list = []));
    list.push(event);
  };
  const rooms = new Map<string, Topic<unknown>>();
  const room = (name: unknown): Topic<unknown> => {
    let topic = rooms.get(String(name));
    if (topic === undefined) rooms.set(String(name), (topic = createTopic()));
    return topic;
  };
  const multipart = { multipart: true } as const;

  exporter.export('probe', ({ token }) => logs.get(String(token)) ?? []);

  // A sync generator of n items: paced by credit, stopped by cancel.
  exporter.export(
    'count',
    function* ({ n, token }) {
      try {
        for (let i = 0; i < (n as number); i++) {
          producerStats.produced++;
          yield i;
        }
      } finally {
        log(token, 'finally');
      }
    },
    multipart,
  );

  exporter.export(
    'endless',
    async function* ({ token }, ctx) {
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
    multipart,
  );

  exporter.export(
    'fail_after',
    function* ({ n }) {
      for (let i = 0; i < (n as number); i++) yield i;
      throw new SparrowError(ErrorCode.InvalidParams, `stopped after ${String(n)}`);
    },
    multipart,
  );

  // Runs until cancelled (or 10 s, so nothing can hang).
  exporter.export('wait', async ({ token }, ctx) => {
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
  });

  exporter.export('with_progress', ({ n, progress }) => {
    for (let i = 0; i < (n as number); i++) (progress as NotifyCallback)({ i });
    return n;
  });

  exporter.export(
    'with_request_cb',
    async ({ n, ask }) => {
      let sum = 0;
      for (let i = 0; i < (n as number); i++) sum += (await (ask as RequestCallback)({ i })) as number;
      return sum;
    },
    { callbacks: { ask: 'request' } },
  );

  // Keeps the callback past the end of the call, then records what using it does.
  exporter.export('late_callback', ({ progress, token }) => {
    setTimeout(() => {
      try {
        (progress as NotifyCallback)({ late: true });
        log(token, 'sent');
      } catch (error) {
        log(token, isSparrowError(error) ? error.code : 'other error');
      }
    }, 10);
    return 'done';
  });

  exporter.export('sum', async ({ nums }) => {
    let sum = 0;
    for await (const x of nums as AsyncIterable<number>) sum += x;
    return sum;
  });

  // Alternates sides: each level calls the other side's `nested` while its own call is pending.
  exporter.export('nested', async ({ depth }, ctx) => {
    if ((depth as number) <= 0) return 0;
    return 1 + (await ctx.peer.call<number>('nested', { depth: (depth as number) - 1 }));
  });

  exporter.export('echo', ({ data }) => data);
  exporter.export('make_blob', ({ size, seed }) => bytePattern(size as number, seed as number));
  exporter.export(
    'blob_parts',
    function* ({ sizes }) {
      let seed = 1;
      for (const size of sizes as number[]) yield bytePattern(size, seed++);
    },
    multipart,
  );
  exporter.export(
    'bytes_callback',
    async ({ size, sink }) => (await (sink as RequestCallback)({ data: bytePattern(size as number, 7) })) as number,
    { callbacks: { sink: 'request' } },
  );

  // Topics, one per room so concurrent tests never see each other's values.
  exporter.export('subscribe', (params: Params, ctx) => room(params['room']).handler(params, ctx), multipart);
  exporter.export('publish', ({ room: name, values }) => {
    for (const value of values as unknown[]) room(name).publish(value);
    return (values as unknown[]).length;
  });
  exporter.export('subscribers', ({ room: name }) => room(name).subscriberCount);

  exporter.export('stats', () => ({ produced: producerStats.produced, rss: currentRss() }));
}

/** Resident set size when the platform reports it (Node), else 0. */
function currentRss(): number {
  const proc = (globalThis as { process?: { memoryUsage?: { rss?: () => number } } }).process;
  return proc?.memoryUsage?.rss?.() ?? 0;
}
