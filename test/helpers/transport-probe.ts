/**
 * Test helpers for transports: a probe that records what one side receives
 * and how it closes, deterministic test chains, and a conformance suite that
 * every stream and message transport runs.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { bytePattern } from './byte-pattern.ts';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import type { Listener, Transport } from '../../runtime/transport/transport.ts';
import { whenDrained } from '../../runtime/wire.ts';

/** What one side of a connection saw. */
export interface Probe {
  readonly transport: Transport;
  /** All bytes received so far, concatenated. */
  bytes(): Buffer;
  /** How many times onClose ran. */
  closeCount(): number;
  /** Resolves with onClose's error (undefined when clean). */
  readonly closed: Promise<Error | undefined>;
  /** Resolves once at least `count` bytes have arrived. */
  waitForBytes(count: number, timeoutMs?: number): Promise<Buffer>;
}

/** Starts `transport` with recording handlers. */
export function probe(transport: Transport): Probe {
  const chunks: Buffer[] = [];
  let total = 0;
  let closes = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  let resolveClosed!: (error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((resolve) => (resolveClosed = resolve));
  transport.start({
    onData(bytes) {
      // The transport may reuse the array: copy.
      chunks.push(Buffer.from(bytes));
      total += bytes.length;
      waiters = waiters.filter((waiter) => {
        if (total < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    },
    onClose(error) {
      closes += 1;
      resolveClosed(error);
    },
  });
  const bytes = (): Buffer => Buffer.concat(chunks);
  return {
    transport,
    bytes,
    closeCount: () => closes,
    closed,
    async waitForBytes(count, timeoutMs = 10_000) {
      if (total < count) {
        await withTimeout(new Promise<void>((resolve) => waiters.push({ count, resolve })), timeoutMs, `waiting for ${count} bytes (have ${total})`);
      }
      return bytes();
    },
  };
}

/** Rejects if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits a few event-loop turns, for asserting that nothing more happens. */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One connected pair from a fixture: the connector's side and the listener's side. */
export interface Connected {
  client: Probe;
  server: Probe;
}

/** How a suite gets a listener and connections for one scheme. */
export interface TransportFixture {
  /** Starts listening; `onConnection` receives the accepted side. */
  listen(onConnection: (transport: Transport) => void): Promise<Listener>;
  /** Connects to the listener. */
  connect(listener: Listener): Promise<Transport>;
  /** Stream transports gather a tick's chains before writing, so bufferedAmount is non-zero right after send. */
  gathers?: boolean;
}

/** Listens, connects once, and probes both sides. */
export async function connectPair(fixture: TransportFixture): Promise<{ listener: Listener } & Connected> {
  let accepted!: (transport: Transport) => void;
  const acceptedP = new Promise<Transport>((resolve) => (accepted = resolve));
  const listener = await fixture.listen((transport) => accepted(transport));
  const client = probe(await fixture.connect(listener));
  const server = probe(await withTimeout(acceptedP, 5000, 'waiting for the accepted connection'));
  return { listener, client, server };
}

/**
 * The behaviour every transport shares: exact delivery both ways (small,
 * 4 MiB, a chain in pieces, many chains in one tick), close from either side reported once on
 * both sides, send after close dropped, and listener close closing
 * connections.
 */
export function describeTransportConformance(name: string, fixture: TransportFixture): void {
  describe(`${name} conformance`, () => {
    it('delivers chains both ways, exactly', async () => {
      const { listener, client, server } = await connectPair(fixture);
      try {
        const a = bytePattern(100, 1);
        const b = bytePattern(3000, 2);
        client.transport.send(a);
        server.transport.send(b);
        assert.deepEqual(await server.waitForBytes(a.length), Buffer.from(a));
        assert.deepEqual(await client.waitForBytes(b.length), Buffer.from(b));
      } finally {
        await listener.close();
      }
    });

    it('delivers a 4 MiB chain intact in both directions', async () => {
      const { listener, client, server } = await connectPair(fixture);
      try {
        const big = bytePattern(4 * 1024 * 1024, 3);
        client.transport.send(big);
        server.transport.send(big);
        assert.ok(Buffer.from(big).equals(await server.waitForBytes(big.length)));
        assert.ok(Buffer.from(big).equals(await client.waitForBytes(big.length)));
      } finally {
        await listener.close();
      }
    });

    it('delivers a chain sent in pieces intact, in order among whole chains, both ways', async () => {
      const { listener, client, server } = await connectPair(fixture);
      try {
        const before = bytePattern(30, 11);
        const pieces = [bytePattern(20, 12), bytePattern(1024 * 1024 + 3, 13), bytePattern(1, 14)];
        const after = bytePattern(70_000, 15);
        const expected = Buffer.concat([before, ...pieces, after]);
        for (const side of [client, server]) {
          side.transport.send(before);
          side.transport.send(pieces);
          side.transport.send(after);
        }
        assert.ok(expected.equals(await server.waitForBytes(expected.length)));
        assert.ok(expected.equals(await client.waitForBytes(expected.length)));
      } finally {
        await listener.close();
      }
    });

    it('delivers many small chains sent in one tick, in order', async () => {
      const { listener, client, server } = await connectPair(fixture);
      try {
        const chains: Uint8Array[] = [];
        for (let i = 0; i < 10_000; i++) chains.push(bytePattern(1 + (i % 40), i + 10));
        chains.splice(5000, 0, bytePattern(200_000, 9));
        for (const chain of chains) client.transport.send(chain);
        const expected = Buffer.concat(chains);
        // Early flushes hand most of a big tick to the socket; the chains after the last one are still queued.
        if (fixture.gathers === true) assert.ok(client.transport.bufferedAmount > 0, 'queued bytes are reported');
        await whenDrained(client.transport);
        assert.equal(client.transport.bufferedAmount, 0);
        assert.ok(expected.equals(await server.waitForBytes(expected.length)));
      } finally {
        await listener.close();
      }
    });

    it('closing from the connector closes both sides once, cleanly', async () => {
      const { listener, client, server } = await connectPair(fixture);
      try {
        client.transport.send(bytePattern(10, 4));
        client.transport.close();
        client.transport.close();
        client.transport.send(bytePattern(10, 5)); // dropped, no throw
        assert.equal(await withTimeout(client.closed, 5000, 'client close'), undefined);
        assert.equal(await withTimeout(server.closed, 5000, 'server close'), undefined);
        assert.deepEqual(server.bytes(), Buffer.from(bytePattern(10, 4)));
        await settle();
        assert.equal(client.closeCount(), 1);
        assert.equal(server.closeCount(), 1);
        server.transport.send(bytePattern(10, 6)); // after close: dropped
        await whenDrained(client.transport);
        await whenDrained(server.transport);
      } finally {
        await listener.close();
      }
    });

    it('closing from the listener side closes both sides once, cleanly', async () => {
      const { listener, client, server } = await connectPair(fixture);
      try {
        server.transport.send(bytePattern(10, 7));
        server.transport.close();
        assert.equal(await withTimeout(server.closed, 5000, 'server close'), undefined);
        assert.equal(await withTimeout(client.closed, 5000, 'client close'), undefined);
        assert.deepEqual(client.bytes(), Buffer.from(bytePattern(10, 7)));
        await settle();
        assert.equal(client.closeCount(), 1);
        assert.equal(server.closeCount(), 1);
      } finally {
        await listener.close();
      }
    });

    it('closing the listener closes its connections', async () => {
      const { listener, client, server } = await connectPair(fixture);
      await withTimeout(listener.close(), 5000, 'listener close');
      await withTimeout(Promise.all([client.closed, server.closed]), 5000, 'both sides closed');
      await listener.close(); // idempotent
      assert.equal(client.closeCount(), 1);
      assert.equal(server.closeCount(), 1);
    });
  });
}
