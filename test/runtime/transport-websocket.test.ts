import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { WebSocket as WsWebSocket } from 'ws';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError, type SparrowError } from '../../runtime/errors.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Transport } from '../../runtime/transport/transport.ts';
import { connectWebSocket, createWebSocketTransport, openWebSocketTransport, type WebSocketConstructor, type WebSocketLike } from '../../runtime/transport/websocket.ts';
import { connectWebSocketPeer } from '../../runtime/connection/open-peer.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { bytePattern } from '../helpers/byte-pattern.ts';
import { connectPair, describeTransportConformance, probe, settle, withTimeout } from '../helpers/transport-probe.ts';

// Compile-time: the browser's WebSocket fits the interface the transport takes.
const domFits: (socket: WebSocket) => WebSocketLike = (socket) => socket;
const domClassFits: (ctor: typeof WebSocket) => WebSocketConstructor = (ctor) => ctor;
void domFits;
void domClassFits;

describeTransportConformance('ws (Node connector)', {
  listen: (onConnection) => listen('ws://127.0.0.1:0/rpc', onConnection),
  connect: (listener) => connect(listener.url),
});

describeTransportConformance('ws (browser-safe connector over the ws class)', {
  listen: (onConnection) => listen('ws://127.0.0.1:0/', onConnection),
  connect: (listener) => connectWebSocket(listener.url, { WebSocket: WsWebSocket }),
});

/** Opens a raw `ws` client to see exactly which messages the listener side sends. */
async function rawClient(url: string): Promise<{ socket: WsWebSocket; messages: { data: Buffer; isBinary: boolean }[] }> {
  const socket = new WsWebSocket(url);
  const messages: { data: Buffer; isBinary: boolean }[] = [];
  socket.on('message', (data: Buffer, isBinary: boolean) => messages.push({ data, isBinary }));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages };
}

async function acceptOne(url = 'ws://127.0.0.1:0/rpc', onProtocolError?: (error: SparrowError) => void) {
  let accepted!: (transport: Transport) => void;
  const acceptedP = new Promise<Transport>((resolve) => (accepted = resolve));
  const listener = await listen(url, (transport) => accepted(transport), onProtocolError === undefined ? {} : { onProtocolError });
  return { listener, accepted: acceptedP };
}

