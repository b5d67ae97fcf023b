/**
 * Plumbing for replaying the reference captures (test/fixtures/vectors)
 * against a Sparrow peer over the real codec: a scripted fake reference end
 * that writes captured chains byte for byte and hands back what the peer
 * sent, decoded, plus the wire format a vector's name stands for.
 */
import assert from 'node:assert/strict';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { decodeChain } from '../../runtime/envelope/decode.ts';
import type { IncomingMessage, WireFormat } from '../../runtime/envelope/message.ts';
import { ChainDecoder } from '../../runtime/framing/chain-decoder.ts';
import type { Transport } from '../../runtime/transport/transport.ts';
import type { Vector } from './vectors.ts';

/** Decodes the bytes of exactly one whole chain (asserts there is one) to its message. */
export function decodeChainBytes(bytes: Uint8Array): IncomingMessage {
  const messages: IncomingMessage[] = [];
  new ChainDecoder((chain) => messages.push(decodeChain(chain))).push(bytes);
  assert.equal(messages.length, 1);
  return messages[0]!;
}

/** A fake reference end: raw chains out, decoded chains in. */
export interface FakeReference {
  /** Writes captured chain bytes to the peer as they are. */
  send(bytes: Uint8Array): void;
  /** Resolves with the next chain the peer sent, decoded (in order); rejects after 2 s without one. */
  next(): Promise<IncomingMessage>;
}

/** Starts `transport` as a fake reference end; `sender` names the other side in the 2 s timeout's message. */
export function createFakeReference(transport: Transport, sender: string): FakeReference {
  const queue: IncomingMessage[] = [];
  const waiters: Array<(message: IncomingMessage) => void> = [];
  const decoder = new ChainDecoder((chain) => {
    const message = decodeChain(chain);
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(message);
    else waiter(message);
  });
  transport.start({ onData: (bytes) => decoder.push(bytes), onClose: () => {} });
  return {
    send: (bytes) => transport.send(bytes),
    next: () => {
      const message = queue.shift();
      if (message !== undefined) return Promise.resolve(message);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no chain from ${sender} within 2 s`)), 2000);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
  };
}

/** The wire format a vector was captured in, from its name (`head-` = layout next; json/msgpack/cbor). */
export function vectorFormat(vector: Vector): WireFormat {
  const serialiser = vector.name.includes('msgpack-') ? 'm' : vector.name.includes('cbor-') ? 'c' : 'j';
  return { layout: vector.name.startsWith('head-') ? 'next' : '0.1.2', serialiser, protocol: '.5' };
}
