/**
 * `connectPeer(url, { reconnect })` against servers that die and come back
 * at the same address: a real server process killed with SIGKILL and
 * restarted on the same TCP port (generated clients on both sides), and
 * in-process listeners closed and listening again on the same Unix socket,
 * WebSocket port and TLS port.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { isSparrowError, SparrowError } from '../../runtime/errors.ts';
import { connectPeer, listenPeers, type ListenPeersOptions, type PeerListener } from '../../runtime/connection/node-endpoints.ts';
import { createReconnectingPeer, type ReconnectEvents, type ReconnectingPeer } from '../../runtime/connection/reconnecting-peer.ts';
import { connectWebSocketPeer } from '../../runtime/connection/open-peer.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import type { WebSocketConstructor } from '../../runtime/transport/websocket.ts';
import { streamsFeature, usePeerFeatures } from '../../runtime/rpc/peer.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { createTopic } from '../../runtime/rpc/topic.ts';
import type { Peer } from '../../runtime/rpc/types.ts';
import { Color, createNotesClient, registerDemoClient, type Note } from '../../examples/generated/index.ts';
import { eventually } from '../helpers/async-waits.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestCertificate } from '../helpers/tls-certs.ts';

const FAST = { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.5 } as const;

/** Closed after each test, passed or not: a reconnecting peer left open keeps trying, and the test process alive. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const closeLater = <T extends { close(): unknown }>(closable: T): T => (cleanups.push(() => closable.close()), closable);
const SERVER = 'test/fixtures/reconnect-server.ts';
/** A hang fails the test instead of holding up the run (generous: machines under load start processes slowly). */
const TEST_TIMEOUT_MS = 120_000;

/** Every event of `peer`, as "name" or "name:attempt". */
function recordEvents(peer: ReconnectingPeer): string[] {
  const events: string[] = [];
  const names: (keyof ReconnectEvents)[] = ['connected', 'disconnected', 'reconnecting'];
  for (const name of names) peer.on(name, (info) => void events.push('attempt' in info ? `${name}:${info.attempt}` : name));
  return events;
}

describe('connectPeer with reconnect: a server process killed and restarted on the same port', () => {
  const children = new Set<ChildProcess>();
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  const start = async (url: string): Promise<ChildProcess> => {
    const child = spawnFixture(SERVER, [url], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const [printed] = await readStdoutLines(child, 1, 30_000);
    assert.equal(printed, url);
    return child;
  };
  const kill = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) assert.fail(`the server process had already ended (${child.exitCode ?? child.signalCode})`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  it('fails calls in flight, then calls, exports and a topic subscription of generated clients work again', { timeout: TEST_TIMEOUT_MS }, async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    let server = await start(url);
    const peer = closeLater(await connectPeer(url, { reconnect: FAST, logger: silentLogger, serialiser: 'm' }));
    const events = recordEvents(peer);
    const shown: string[] = [];
    registerDemoClient(peer, {
      show: ({ message }) => void shown.push(message),
      confirm: () => true,
      pingCount: () => {},
    });
    const notes = createNotesClient(peer);
    const changes: Note[] = [];
    const subscriptionErrors: unknown[] = [];
    const unsubscribe = notes.changes.subscribe((note) => void changes.push(note), { onError: (error) => subscriptionErrors.push(error) });

    // Before the drop: the server calls the client's export, and publishes to the subscription.
    await eventually(async () => (await notes.add({ text: 'before' }), changes.some((n) => n.text === 'before')), 'the subscription received a change');
    assert.ok(shown.some((line) => line.startsWith('saved note')), 'the server called the client export');

    // A call in flight (the server waits on the client's callback) when the server dies.
    let chooserCalled = false;
    const inFlight = notes.pickColor({ choose: () => ((chooserCalled = true), new Promise<Color>(() => {})) });
    await eventually(() => chooserCalled, 'the server called back');
    const inFlightFails = assert.rejects(inFlight, (e) => isSparrowError(e, 'connection-closed'));
    await kill(server);
    await inFlightFails;
    await eventually(() => events.includes('disconnected') && events.includes('reconnecting:1'), 'disconnected and reconnecting were reported');
    assert.equal(peer.isConnected, false);
    assert.equal(peer.isClosed, false);
    assert.throws(() => notes.log({ line: 'while down' }), (e) => isSparrowError(e, 'connection-closed'));

    // A call made while the server is down waits for it (its timeout is longer than the restart).
    const waiting = notes.add({ text: 'made while down' }, { timeoutMs: 60_000 });
    shown.length = 0;
    server = await start(url);
    const note = await waiting;
    assert.equal(note.text, 'made while down');
    assert.ok(events.some((e) => e.startsWith('connected:')), events.join(' '));
    assert.equal(peer.isConnected, true);

    // The export answers the restarted server, and the subscription resumed on its own.
    await eventually(() => shown.some((line) => line === `saved note ${note.id.value}`), 'the restarted server called the client export');
    await eventually(async () => (await notes.add({ text: 'after' }), changes.some((n) => n.text === 'after')), 'the subscription resumed');
    assert.deepEqual(subscriptionErrors, [], 'the drop never reached the subscriber');
    assert.equal(await createNotesClient(peer).get({ id: note.id }).then((n) => n.text), 'made while down');

    unsubscribe();
    peer.close();
    await peer.closed;
    assert.equal(peer.isClosed, true);
    await assert.rejects(notes.list({}), (e) => isSparrowError(e, 'connection-closed'));
    server.stdin!.end();
  });
});

