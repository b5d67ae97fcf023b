/**
 * Connection budgets and deadlines, unit by unit (the attack slice in
 * test/stress/ runs them end to end): the decode budget scan, the sender's
 * depth check, idle deadlines that spare work in flight, connection caps,
 * the shared input budget, and __proto__ in every serialiser.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import '../../runtime/platform/node.ts';
import { ErrorCode, isSparrowError } from '../../runtime/errors.ts';
import { checkElementBudget } from '../../runtime/serialisation/budget.ts';
import { jsonSerialiser } from '../../runtime/serialisation/json.ts';
import { msgpackSerialiser } from '../../runtime/serialisation/msgpack.ts';
import { cborSerialiser } from '../../runtime/serialisation/cbor.ts';
import { connectPeer, listenPeers } from '../../runtime/connection/node-endpoints.ts';
import { createSharedBudget } from '../../runtime/connection/link-limits.ts';
import { CONNECTION_LOG_LINES, MAX_LOG_LINE, createLogLimiter } from '../../runtime/rpc/log-limit.ts';
import { encodeChain } from '../../runtime/framing/chain-encoder.ts';
import { createRecordingLogger } from '../helpers/peers.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';

const isCode = (code: string) => (error: unknown) => isSparrowError(error) && error.code === code;

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function socketClosed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

function rawConnect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('decode budget', () => {
  const serialisers = [jsonSerialiser, msgpackSerialiser, cborSerialiser];
  for (const serialiser of serialisers) {
    it(`${serialiser.code}: counts values before decoding, at and over the budget`, () => {
      const at = serialiser.encode({ list: Array.from({ length: 40 }, () => ({})) }); // 1 + 1 + 1 + 40 values = 43
      assert.doesNotThrow(() => checkElementBudget(serialiser, at, 43));
      assert.throws(() => checkElementBudget(serialiser, at, 42), isCode(ErrorCode.LimitExceeded));
    });
  }
  it('JSON: separators inside strings do not count', () => {
    const text = new TextEncoder().encode(JSON.stringify({ s: ',,,,[[[{{{::'.repeat(20) }));
    assert.doesNotThrow(() => checkElementBudget(jsonSerialiser, text, 3));
  });
  it('msgpack: a hostile array header breaches before anything is read', () => {
    assert.throws(() => checkElementBudget(msgpackSerialiser, Uint8Array.of(0xdd, 0x00, 0xa0, 0x00, 0x00, 0x80, 0x80), 4), isCode(ErrorCode.LimitExceeded));
  });
  it('CBOR: a hostile array header breaches before anything is read', () => {
    assert.throws(() => checkElementBudget(cborSerialiser, Uint8Array.of(0x9a, 0x00, 0xa0, 0x00, 0x00, 0xa0, 0xa0), 4), isCode(ErrorCode.LimitExceeded));
  });
});

describe('__proto__ keys', () => {
  for (const serialiser of [jsonSerialiser, msgpackSerialiser, cborSerialiser]) {
    it(`${serialiser.code}: decode as an own data property, never the prototype`, () => {
      const value = JSON.parse('{"__proto__": {"polluted": true}, "nested": [{"__proto__": 1}]}') as Record<string, unknown>;
      const decoded = serialiser.decode(serialiser.encode(value)) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, { polluted: true });
      assert.equal((decoded as { polluted?: unknown }).polluted, undefined);
      assert.equal(Object.getOwnPropertyDescriptor((decoded.nested as object[])[0]!, '__proto__')?.value, 1);
    });
  }
});

describe('connection limits', () => {
  it('the sender refuses params deeper than the receiver accepts, locally, with limit-exceeded', async () => {
    const listener = await listenPeers('tcp://127.0.0.1:0', { logger: silentLogger });
    listener.registry.export('echo', (params) => params.value);
    const client = await connectPeer(listener.url, { logger: silentLogger });
    try {
      let deep: unknown = 1;
      for (let k = 0; k < 80; k++) deep = [deep];
      await assert.rejects(client.call('echo', { value: deep }), isCode(ErrorCode.LimitExceeded));
      assert.equal(await client.call('echo', { value: 'still fine' }), 'still fine');
    } finally {
      client.close();
      await listener.close();
    }
  });

  it('idle connections are closed, but never one with a call in flight', async () => {
    const listener = await listenPeers('tcp://127.0.0.1:0', { idleTimeoutMs: 150, logger: silentLogger });
    let release!: () => void;
    listener.registry.export('hold', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    const busy = await connectPeer(listener.url, { logger: silentLogger, timeoutMs: 0 });
    const idle = await connectPeer(listener.url, { logger: silentLogger });
    try {
      const held = busy.call('hold');
      // The idle one goes; the busy one, silent as well, stays while its call is in flight.
      await idle.closed;
      assert.equal(busy.isClosed, false);
      release();
      assert.equal(await held, 'done');
      await busy.closed;
    } finally {
      busy.close();
      idle.close();
      await listener.close();
    }
  });

  it('a listener refuses connections beyond maxConnections and maxConnectionsPerAddress', async () => {
    for (const options of [{ maxConnections: 2 }, { maxConnectionsPerAddress: 2 }]) {
      const listener = await listenPeers('tcp://127.0.0.1:0', { ...options, logger: silentLogger });
      listener.registry.export('echo', (params) => params.value);
      const a = await connectPeer(listener.url, { logger: silentLogger });
      const b = await connectPeer(listener.url, { logger: silentLogger });
      try {
        assert.equal(await b.call('echo', { value: 1 }), 1);
        const refused = await rawConnect(listener.url);
        await socketClosed(refused);
        a.close();
        // A place is free again once the listener has seen the close.
        while (listener.peers.size >= 2) await new Promise((resolve) => setTimeout(resolve, 10));
        const c = await connectPeer(listener.url, { logger: silentLogger });
        assert.equal(await c.call('echo', { value: 3 }), 3);
        c.close();
      } finally {
        a.close();
        b.close();
        await listener.close();
      }
    }
  });

  it('unfinished chains share one input budget: the connection that breaches it is closed', async () => {
    const inputBudget = createSharedBudget(3.5 * 1024 * 1024);
    const listener = await listenPeers('tcp://127.0.0.1:0', { inputBudget, logger: silentLogger });
    try {
      // Each declares a 1 MiB part and sends a few bytes of it.
      const start = Uint8Array.of(0x6a, 0x83, 0x10, 0x00, 0x00, 0x20, 0x20);
      const sockets = await Promise.all([1, 2, 3, 4].map(() => rawConnect(listener.url)));
      const closed = sockets.map((socket) => {
        let done = false;
        void socketClosed(socket).then(() => (done = true));
        return () => done;
      });
      for (const socket of sockets) {
        socket.write(start);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      while (!closed[3]!()) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(closed.map((isClosed) => isClosed()), [false, false, false, true]);
      for (const socket of sockets) socket.destroy();
    } finally {
      await listener.close();
    }
  });

  it('what the other side sends costs a bounded log: lines clipped to MAX_LOG_LINE, and rate-limited wherever it can repeat them', async () => {
    const log = createRecordingLogger();
    const listener = await listenPeers('tcp://127.0.0.1:0', { logger: log, maxConcurrentHandlers: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    listener.registry.export('hold', () => held);
    const socket = await rawConnect(listener.url);
    try {
      const big = 'x'.repeat(200_000);
      const chains = [
        // Protocol errors whose text quotes the other side: a marker, a version, a key.
        `{"r${big}": "t", "i": 1, "v": ".5"}`,
        `{"r": "t", "i": 1, "v": "${big}"}`,
        `{"r": "t", "i": 1, "v": ".5", "${big}": 1}`,
        // An unknown target with a huge name (a debug line).
        `{"r": "${big}", "i": 2, "v": ".5"}`,
      ].map((envelope) => encodeChain('j', [envelope]));
      // One handler runs and holds the only slot; every request after it is refused with a line.
      chains.push(encodeChain('j', ['{"r": "hold", "i": 3, "v": ".5"}']));
      for (let k = 0; k < 40; k++) chains.push(encodeChain('j', [`{"r": "hold", "i": ${10 + k}, "v": ".5"}`]));
      for (let round = 0; round < 3; round++) for (const chain of chains) socket.write(chain);
      await waitFor(() => log.lines.filter((line) => line.message.includes('refused')).length > 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const logged = log.lines.reduce((sum, line) => sum + line.message.length, 0);
      // 2.4 MB of hostile text sent; a few kilobytes logged.
      assert.ok(logged < 20_000, `${logged} characters logged`);
      for (const line of log.lines) assert.ok(line.message.length <= MAX_LOG_LINE + 60, line.message.slice(0, 80));
      assert.ok(log.lines.filter((line) => line.message.includes('refused')).length <= CONNECTION_LOG_LINES);
      assert.ok(log.lines.some((line) => line.level === 'debug' && /request for unknown target x{200}… \(200000 characters\)/.test(line.message)));
    } finally {
      release();
      socket.destroy();
      await listener.close();
    }
  });

  it('a flow-controlled stream of large items is paced, never cut: the callee waits for its output to drain between blobs', async () => {
    const blob = new Uint8Array(1 << 20).fill(7);
    const listener = await listenPeers('tcp://127.0.0.1:0', { logger: silentLogger, outputHardBytes: 8 << 20 });
    listener.registry.export('blobs', async function* () {
      for (let k = 0; k < 24; k++) yield blob;
    }, { multipart: true });
    const client = await connectPeer(listener.url, { logger: silentLogger });
    try {
      await client.remoteFeatures();
      // Read slowly, the stream arrives whole: the callee sends 1 MiB blobs one batch each, waiting for its output
      // to drain (a first batch of 24 MiB went out in one tick, past the 8 MiB hard mark, and the callee cut the caller).
      let read = 0;
      for await (const item of client.callStream<Uint8Array>('blobs', {}, { timeoutMs: 0 })) {
        assert.equal(item.length, blob.length);
        read++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal(read, 24);
    } finally {
      client.close();
      await listener.close();
    }
  });

  it('unread stream data without flow control stays within maxBufferBytes', async () => {
    const blob = new Uint8Array(1 << 20).fill(7);
    const listener = await listenPeers('tcp://127.0.0.1:0', { logger: silentLogger });
    listener.registry.export('blobs', async function* () {
      for (let k = 0; k < 24; k++) yield blob;
    }, { multipart: true });
    const client = await connectPeer(listener.url, { logger: silentLogger });
    try {
      // No flow control (window Infinity, as with the reference): a caller that does not read is failed at 4 MiB.
      const stream = client.callStream<Uint8Array>('blobs', {}, { window: Infinity, maxBufferBytes: 4 << 20, timeoutMs: 0 });
      // Unread meanwhile: the callee sends all it has.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen: number[] = [];
      await assert.rejects((async () => { for await (const item of stream) seen.push(item.length); })(), (error: unknown) => isCode(ErrorCode.LimitExceeded)(error) && /bytes of unread parts/.test((error as Error).message));
      assert.ok(seen.length <= 5, `${seen.length} read before the failure`);
    } finally {
      client.close();
      await listener.close();
    }
  });

  it('the log limiter lets a few lines through per window and counts the rest', () => {
    const listener = createLogLimiter(3);
    const a = createLogLimiter(2, undefined, listener);
    const b = createLogLimiter(2, undefined, listener);
    assert.deepEqual([a.allow(), a.allow(), a.allow(), b.allow(), b.allow()], [true, true, false, true, false]);
    assert.equal(a.takeSuppressed() + b.takeSuppressed() >= 2, true);
  });
});
