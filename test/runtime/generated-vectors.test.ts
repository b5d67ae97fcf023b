/**
 * The reference captures of progress callbacks, multipart results and
 * iterable params (test/fixtures/vectors/*-progress, *-multipart,
 * *-iterable) replayed through GENERATED code: the client generated from
 * test/golden/cases/streams-reference (the reference test server's
 * functions) talks to a scripted fake reference server that sends the
 * captured server-side chains byte for byte. What the generated client
 * sends must decode as what the reference client sent, and it must get the
 * reference's result — for j/m/c and both layouts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { createPeer } from '../../runtime/rpc/peer.ts';
import { createMemoryTransportPair } from '../../runtime/transport/memory.ts';
import { createReferenceServerClient, type ReferenceServerClient } from '../golden/cases/streams-reference/expected/main.ts';
import { createRecordingLogger } from '../helpers/peers.ts';
import { createFakeReference, decodeChainBytes, vectorFormat } from '../helpers/vector-replay.ts';
import { loadVectors } from '../helpers/vectors.ts';

/** What the generated client does for each captured op, and the reference's result it must get. */
const SCRIPTS: Record<string, (client: ReferenceServerClient) => Promise<void>> = {
  async progress(client) {
    const messages: string[] = [];
    assert.equal(await client.optionalProgressCallback({ progress: ({ message }) => void messages.push(message) }), 45);
    assert.deepEqual(messages, Array.from({ length: 10 }, (_, i) => `Added ${i} to total`));
  },
  async multipart(client) {
    const items: string[] = [];
    for await (const item of client.multipartResponse()) items.push(item);
    assert.deepEqual(items, ['apple', 'banana', 'mango']);
  },
  async iterable(client) {
    function* nums(): Generator<number> {
      yield* [1, 10, 30, 3];
    }
    assert.equal(await client.iterableParam({ nums: nums() }), 44);
  },
};

const vectors = loadVectors().flatMap((vector) => {
  const op = /^(?:head-)?(?:json|msgpack|cbor)-(progress|multipart|iterable)$/.exec(vector.name)?.[1];
  return op === undefined ? [] : [{ vector, script: SCRIPTS[op]! }];
});

describe('reference vectors replayed through a generated client', () => {
  it('covers progress, multipart and iterable for j/m/c in both layouts', () => assert.equal(vectors.length, 18));

  for (const { vector, script } of vectors) {
    it(vector.name, async () => {
      const [clientSide, serverSide] = createMemoryTransportPair();
      const reference = createFakeReference(serverSide, 'the generated client');
      const format = vectorFormat(vector);
      const peer = createPeer(createMessageLink(clientSide), { serialiser: format.serialiser, layout: format.layout, logger: createRecordingLogger() });
      const done = script(createReferenceServerClient(peer));
      try {
        // C>S chains are what the generated client must send; S>C chains the fake reference sends.
        for (const [index, chain] of vector.chains.entries()) {
          if (chain.direction === 'S>C') reference.send(chain.bytes);
          else assert.deepEqual(await reference.next(), decodeChainBytes(chain.bytes), `chain ${index} from the generated client`);
        }
        await done;
      } finally {
        peer.close();
      }
    });
  }
});