/** A listener that can be closed and started again at the same address. */
interface Restartable {
  url: string;
  listener: PeerListener;
}

const tlsCert = createTestCertificate('localhost');

const variants = [
  { scheme: 'unix', connector: 'connectPeer' },
  { scheme: 'ws', connector: 'connectPeer' },
  { scheme: 'tls', connector: 'connectPeer' },
  // The browser-safe connector, given the ws package's class as a page would use its own.
  { scheme: 'ws', connector: 'connectWebSocketPeer' },
] as const;

for (const { scheme, connector } of variants) {
  describe(`${connector} with reconnect over ${scheme}: a listener closed and listening again at the same address`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparrow-reconnect-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const tls = scheme === 'tls' ? { cert: tlsCert.cert, key: tlsCert.key } : undefined;

    it('re-exports, resubscribes, and fails only what was in flight', { timeout: TEST_TIMEOUT_MS }, async () => {
      const ticks = createTopic<number>();
      const registry = createRegistry();
      registry.export('ticks', ticks.handler, { multipart: true });
      registry.export('hang', () => new Promise(() => {}));
      registry.export('echo', ({ text }) => text);
      const options: ListenPeersOptions = { registry, logger: silentLogger, ...(tls === undefined ? {} : { tls }) };
      const address = scheme === 'unix' ? `unix://${join(dir, 'server.sock')}` : `${scheme}://127.0.0.1:${await freePort()}`;
      const server: Restartable = { url: address, listener: await listenPeers(address, options) };
      cleanups.push(() => server.listener.close());
      // No parts at first: the ones added later (as a generated client adds them) must reach every connection.
      const connectOptions = { reconnect: FAST, logger: silentLogger, features: [], ...(tls === undefined ? {} : { tls: { ca: tlsCert.cert } }) };
      const peer = closeLater(
        connector === 'connectPeer'
          ? await connectPeer(server.listener.url, connectOptions)
          : await connectWebSocketPeer(server.listener.url, { ...connectOptions, WebSocket: WebSocket as unknown as WebSocketConstructor }),
      );
      usePeerFeatures(peer, [streamsFeature]);
      const events = recordEvents(peer);
      peer.export('client_name', () => `client over ${scheme}`);
      const received: number[] = [];
      const subscription = peer.callStream<number>('ticks', undefined, { resubscribe: true, timeoutMs: 0 });
      const plain = peer.callStream<number>('ticks');
      void (async () => {
        for await (const value of subscription) received.push(value);
      })();
      await eventually(() => ticks.subscriberCount === 2, 'both streams subscribed');
      ticks.publish(1);
      assert.deepEqual(await plain.next(), { done: false, value: 1 });
      const serverSide = (): Peer => [...server.listener.peers][0]!;
      assert.equal(await serverSide().call('client_name'), `client over ${scheme}`);

      const inFlightFails = assert.rejects(peer.call('hang'), (e) => isSparrowError(e, 'connection-closed'));
      // A plain stream ends with the connection; the subscription does not.
      const plainFails = assert.rejects(plain.next(), (e) => isSparrowError(e, 'connection-closed'));
      await server.listener.close();
      await inFlightFails;
      await plainFails;
      const waiting = peer.call('echo', { text: 'waited' });
      server.listener = await listenPeers(server.url, options);
      assert.equal(await waiting, 'waited');
      await eventually(() => events.some((e) => e.startsWith('connected:')), 'connected was reported');

      // The export is back on the new connection; the subscription was opened again.
      await eventually(() => server.listener.peers.size === 1, 'the client is connected again');
      assert.equal(await serverSide().call('client_name'), `client over ${scheme}`);
      await eventually(() => (ticks.publish(2), received.includes(2)), 'the subscription resumed');
      assert.deepEqual(received.slice(0, 1), [1]);

      subscription.cancel();
      peer.close();
      await peer.closed;
      await server.listener.close();
    });
  });
}

