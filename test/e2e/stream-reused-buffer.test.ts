/**
 * A producer that refills one buffer and yields it again: every item
 * arrives as it was when yielded, batched or not, small or large (large
 * bytes otherwise go out by reference, as with socket.write).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { createPeer, type Peer } from '../../runtime/rpc/peer.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';

describe('a stream of one refilled buffer', () => {
  for (const size of [100, 200_000]) {
    for (const batched of [false, true]) {
      it(`delivers each item as yielded (${size} bytes, ${batched ? 'batched' : 'one message per item'})`, async () => {
        const peers: Peer[] = [];
        const listener = await listen('tcp://127.0.0.1:0', (transport) => {
          const peer = createPeer(createMessageLink(transport), { logger: silentLogger, serialiser: 'm' });
          peers.push(peer);
          peer.export(
            'refill',
            function* () {
              const buffer = new Uint8Array(size);
              for (let k = 1; k <= 4; k++) {
                buffer.fill(k);
                yield buffer;
              }
            },
            { multipart: true },
          );
        });
        const client = createPeer(createMessageLink(await connect(listener.url)), { logger: silentLogger, serialiser: 'm' });
        try {
          // remoteFeatures() turns on credit and, with it, batches.
          if (batched) assert.ok((await client.remoteFeatures()).has('batch'));
          const firsts: number[] = [];
          for await (const item of client.callStream<Uint8Array>('refill')) {
            assert.equal(item.length, size);
            assert.ok(item.every((byte) => byte === item[0]), 'one fill per item');
            firsts.push(item[0]!);
          }
          assert.deepEqual(firsts, [1, 2, 3, 4]);
        } finally {
          client.close();
          for (const peer of peers) peer.close();
          await listener.close();
        }
      });
    }
  }
});
