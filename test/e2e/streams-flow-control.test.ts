/**
 * Flow control over real sockets: a producer in its own process stays within
 * the consumer's window however slowly it reads (the deterministic proof of
 * bounded memory; its RSS is reported, not asserted), a synchronous producer
 * emits many parts per event-loop turn, and the throughput of many small
 * items over TCP + msgpack is reported.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { DEFAULT_STREAM_WINDOW, createPeer, type Peer } from '../../runtime/rpc/peer.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Transport } from '../../runtime/transport/transport.ts';
import { spawnFixture, readStdoutLines } from '../helpers/fixture-process.ts';
import { exportStreamTargets } from '../helpers/stream-targets.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/streams-peer.ts', import.meta.url));
const MIB = 1024 * 1024;

/** Starts the fixture as a TCP producer; resolves with its URL. Ending its stdin ends it. */
async function startProducer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnFixture(FIXTURE, ['tcp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [url] = (await readStdoutLines(child, 1, 20_000)) as [string];
  return { child, url };
}

async function stopProducer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function connectPeer(url: string): Promise<Peer> {
  const peer = createPeer(createMessageLink(await connect(url)), { serialiser: 'm', logger: silentLogger });
  await peer.remoteFeatures();
  return peer;
}

describe('flow control over TCP, producer in a child process', () => {
  it('a consumer reading one item per 10 ms holds the producer to window + consumed', { timeout: 60_000 }, async (t) => {
    const { child, url } = await startProducer();
    try {
      const peer = await connectPeer(url);
      const before = await peer.call<{ produced: number; rss: number }>('stats');
      const stream = peer.callStream<number>('count', { n: 1_000_000, token: 'slow' });
      let consumed = 0;
      const started = Date.now();
      // The time box and at least 60 items: a loaded machine cannot end the run before the window matters.
      while (Date.now() - started < 3000 || consumed < 60) {
        const step = await stream.next();
        assert.equal(step.done, false);
        assert.equal(step.value, consumed);
        consumed++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const during = await peer.call<{ produced: number; rss: number }>('stats');
      const produced = during.produced - before.produced;
      const peakRss = await peer.call<number>('peak_rss');
      t.diagnostic(
        `consumed ${consumed}, produced ${produced} of 1,000,000 (window ${DEFAULT_STREAM_WINDOW}); producer RSS ${(before.rss / MIB).toFixed(1)} MiB at start, ${(during.rss / MIB).toFixed(1)} MiB after ${Date.now() - started} ms, peak ${(peakRss / MIB).toFixed(1)} MiB`,
      );
      assert.ok(produced <= DEFAULT_STREAM_WINDOW + consumed + 2, `produced ${produced} ≤ window ${DEFAULT_STREAM_WINDOW} + consumed ${consumed} + 2`);
      assert.ok(produced >= consumed);
      stream.cancel();
      peer.close();
      await peer.closed;
    } finally {
      await stopProducer(child);
    }
  });

  it('throughput of 100,000 small items over TCP + msgpack (reported)', { timeout: 60_000 }, async (t) => {
    const { child, url } = await startProducer();
    try {
      const peer = await connectPeer(url);
      for (const [label, options] of [
        ['credit, default window', {}],
        ['no flow control', { window: Infinity }],
      ] as const) {
        let best = 0;
        for (let round = 0; round < 3; round++) {
          const started = performance.now();
          let count = 0;
          for await (const item of peer.callStream<number>('count', { n: 100_000, token: 'tput' }, options)) {
            if (item !== count) assert.fail(`item ${count} arrived as ${item}`);
            count++;
          }
          assert.equal(count, 100_000);
          best = Math.max(best, count / ((performance.now() - started) / 1000));
        }
        t.diagnostic(`${label}: ${Math.round(best).toLocaleString('en')} items/s (best of 3)`);
      }
      peer.close();
      await peer.closed;
    } finally {
      await stopProducer(child);
    }
  });
});

describe('write batching', () => {
  it('a synchronous multipart producer emits many parts (or batched items) per event-loop turn', { timeout: 30_000 }, async () => {
    // Count the chains the producing side hands its transport in each macrotask turn.
    const turns: number[] = [];
    let current = -1;
    const counting = (transport: Transport): Transport => {
      const send = transport.send.bind(transport);
      transport.send = (chain) => {
        if (current < 0) {
          current = turns.push(0) - 1;
          setImmediate(() => (current = -1));
        }
        turns[current]!++;
        send(chain);
      };
      return transport;
    };
    const listener = await listen('tcp://127.0.0.1:0', (transport) => {
      exportStreamTargets(createPeer(createMessageLink(counting(transport)), { logger: silentLogger }));
    });
    try {
      for (const withCredit of [false, true]) {
        const peer = createPeer(createMessageLink(await connect(listener.url)), { serialiser: 'm', logger: silentLogger });
        if (withCredit) await peer.remoteFeatures();
        turns.length = 0;
        let count = 0;
        for await (const _ of peer.callStream('count', { n: 20_000, token: 'batch' })) count++;
        assert.equal(count, 20_000);
        const chains = turns.reduce((a, b) => a + b, 0);
        // Without credit, one chain per item; with it (and so with the batch opt-in), a few per grant.
        if (withCredit) assert.ok(chains <= 4 * (20_000 / (DEFAULT_STREAM_WINDOW / 2)) + 4, `${chains} chains for 20,000 batched items`);
        else assert.ok(chains >= 20_000);
        // Without credit the whole stream goes out in a few turns; with it, about window/2 items per grant.
        const most = withCredit ? 20_000 / (DEFAULT_STREAM_WINDOW / 4) : 20;
        assert.ok(turns.length <= most, `${chains} chains in ${turns.length} turns (credit: ${withCredit})`);
        peer.close();
      }
    } finally {
      await listener.close();
    }
  });
});