describe('createReconnectingPeer: waiting, giving up and closing', () => {
  /** A peer whose connect function fails until `up` is set, over a real tcp listener. */
  const setup = async (options: Parameters<typeof createReconnectingPeer>[2]) => {
    const registry = createRegistry();
    registry.export('echo', ({ text }) => text);
    registry.export('wait', (_params, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((cancelled = true)))));
    let cancelled = false;
    const url = `tcp://127.0.0.1:${await freePort()}`;
    let listener: PeerListener | undefined = await listenPeers(url, { registry, logger: silentLogger });
    cleanups.push(() => listener?.close());
    const first = await connectPeer(url, { logger: silentLogger });
    let attempts = 0;
    const peer = closeLater(createReconnectingPeer(first, () => (attempts++, connectPeer(url, { logger: silentLogger })), { logger: silentLogger, ...options }));
    const stop = async (): Promise<void> => {
      await listener?.close();
      listener = undefined;
    };
    return { peer, stop, attempts: () => attempts, cancelled: () => cancelled, restart: async () => (listener = await listenPeers(url, { registry, logger: silentLogger })) };
  };

  it('a call waiting for the link fails with timeout after its own timeout, or aborted by its signal', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { peer, stop } = await setup(FAST);
    await stop();
    await eventually(() => !peer.isConnected, 'the drop was seen');
    await assert.rejects(peer.call('echo', { text: 'x' }, { timeoutMs: 50 }), (e) => isSparrowError(e, 'timeout'));
    const controller = new AbortController();
    const aborted = peer.call('echo', { text: 'x' }, { signal: controller.signal, timeoutMs: 0 });
    controller.abort();
    await assert.rejects(aborted, (e) => isSparrowError(e, 'aborted'));
    // mapError (generated clients revive errors with it) sees waiting failures too.
    await assert.rejects(peer.call('echo', {}, { timeoutMs: 20, mapError: (error) => new Error(`mapped ${error.code}`) }), /mapped timeout/);
    peer.close();
    await peer.closed;
  });

  it('close() while reconnecting fails waiting calls and streams with connection-closed and stops trying', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { peer, stop, attempts } = await setup({ ...FAST, initialDelayMs: 10 });
    const closes: SparrowError[] = [];
    peer.onClose((reason) => closes.push(reason));
    await stop();
    await eventually(() => attempts() >= 2, 'it kept trying');
    const waiting = peer.call('echo', { text: 'x' }, { timeoutMs: 0 });
    const stream = peer.callStream('echo');
    peer.close();
    await assert.rejects(waiting, (e) => isSparrowError(e, 'connection-closed'));
    await assert.rejects(stream.next(), (e) => isSparrowError(e, 'connection-closed'));
    await peer.closed;
    assert.equal(closes.length, 1);
    const tried = attempts();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(attempts(), tried, 'no attempt after close');
  });

  it('gives up after maxAttempts and closes for good', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { peer, stop } = await setup({ ...FAST, maxAttempts: 2 });
    const events = recordEvents(peer);
    await stop();
    await peer.closed;
    assert.equal(peer.isClosed, true);
    assert.deepEqual(events, ['disconnected', 'reconnecting:1', 'reconnecting:2']);
    await assert.rejects(peer.call('echo'), (e) => isSparrowError(e, 'connection-closed') && /gave up after 2 attempts/.test(e.message));
  });

  it('a connection that comes back resets the backoff; remoteFeatures asks the new connection', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { peer, stop, restart, cancelled } = await setup(FAST);
    const events = recordEvents(peer);
    assert.ok((await peer.remoteFeatures()).has('cancel'));
    await stop();
    await eventually(() => events.includes('reconnecting:2'), 'at least two attempts failed');
    const features = peer.remoteFeatures();
    await restart();
    assert.ok((await features).has('cancel'));
    assert.throws(() => peer.export('x', () => 1, { namespace: '#sys' }), (e) => isSparrowError(e, 'unsupported'));
    await stop();
    await eventually(() => events.filter((e) => e === 'reconnecting:1').length === 2, 'the second drop starts again at attempt 1');
    await restart();
    await eventually(() => events.filter((e) => e.startsWith('connected:')).length === 2, 'connected again');
    // This connection asked for the features by itself, so an abort reaches the server as #sys.cancel.
    const controller = new AbortController();
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    const waiting = peer.call('wait', {}, { signal: controller.signal, onAck: acked });
    await ack;
    controller.abort();
    await assert.rejects(waiting, (e) => isSparrowError(e, 'aborted'));
    await eventually(cancelled, 'the server saw the cancel');
    peer.close();
    await peer.closed;
  });

  it('rejects bad options with invalid-params', { timeout: TEST_TIMEOUT_MS }, async () => {
    const registry = createRegistry();
    const listener = closeLater(await listenPeers('tcp://127.0.0.1:0', { registry, logger: silentLogger }));
    for (const reconnect of [{ jitter: 2 }, { initialDelayMs: -1 }, { maxDelayMs: Infinity }, { maxAttempts: 0 }]) {
      await assert.rejects(connectPeer(listener.url, { reconnect, logger: silentLogger }), (e) => isSparrowError(e, 'invalid-params'), JSON.stringify(reconnect));
    }
    await eventually(() => listener.peers.size === 0, 'the first connection of a refused option was closed');
    await listener.close();
  });
});
