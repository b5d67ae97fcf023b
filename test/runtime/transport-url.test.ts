import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import { withTimeout } from '../helpers/transport-probe.ts';

/** A TCP server that accepts and then says nothing, so TLS and WebSocket handshakes hang. */
let silent: net.Server;
let silentPort = 0;
const silentSockets = new Set<net.Socket>();

before(async () => {
  silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => silentSockets.delete(socket));
    // Read (and ignore) so the client's end of stream is seen and the socket closes.
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});

after(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('connect and listen by URL', () => {
  it('rejects unknown schemes and malformed URLs with unsupported', async () => {
    for (const url of ['http://127.0.0.1:1', 'memory:x', 'no-scheme', 'tcp://127.0.0.1', 'tcp://:80', 'unix:']) {
      await assert.rejects(connect(url), (error) => isSparrowError(error, 'unsupported'), url);
    }
    for (const url of ['http://127.0.0.1:0', 'stdio:node x.js', 'tcp://127.0.0.1']) {
      await assert.rejects(listen(url, () => {}), (error) => isSparrowError(error, 'unsupported'), url);
    }
  });

  it('fails with connection-failed when the address cannot be bound', async () => {
    const first = await listen('tcp://127.0.0.1:0', () => {});
    try {
      await assert.rejects(listen(first.url, () => {}), (error) => isSparrowError(error, 'connection-failed'));
    } finally {
      await first.close();
    }
  });

  for (const scheme of ['tls', 'ws', 'wss'] as const) {
    const url = (): string => `${scheme}://127.0.0.1:${silentPort}${scheme === 'tls' ? '' : '/'}`;

    it(`${scheme}: times out with connection-failed when the handshake never completes`, async () => {
      await assert.rejects(withTimeout(connect(url(), { timeoutMs: 150 }), 2000, 'the handshake timeout'), (error) => isSparrowError(error, 'connection-failed') && /timed out/.test(error.message));
    });

    it(`${scheme}: aborts with aborted, during the handshake or before it starts`, async () => {
      const controller = new AbortController();
      const attempt = connect(url(), { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('user gave up')), 50);
      await assert.rejects(withTimeout(attempt, 2000, 'abort'), (error) => isSparrowError(error, 'aborted'));
      await assert.rejects(connect(url(), { signal: AbortSignal.abort() }), (error) => isSparrowError(error, 'aborted'));
    });
  }

  it('abandoned handshakes leave no sockets open', async () => {
    await withTimeout(
      (async () => {
        while (silentSockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      3000,
      'silent sockets to close',
    );
  });

  it('tcp: aborts with aborted when the signal is already aborted', async () => {
    const listener = await listen('tcp://127.0.0.1:0', () => {});
    try {
      await assert.rejects(connect(listener.url, { signal: AbortSignal.abort() }), (error) => isSparrowError(error, 'aborted'));
    } finally {
      await listener.close();
    }
  });
});
