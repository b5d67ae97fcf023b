import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Transport } from '../../runtime/transport/transport.ts';
import { bytePattern } from '../helpers/byte-pattern.ts';
import { connectPair, describeTransportConformance, probe, withTimeout } from '../helpers/transport-probe.ts';

describeTransportConformance('tcp', {
  listen: (onConnection) => listen('tcp://127.0.0.1:0', onConnection),
  connect: (listener) => connect(listener.url),
  gathers: true,
});

describe('tcp', () => {
  it('reads straight into the memory the receiver offers (connector side), bytes intact', async () => {
    const payload = bytePattern(600_000, 21);
    let accepted!: (transport: Transport) => void;
    const server = new Promise<Transport>((resolve) => (accepted = resolve));
    const listener = await listen('tcp://127.0.0.1:0', (transport) => accepted(transport));
    try {
      const client = await connect(listener.url);
      const target = new Uint8Array(payload.length);
      let filled = 0;
      let inPlace = 0;
      let done!: () => void;
      const complete = new Promise<void>((resolve) => (done = resolve));
      client.start({
        onData(chunk) {
          if (chunk.buffer === target.buffer) {
            assert.equal(chunk.byteOffset, filled, 'read where it was offered');
            inPlace += chunk.length;
          } else {
            target.set(chunk, filled);
          }
          filled += chunk.length;
          if (filled === payload.length) done();
        },
        onClose() {},
        receiveBuffer: () => (filled >= 1000 && filled < target.length ? target.subarray(filled) : undefined),
      });
      (await server).start({ onData() {}, onClose() {} });
      (await server).send(payload);
      await withTimeout(complete, 10_000, 'the payload');
      assert.ok(Buffer.from(target).equals(Buffer.from(payload)));
      assert.ok(inPlace > 0, 'some reads landed in place');
      client.close();
    } finally {
      await listener.close();
    }
  });

  it('reports the real port when listening on port 0', async () => {
    const listener = await listen('tcp://127.0.0.1:0', () => {});
    try {
      assert.match(listener.url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(listener.url, 'tcp://127.0.0.1:0');
    } finally {
      await listener.close();
    }
  });

  it('fails promptly with connection-failed on a closed port', async () => {
    const listener = await listen('tcp://127.0.0.1:0', () => {});
    const url = listener.url;
    await listener.close();
    // Promptly: a deadline of 2 s on the attempt, not a measured time.
    await assert.rejects(withTimeout(connect(url), 2000, 'connect to a closed port'), (error) => isSparrowError(error, 'connection-failed') && error.cause !== undefined);
  });


  it('closes with an error when the other side resets the connection', async () => {
    const server = net.createServer((socket) => {
      socket.on('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const client = probe(await connect(`tcp://127.0.0.1:${port}`));
      client.transport.send(new Uint8Array([1]));
      const error = await withTimeout(client.closed, 5000, 'client closed');
      assert.ok(error instanceof Error);
      assert.match(String((error as NodeJS.ErrnoException).code), /ECONNRESET|EPIPE/);
      client.transport.send(new Uint8Array([2]));
      client.transport.close();
      assert.equal(client.closeCount(), 1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('delivers bytes that arrived before start()', async () => {
    let accepted!: (t: import('../../runtime/transport/transport.ts').Transport) => void;
    const acceptedP = new Promise<import('../../runtime/transport/transport.ts').Transport>((resolve) => (accepted = resolve));
    const listener = await listen('tcp://127.0.0.1:0', (t) => accepted(t));
    try {
      const client = probe(await connect(listener.url));
      client.transport.send(new Uint8Array([9, 8, 7]));
      const serverTransport = await acceptedP;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const server = probe(serverTransport);
      assert.deepEqual([...(await server.waitForBytes(3))], [9, 8, 7]);
    } finally {
      await listener.close();
    }
  });

  it('delivers bytes that reached a connecting socket before start(), in order, past its reused read buffer', async () => {
    const payload = new Uint8Array(300 * 1024).map((_, k) => k % 251);
    const listener = await listen('tcp://127.0.0.1:0', (t) => {
      t.start({ onData() {}, onClose() {} });
      t.send(payload);
    });
    try {
      const transport = await connect(listener.url);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const client = probe(transport);
      const bytes = await client.waitForBytes(payload.length);
      assert.equal(bytes.length, payload.length);
      assert.equal(Buffer.compare(bytes, payload), 0);
    } finally {
      await listener.close();
    }
  });
});
