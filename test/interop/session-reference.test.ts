/**
 * The session part against the live Python reference (0.1.2 and head):
 * a client with credentials and a heartbeat asks `#sys.features` once,
 * reads the reference's not-found as "no features", sends no credential
 * (one warning), never pings it, and its calls work as before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectPeer } from '../../runtime/node.ts';
import type { Logger } from '../../runtime/rpc/logger.ts';
import { REFERENCE_VERSIONS, requirePythonReference, startPythonServer } from '../helpers/python-reference.ts';

describe('session toward the Python reference', () => {
  for (const version of REFERENCE_VERSIONS) {
    it(`${version.name}: credentials and heartbeat configured, the reference sees only #sys.features`, { timeout: 120_000 }, async (t) => {
      const reference = requirePythonReference(t);
      if (reference === undefined) return;
      const server = await startPythonServer(reference, version, 'threaded');
      try {
        const warnings: string[] = [];
        const logger: Logger = { debug: () => {}, info: () => {}, warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) };
        const peer = await connectPeer(server.tcpUrl, { layout: version.layout, credentials: 'token', heartbeatMs: 50, logger, timeoutMs: 20_000 });
        try {
          assert.deepEqual([...(await peer.remoteFeatures())], [], 'the reference lists no features');
          assert.equal(await peer.call('hello_world', { name: 'Bill' }), 'Hello Bill!');
          // Several heartbeat intervals: a reference peer is never pinged, so it is never declared dead.
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal(peer.isClosed, false);
          assert.equal(await peer.call('ping', undefined, { namespace: '#sys' }), 'pong');
          assert.deepEqual(warnings.filter((w) => /credentials not sent/.test(w)).length, 1, warnings.join('\n'));
          assert.deepEqual(warnings.filter((w) => !/credentials not sent/.test(w)), []);
        } finally {
          peer.close();
        }
        assert.doesNotMatch(server.output(), /Traceback|[Ee]rror/, server.output());
      } finally {
        await server.close();
      }
    });
  }
});
