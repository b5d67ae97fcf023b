/**
 * The MessagePort transport on its own, over MessageChannel ports in this
 * thread: chains both ways, the ownership rule for transferred buffers
 * (observed on a recording port), clean close, the connect timeout, and a
 * DOM-shaped port (addEventListener + start, MessageEvent data).
 */
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, it } from 'node:test';
import {
  DEFAULT_TRANSFER_THRESHOLD,
  ErrorCode,
  acceptMessagePort,
  connectMessagePort,
  isSparrowError,
  openPeer,
  silentLogger,
  type MessagePortLike,
  type Transport,
} from 'sparrow-rpc/node';
import { eventually } from '../helpers/async-waits.ts';

interface Received {
  chunks: { bytes: Uint8Array; memory: ArrayBufferLike }[];
  closed: Promise<Error | undefined>;
}

function collect(transport: Transport): Received {
  const chunks: Received['chunks'] = [];
  let closedWith!: (error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((resolve) => (closedWith = resolve));
  transport.start({ onData: (bytes) => void chunks.push({ bytes: bytes.slice(), memory: bytes.buffer }), onClose: (error) => closedWith(error) });
  return { chunks, closed };
}

async function pair(wrap: (port: MessagePort) => MessagePortLike = (port) => port): Promise<[Transport, Transport]> {
  const { port1, port2 } = new MessageChannel();
  const served = acceptMessagePort(wrap(port1));
  const connected = await connectMessagePort(wrap(port2), { timeoutMs: 5000 });
  return [served, connected];
}

/** A DOM-shaped view of a Node port: addEventListener only, MessageEvent-style data, start(). */
function domShaped(port: MessagePort): MessagePortLike {
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer),
    addEventListener: (type, listener) => port.addEventListener(type, listener),
    removeEventListener: (type, listener) => port.removeEventListener(type, listener),
    start: () => port.start(),
    close: () => port.close(),
  };
}

describe('MessagePort transport', () => {
  it('carries chains both ways, one message each, received as fresh memory', async () => {
    const [a, b] = await pair();
    const fromA = collect(b);
    const fromB = collect(a);
    const sent = new Uint8Array([1, 2, 3]);
    a.send(sent);
    a.send([new Uint8Array([4]), new Uint8Array([5, 6])]);
    b.send(new Uint8Array(DEFAULT_TRANSFER_THRESHOLD + 10).fill(9));
    await eventually(() => fromA.chunks.length === 2 && fromB.chunks.length === 1, 'three chains');
    assert.deepEqual(fromA.chunks.map((chunk) => [...chunk.bytes]), [[1, 2, 3], [4, 5, 6]]);
    assert.ok(fromA.chunks.every((chunk) => chunk.memory !== sent.buffer), 'a clone, not the sender\'s memory');
    assert.equal(fromB.chunks.length, 1);
    assert.equal(fromB.chunks[0]!.bytes.length, DEFAULT_TRANSFER_THRESHOLD + 10);
    assert.ok(fromB.chunks[0]!.bytes.every((byte) => byte === 9));
    a.close();
    assert.equal(await fromA.closed, undefined, 'a clean close reaches the other side without an error');
    assert.equal(await fromB.closed, undefined);
  });

  it('transfers only its own copy of a large chain: the sender keeps its arrays', () => {
    const posted: { message: unknown; transfer: unknown[] | undefined }[] = [];
    const port: MessagePortLike = { postMessage: (message, transfer) => void posted.push({ message, transfer }), on: () => {}, off: () => {} };
    const transport = acceptMessagePort(port, { transferThreshold: 1024 });
    posted.length = 0; // the ready signal
    const large = new Uint8Array(4096).fill(7);
    const pieces = [new Uint8Array(2000).fill(1), new Uint8Array(2000).fill(2)];
    transport.send(large);
    transport.send(pieces);
    transport.send(new Uint8Array(10));
    assert.equal(posted.length, 3);
    for (const [k, source] of [large, pieces[0]!].entries()) {
      const { message, transfer } = posted[k]!;
      assert.ok(message instanceof Uint8Array);
      assert.deepEqual(transfer, [message.buffer], `chain ${k} is transferred`);
      assert.notEqual(message.buffer, source.buffer, `chain ${k} is a copy, not the caller's memory`);
    }
    assert.equal(posted[2]!.transfer, undefined, 'a small chain is cloned');
    assert.deepEqual([...(posted[1]!.message as Uint8Array).subarray(1998, 2002)], [1, 1, 2, 2]);
  });

  it('clones a small chain that is a view into a larger buffer as its own bytes only', () => {
    // postMessage clones a view's whole ArrayBuffer: posting a 5-byte view of a 64 KiB slab would copy 64 KiB.
    const posted: unknown[] = [];
    const port: MessagePortLike = { postMessage: (message) => void posted.push(message), on: () => {}, off: () => {} };
    const transport = acceptMessagePort(port);
    posted.length = 0; // the ready signal
    const slab = new Uint8Array(64 * 1024);
    slab.set([1, 2, 3, 4, 5], 100);
    transport.send(slab.subarray(100, 105));
    const whole = new Uint8Array([6, 7]);
    transport.send(whole);
    const [cut, asIs] = posted as Uint8Array[];
    assert.equal(cut!.buffer.byteLength, 5, 'only the chain is cloned, not the slab');
    assert.deepEqual([...cut!], [1, 2, 3, 4, 5]);
    assert.equal(asIs, whole, 'an array that is its whole buffer is posted as it is');
  });

  it('works over a DOM-shaped port (addEventListener, start, MessageEvent data)', async () => {
    const [a, b] = await pair(domShaped);
    const got = collect(b);
    collect(a);
    a.send(new Uint8Array([42]));
    await eventually(() => got.chunks.length === 1, 'the chain');
    assert.deepEqual(got.chunks.map((chunk) => [...chunk.bytes]), [[42]]);
    a.close();
    assert.equal(await got.closed, undefined);
  });

  it('peers over it: a call answers, and closing one side fails the other side’s pending call with connection-closed', async () => {
    const [a, b] = await pair();
    const server = openPeer(a, { logger: silentLogger });
    const client = openPeer(b, { logger: silentLogger });
    server.export('echo', (params) => params);
    server.export('hang', () => new Promise(() => {}));
    assert.deepEqual(await client.call('echo', { x: 1 }), { x: 1 });
    const pending = client.call('hang');
    server.close();
    await assert.rejects(pending, (error) => isSparrowError(error, ErrorCode.ConnectionClosed));
    await client.closed;
  });

  it('connectMessagePort fails with connection-failed when nobody serves the other end', async () => {
    const { port1, port2 } = new MessageChannel();
    await assert.rejects(connectMessagePort(port2, { timeoutMs: 200 }), (error) => isSparrowError(error, ErrorCode.ConnectionFailed));
    port1.close();
  });
});
