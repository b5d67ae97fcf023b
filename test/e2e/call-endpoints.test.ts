/**
 * The peer endpoints `sparrowc call` and users build on: `listenPeers`
 * (one peer per accepted connection, a shared registry, close-all),
 * `connectPeer` (any scheme), and the browser-safe `connectWebSocketPeer`
 * given the `ws` package's class.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { connectPeer, listenPeers } from '../../runtime/connection/node-endpoints.ts';
import { connectWebSocketPeer } from '../../runtime/connection/open-peer.ts';
import { ErrorCode, isSparrowError } from '../../runtime/errors.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import type { WebSocketConstructor } from '../../runtime/transport/websocket.ts';
import { createRecordingLogger } from '../helpers/peers.ts';

function sharedRegistry() {
  const registry = createRegistry();
  registry.export('add', (params) => (params['a'] as number) + (params['b'] as number));
  return registry;
}

describe('peer endpoints', () => {
  for (const scheme of ['tcp', 'ws'] as const) {
    it(`listenPeers over ${scheme}: real port, one peer per connection, shared registry, close() closes all`, async () => {
      const seen: string[] = [];
      const listener = await listenPeers(`${scheme}://127.0.0.1:0`, {
        registry: sharedRegistry(),
        onPeer: (peer) => {
          seen.push(peer.remote);
          // A per-connection export beside the shared ones.
          peer.export('whoami', () => seen.length);
        },
      });
      assert.match(listener.url, new RegExp(`^${scheme}://127\\.0\\.0\\.1:[1-9]\\d*`));
      const a = await connectPeer(listener.url, { serialiser: 'm' });
      const b = await connectPeer(listener.url, { layout: 'next' });
      assert.equal(await a.call('add', { a: 1, b: 2 }), 3);
      assert.equal(await b.call('add', { a: 3, b: 4 }), 7);
      assert.equal(await b.call('whoami'), 2);
      assert.equal(listener.peers.size, 2);
      assert.equal(seen.length, 2);
      await listener.close();
      await Promise.all([a.closed, b.closed]);
      assert.equal(listener.peers.size, 0);
      await assert.rejects(a.call('add', { a: 1, b: 1 }), (error) => isSparrowError(error, ErrorCode.ConnectionClosed));
    });
  }

  it('listenPeers drops a peer from the set when it disconnects, and closes a peer whose onPeer throws', async () => {
    const logger = createRecordingLogger();
    let first = true;
    const listener = await listenPeers('tcp://127.0.0.1:0', {
      logger,
      onPeer: () => {
        if (first) {
          first = false;
          throw new Error('setup failed');
        }
      },
    });
    try {
      const rejected = await connectPeer(listener.url);
      await rejected.closed;
      assert.ok(logger.lines.some((line) => line.level === 'error' && /onPeer failed/.test(line.message)));
      const client = await connectPeer(listener.url);
      assert.equal(await client.call('ping', undefined, { namespace: '#sys' }), 'pong');
      assert.equal(listener.peers.size, 1);
      client.close();
      const deadline = Date.now() + 2_000;
      while (listener.peers.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(listener.peers.size, 0);
    } finally {
      await listener.close();
    }
  });

  it('listenPeers rejects a bad peer option before binding', async () => {
    await assert.rejects(listenPeers('tcp://127.0.0.1:0', { maxPendingCalls: 0 }), (error) => isSparrowError(error, ErrorCode.InvalidParams));
  });

  it('connectPeer fails with connection-failed when nobody listens', async () => {
    const listener = await listenPeers('tcp://127.0.0.1:0');
    const url = listener.url;
    await listener.close();
    await assert.rejects(connectPeer(url, { connectTimeoutMs: 2_000 }), (error) => isSparrowError(error, ErrorCode.ConnectionFailed));
  });

  it('connectWebSocketPeer works with the ws class on Node', async () => {
    const listener = await listenPeers('ws://127.0.0.1:0', { registry: sharedRegistry() });
    try {
      const peer = await connectWebSocketPeer(listener.url, { WebSocket: WebSocket as unknown as WebSocketConstructor, serialiser: 'c' });
      assert.equal(await peer.call('add', { a: 20, b: 22 }), 42);
      peer.close();
    } finally {
      await listener.close();
    }
  });
});