describe('ws', () => {
  it('reports the real port and keeps the path', async () => {
    const listener = await listen('ws://127.0.0.1:0/rpc', () => {});
    try {
      assert.match(listener.url, /^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    } finally {
      await listener.close();
    }
  });

  it('accepts any path, as the reference ignores it', async () => {
    const { listener, accepted } = await acceptOne();
    try {
      const port = new URL(listener.url).port;
      const client = probe(await connect(`ws://127.0.0.1:${port}/`));
      const other = probe(await connect(`ws://127.0.0.1:${port}/anything/else`));
      const server = probe(await accepted);
      client.transport.send(new Uint8Array([1]));
      assert.deepEqual([...(await server.waitForBytes(1))], [1]);
      other.transport.close();
      await other.closed;
    } finally {
      await listener.close();
    }
  });

  it('sends exactly one binary message per chain, whole or in pieces, even within one tick', async () => {
    const { listener, accepted } = await acceptOne();
    try {
      const { socket, messages } = await rawClient(listener.url);
      const server = probe(await accepted);
      // Pieces too: a large chain leaves in fragments (one per piece), a small one joined; either way one message.
      const large = [bytePattern(9, 5), bytePattern(200_000, 6), bytePattern(3, 7)];
      const small = [bytePattern(10, 8), bytePattern(20, 9)];
      const chains = [bytePattern(5, 1), bytePattern(70_000, 2), bytePattern(1, 3), Buffer.concat(large), bytePattern(300, 4), Buffer.concat(small)];
      for (const chain of [chains[0]!, chains[1]!, chains[2]!, large, chains[4]!, small]) server.transport.send(chain);
      await withTimeout(
        (async () => {
          while (messages.length < chains.length) await settle(5);
        })(),
        5000,
        'waiting for messages',
      );
      assert.equal(messages.length, chains.length);
      messages.forEach((message, i) => {
        assert.equal(message.isBinary, true);
        assert.ok(message.data.equals(Buffer.from(chains[i]!)));
      });
      socket.close();
      await withTimeout(server.closed, 5000, 'server closed');
    } finally {
      await listener.close();
    }
  });

  it('drops a text frame with a protocol-error report and keeps the connection', async () => {
    const reports: SparrowError[] = [];
    const { listener, accepted } = await acceptOne('ws://127.0.0.1:0/', (error) => reports.push(error));
    try {
      const { socket } = await rawClient(listener.url);
      const server = probe(await accepted);
      socket.send('not a chain');
      socket.send(new Uint8Array([7, 7]));
      assert.deepEqual([...(await server.waitForBytes(2))], [7, 7]);
      assert.equal(reports.length, 1);
      assert.ok(isSparrowError(reports[0], 'protocol-error'));
      assert.equal(server.closeCount(), 0);
      server.transport.send(new Uint8Array([1]));
      socket.close();
      assert.equal(await withTimeout(server.closed, 5000, 'server closed'), undefined);
    } finally {
      await listener.close();
    }
  });

  it('drops a text frame on the connector side too (browser-safe transport)', async () => {
    let serverSocket!: WsWebSocket;
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const connected = new Promise<void>((resolve) =>
      wss.on('connection', (socket) => {
        serverSocket = socket;
        resolve();
      }),
    );
    try {
      const reports: SparrowError[] = [];
      const { port } = wss.address() as { port: number };
      const client = probe(
        await connectWebSocket(`ws://127.0.0.1:${port}/`, { WebSocket: WsWebSocket, onProtocolError: (error) => reports.push(error) }),
      );
      await connected;
      serverSocket.send('text');
      serverSocket.send(Buffer.from([4, 5, 6]));
      assert.deepEqual([...(await client.waitForBytes(3))], [4, 5, 6]);
      assert.equal(reports.length, 1);
      client.transport.close();
      assert.equal(await client.closed, undefined);
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it('a connectWebSocketPeer peer logs a text frame as a dropped message and keeps the connection', async () => {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (socket) => socket.send('text'));
    try {
      const warnings: string[] = [];
      const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
      const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
      const peer = await connectWebSocketPeer(url, { WebSocket: WsWebSocket as unknown as WebSocketConstructor, logger });
      for (let waited = 0; warnings.length === 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(warnings, [`message from ${url} dropped: WebSocket text message from ${url} dropped: chains travel in binary frames only`]);
      assert.equal(peer.isClosed, false);
      peer.close();
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it('calls onData once per received message', async () => {
    const { listener, accepted } = await acceptOne();
    try {
      const { socket } = await rawClient(listener.url);
      const transport = await accepted;
      const calls: number[] = [];
      transport.start({ onData: (bytes) => calls.push(bytes.length), onClose: () => {} });
      socket.send(bytePattern(3, 1));
      socket.send(bytePattern(4, 2));
      await withTimeout(
        (async () => {
          while (calls.length < 2) await settle(5);
        })(),
        5000,
        'messages',
      );
      assert.deepEqual(calls, [3, 4]);
    } finally {
      await listener.close();
    }
  });

  it('reports an abnormal close as an error', async () => {
    const { listener, accepted } = await acceptOne();
    try {
      const { socket } = await rawClient(listener.url);
      const server = probe(await accepted);
      socket.terminate();
      const error = await withTimeout(server.closed, 5000, 'server closed');
      assert.ok(isSparrowError(error, 'connection-closed'));
      assert.equal(server.closeCount(), 1);
    } finally {
      await listener.close();
    }
  });

  it('queues chains sent while the socket is connecting', async () => {
    const { listener, accepted } = await acceptOne();
    try {
      const socket = new WsWebSocket(listener.url);
      const client = probe(createWebSocketTransport(socket));
      client.transport.send(new Uint8Array([1, 2]));
      assert.equal(client.transport.bufferedAmount, 2);
      const server = probe(await accepted);
      assert.deepEqual([...(await server.waitForBytes(2))], [1, 2]);
      client.transport.close();
      await Promise.all([client.closed, server.closed]);
    } finally {
      await listener.close();
    }
  });

  it('openWebSocketTransport waits for a connecting socket and takes an open one at once', async () => {
    const { listener, accepted } = await acceptOne();
    try {
      const connecting = new WsWebSocket(listener.url);
      const first = probe(await openWebSocketTransport(connecting as unknown as WebSocketLike, listener.url));
      const firstServer = probe(await accepted);
      assert.equal(connecting.readyState, WsWebSocket.OPEN);
      first.transport.send(new Uint8Array([3]));
      assert.deepEqual([...(await firstServer.waitForBytes(1))], [3]);
      // Open before the call: its open event is gone, and the transport comes at once.
      const second = probe(await openWebSocketTransport(connecting as unknown as WebSocketLike, 'again', { timeoutMs: 1000 }));
      assert.equal(second.transport.remote, 'again');
      first.transport.close();
      await Promise.all([first.closed, firstServer.closed]);
    } finally {
      await listener.close();
    }
  });

  it('openWebSocketTransport under an aborted signal rejects with aborted and closes the socket', async () => {
    const { listener } = await acceptOne();
    try {
      const socket = new WsWebSocket(listener.url);
      await new Promise<void>((resolve) => socket.once('open', () => resolve()));
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(openWebSocketTransport(socket as unknown as WebSocketLike, listener.url, { signal: controller.signal }), (error) => isSparrowError(error, 'aborted'));
      assert.ok(socket.readyState >= WsWebSocket.CLOSING);
    } finally {
      await listener.close();
    }
  });

  it('closes with the reason\'s code and its text cut to 123 bytes (listener side)', async () => {
    const cases = [
      { reason: { kind: 'protocol-error', message: 'protocol-error: bad chain' }, code: 1002, text: 'protocol-error: bad chain' },
      { reason: { kind: 'too-big', message: `too-big: ${'é'.repeat(100)}` }, code: 1009, text: `too-big: ${'é'.repeat(57)}` },
      { reason: { kind: 'policy', message: 'idle-timeout: no traffic' }, code: 1008, text: 'idle-timeout: no traffic' },
      { reason: undefined, code: 1000, text: '' },
    ] as const;
    for (const { reason, code, text } of cases) {
      const { listener, accepted } = await acceptOne();
      try {
        const { socket } = await rawClient(listener.url);
        const closed = new Promise<[number, string]>((resolve) => socket.once('close', (c: number, r: Buffer) => resolve([c, r.toString('utf8')])));
        const server = probe(await accepted);
        server.transport.close(reason);
        assert.deepEqual(await withTimeout(closed, 5000, 'client closed'), [code, text]);
        assert.equal(await withTimeout(server.closed, 5000, 'server closed'), undefined);
      } finally {
        await listener.close();
      }
    }
  });

  it('closes a DOM-like socket with 1000 whatever the reason (the DOM refuses 1002, 1008, 1009)', () => {
    const calls: unknown[][] = [];
    const socket: WebSocketLike = { readyState: 1, binaryType: 'arraybuffer', bufferedAmount: 0, send() {}, close: (...args: unknown[]) => void calls.push(args), addEventListener() {} };
    createWebSocketTransport(socket, { remote: 'test' }).close({ kind: 'protocol-error', message: 'protocol-error: bad chain' });
    assert.deepEqual(calls, [[1000]]);
  });

  it('answers plain HTTP requests with 426', async () => {
    const listener = await listen('ws://127.0.0.1:0/', () => {});
    try {
      const response = await fetch(listener.url.replace('ws:', 'http:'));
      assert.equal(response.status, 426);
      await response.text();
    } finally {
      await listener.close();
    }
  });

  it('fails with connection-failed on a closed port', async () => {
    const listener = await listen('ws://127.0.0.1:0/', () => {});
    await listener.close();
    await assert.rejects(connect(listener.url), (error) => isSparrowError(error, 'connection-failed'));
    await assert.rejects(connectWebSocket(listener.url, { WebSocket: WsWebSocket }), (error) => isSparrowError(error, 'connection-failed'));
  });

  it('needs a WebSocket class when there is no global one', async (t) => {
    if ((globalThis as { WebSocket?: unknown }).WebSocket !== undefined) {
      t.skip('this Node has a global WebSocket');
      return;
    }
    await assert.rejects(connectWebSocket('ws://127.0.0.1:1/'), (error) => isSparrowError(error, 'unsupported'));
  });

  it('closes the listener side cleanly even if the client never started', async () => {
    const { listener, client } = await connectPair({
      listen: (onConnection) => listen('ws://127.0.0.1:0/', onConnection),
      connect: (l) => connect(l.url),
    });
    await listener.close();
    assert.equal(await client.closed, undefined);
  });
});

describe('the ws package', () => {
  it('is loaded only when a WebSocket is opened, not with the Node entry', async () => {
    const { execFile } = await import('node:child_process');
    const loadSpy = new URL('../helpers/load-spy.mjs', import.meta.url).pathname;
    const nodeEntry = new URL('../../runtime/node.ts', import.meta.url).href;
    const script = `const rt = await import(${JSON.stringify(nodeEntry)}); const l = await rt.listen('tcp://127.0.0.1:0', () => {}); await l.close(); console.error('tcp done'); const w = await rt.listen('ws://127.0.0.1:0/', () => {}); await w.close();`;
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--conditions=source', '--import', 'tsx', '--import', loadSpy, '--input-type=module', '-e', script], (error, _stdout, text) => (error === null ? resolve(text) : reject(new Error(`${error.message}\n${text}`))));
    });
    const [beforeWs, afterTcp] = stderr.split('tcp done');
    assert.ok(afterTcp !== undefined, stderr);
    assert.doesNotMatch(beforeWs!, /^sparrow-load-spy: ws$/m, 'ws loaded before any WebSocket was opened');
    assert.match(afterTcp, /^sparrow-load-spy: ws$/m, 'the spy did not see ws being loaded for a ws listener');
  });
});
