/**
 * Known reference bugs: places where the reference Python peer itself is
 * broken. Each entry records how the reference behaves today and what the
 * TS side does about it (it never hangs); docs/interop.md lists them in a
 * table. The list may only shrink: when the reference fixes one, its check
 * fails and the entry is removed.
 */
import assert from 'node:assert/strict';
import { connectPeer, type Peer } from '../../runtime/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import type { ChainLayout } from '../../runtime/envelope/message.ts';
import { bigBytes, type InteropSerialiser, type InteropTransport } from './matrix.ts';

/** What a TS → Python check gets: the shared connection, and how to open a fresh one. */
export interface BugContext {
  url: string;
  layout: ChainLayout;
  serialiser: InteropSerialiser;
  peer: Peer;
}

export interface KnownReferenceBug {
  /** Stable name, used in docs/interop.md and test names. */
  id: string;
  /** One line: what the reference does wrong. */
  summary: string;
  /** What the TS side does so that nothing hangs. */
  tsHandling: string;
  /** Which connections the check applies to (default: all). */
  applies?(where: { transport: InteropTransport; serialiser: InteropSerialiser }): boolean;
  /** Asserts the reference's behaviour as it is, from a TS client. */
  tsToPy?(ctx: BugContext): Promise<void>;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return assert.fail('expected the call to fail, but it resolved');
}

export const KNOWN_REFERENCE_BUGS: readonly KnownReferenceBug[] = [
  {
    id: 'unknown-target-bare-ack',
    summary: 'A request to an unknown target is answered with a bare acknowledge instead of the TargetNotFound exception it builds; a Python caller waits forever.',
    tsHandling: 'An acknowledge for a request that asked for none rejects the call with target-not-found at once.',
    async tsToPy({ peer }) {
      const error = await rejection(peer.call('no_such_target', { x: 1 }));
      assert.ok(isSparrowError(error, 'target-not-found'), String(error));
    },
  },
  {
    id: 'empty-error-message-dropped',
    summary: 'An exception with an empty message is sent without `msg`, and the reference\'s own receiver then fails with KeyError (its caller hangs).',
    tsHandling: 'A missing `msg` reads as "": the call rejects with the error type and an empty message. TS always sends `msg`.',
    async tsToPy({ peer }) {
      const error = await rejection(peer.call('fail_empty'));
      assert.ok(isSparrowError(error, 'callee-error'), String(error));
      assert.equal((error as { remoteType?: string }).remoteType, 'RuntimeError');
    },
  },
  {
    id: 'ws-message-limit',
    summary: 'The WebSocket transports keep the websockets library\'s 1 MiB message limit, so a chain over 1 MiB closes the connection (the limit elsewhere is 10 MiB).',
    tsHandling: 'The pending calls on that connection reject with connection-closed; payloads up to 1 MiB minus the chain head work.',
    applies: ({ transport }) => transport === 'ws',
    async tsToPy({ url, layout, serialiser }) {
      const peer = await connectPeer(url, { serialiser, layout, timeoutMs: 20_000 });
      try {
        const fits = bigBytes(1).subarray(0, 1024 * 1024 - 4096);
        const value = serialiser === 'j' ? 'x'.repeat(fits.length) : fits;
        assert.equal(((await peer.call('echo', { value })) as { length: number }).length, fits.length);
        const error = await rejection(peer.call('echo', { value: serialiser === 'j' ? 'x'.repeat(1024 * 1024) : bigBytes(1) }));
        assert.ok(isSparrowError(error, 'connection-closed'), String(error));
      } finally {
        peer.close();
      }
    },
  },
  {
    id: 'msgpack-non-string-keys',
    summary: 'msgpack-python decodes with strict_map_key=True: a map with int keys (which Python itself sends) makes the reference\'s reader fail and stop, so the connection goes silent.',
    tsHandling: 'A TS peer decodes such maps as a Map; a TS call toward a dead reader ends with its timeout. Do not send int-keyed Maps to the reference over msgpack (CBOR works).',
    applies: ({ transport, serialiser }) => transport === 'tcp' && serialiser === 'm',
    async tsToPy({ url, layout }) {
      const peer = await connectPeer(url, { serialiser: 'm', layout, timeoutMs: 1_000 });
      try {
        const error = await rejection(peer.call('echo', { value: new Map([[1, 'one']]) }));
        assert.ok(isSparrowError(error, 'timeout'), String(error));
        // The reader is gone for good: even ping goes unanswered.
        assert.ok(isSparrowError(await rejection(peer.call('ping', undefined, { namespace: '#sys' })), 'timeout'));
      } finally {
        peer.close();
      }
    },
  },
];
