import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import { createTestCertificate } from '../helpers/tls-certs.ts';
import { describeTransportConformance, probe, withTimeout } from '../helpers/transport-probe.ts';

const server = createTestCertificate('localhost');
const serverTls = { cert: server.cert, key: server.key };
const trust = { ca: server.cert };

describeTransportConformance('tls', {
  listen: (onConnection) => listen('tls://127.0.0.1:0', onConnection, { tls: serverTls }),
  connect: (listener) => connect(listener.url, { tls: trust }),
  gathers: true,
});

describeTransportConformance('wss', {
  listen: (onConnection) => listen('wss://127.0.0.1:0/rpc', onConnection, { tls: serverTls }),
  connect: (listener) => connect(listener.url, { tls: trust }),
});

for (const scheme of ['tls', 'wss'] as const) {
  const listenUrl = scheme === 'tls' ? 'tls://127.0.0.1:0' : 'wss://127.0.0.1:0/';
  describe(`${scheme} trust`, () => {
    it('connects by host name with the right CA (PEM bytes work too)', async () => {
      const listener = await listen(listenUrl, (transport) => transport.start({ onData: (bytes) => transport.send(bytes.slice()), onClose: () => {} }), { tls: serverTls });
      try {
        const url = listener.url.replace('127.0.0.1', 'localhost');
        const client = probe(await connect(url, { tls: { ca: new TextEncoder().encode(server.cert) } }));
        client.transport.send(new Uint8Array([1, 2, 3]));
        assert.deepEqual([...(await client.waitForBytes(3))], [1, 2, 3]);
        client.transport.close();
        assert.equal(await withTimeout(client.closed, 5000, 'close'), undefined);
      } finally {
        await listener.close();
      }
    });

    it('fails with connection-failed without the CA, or with the wrong one', async () => {
      const listener = await listen(listenUrl, () => {}, { tls: serverTls });
      try {
        await assert.rejects(connect(listener.url), (error) => isSparrowError(error, 'connection-failed') && error.cause !== undefined);
        const other = createTestCertificate('other');
        await assert.rejects(connect(listener.url, { tls: { ca: other.cert } }), (error) => isSparrowError(error, 'connection-failed'));
      } finally {
        await listener.close();
      }
    });

    it('connects without verification only when asked to', async () => {
      const listener = await listen(listenUrl, () => {}, { tls: serverTls });
      try {
        const transport = await connect(listener.url, { tls: { rejectUnauthorized: false } });
        const client = probe(transport);
        client.transport.close();
        await client.closed;
      } finally {
        await listener.close();
      }
    });

    it('refuses to listen without a certificate and key', async () => {
      await assert.rejects(listen(listenUrl, () => {}), (error) => isSparrowError(error, 'unsupported'));
    });
  });
}

describe('tls client certificates', () => {
  it('requires a client certificate signed by the listener ca', async () => {
    const clientCert = createTestCertificate('client');
    const listener = await listen('tls://127.0.0.1:0', (transport) => transport.start({ onData: (bytes) => transport.send(bytes.slice()), onClose: () => {} }), {
      tls: { ...serverTls, ca: clientCert.cert },
    });
    try {
      const client = probe(await connect(listener.url, { tls: { ...trust, cert: clientCert.cert, key: clientCert.key } }));
      client.transport.send(new Uint8Array([5]));
      assert.deepEqual([...(await client.waitForBytes(1))], [5]);
      client.transport.close();
      await client.closed;
      // TLS 1.3 reports a missing client certificate after the handshake: the connection then breaks.
      const outcome = await connect(listener.url, { tls: trust }).then(
        async (transport) => {
          const p = probe(transport);
          p.transport.send(new Uint8Array([1]));
          return withTimeout(p.closed, 5000, 'rejected client closed');
        },
        (error: unknown) => error,
      );
      assert.ok(outcome instanceof Error, 'a client without a certificate is refused');
    } finally {
      await listener.close();
    }
  });
});
