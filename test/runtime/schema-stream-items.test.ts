/**
 * Caller-side validation of stream items in generated clients: an item that
 * fails validation rejects that `next()` with `invalid-params`, ends the
 * stream for the caller, and cancels it at the callee (whose generator's
 * `finally` runs), instead of leaving the producer running and yielding the
 * items after it. The callee here is schema-less, so it can send bad items.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMessageLink, createPeer, isSparrowError, silentLogger, type Peer } from 'sparrow-rpc';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createMemoryTransportPair } from '../../runtime/transport/memory.ts';
import { eventually } from '../helpers/async-waits.ts';
import { createStreamsServerClient } from '../golden/cases/streams/expected/main.ts';

async function connectedPair(): Promise<{ caller: Peer; callee: Peer }> {
  const [a, b] = createMemoryTransportPair();
  const caller = createPeer(createMessageLink(a), { logger: silentLogger });
  const callee = createPeer(createMessageLink(b), { logger: silentLogger });
  await caller.remoteFeatures();
  return { caller, callee };
}

const BAD_ITEMS: Record<string, unknown> = {
  'a string for int32': 'two',
  'a fraction for int32': 1.5,
  'an out-of-range int32': 2 ** 40,
};

describe('generated client: a stream item that fails validation', () => {
  for (const [name, bad] of Object.entries(BAD_ITEMS)) {
    it(`${name}: rejects with invalid-params, ends the stream, and cancels the producer`, async () => {
      const { caller, callee } = await connectedPair();
      let produced = 0;
      let finished = false;
      callee.export(
        'count',
        function* () {
          try {
            yield 0;
            yield bad;
            for (let i = 2; i < 1_000_000; i++) {
              produced++;
              yield i;
            }
          } finally {
            finished = true;
          }
        },
        { namespace: 'streams-server', multipart: true },
      );
      try {
        const stream = createStreamsServerClient(caller).count({ n: 1_000_000, token: 't' })[Symbol.asyncIterator]();
        assert.deepEqual(await stream.next(), { done: false, value: 0 });
        await assert.rejects(stream.next(), (e) => isSparrowError(e, 'invalid-params') && /^count\[\]: /.test(e.message));
        assert.deepEqual(await stream.next(), { done: true, value: undefined }, 'nothing after the bad item');
        await eventually(() => finished, "the producer's finally", 2000);
        assert.ok(produced < 1_000_000, `the producer stopped early (${produced})`);
      } finally {
        caller.close();
        callee.close();
      }
    });
  }
});
