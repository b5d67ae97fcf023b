/**
 * TLS transport (`tls://host:port`): the TCP byte stream inside TLS.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { ErrorCode, SparrowError } from '../../errors.ts';
import { guardConnect } from '../connect-guard.ts';
import type { ConnectOptions, Listener, ListenOptions, TlsOptions, Transport } from '../transport.ts';
import { createSocketTransport } from './stream.ts';
import { formatHostPort, listenOnPort } from './socket-listener.ts';

/** TlsOptions as node:tls takes them (PEM text or Buffers). */
export interface NodeTlsMaterial {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** Converts TlsOptions' PEM values (string or bytes) to what node:tls accepts. */
export function tlsMaterial(options: TlsOptions | undefined): NodeTlsMaterial {
  const out: NodeTlsMaterial = {};
  const convert = (value: string | Uint8Array): string | Buffer =>
    typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (options?.ca !== undefined) out.ca = convert(options.ca);
  if (options?.cert !== undefined) out.cert = convert(options.cert);
  if (options?.key !== undefined) out.key = convert(options.key);
  return out;
}

/** Server-side TLS settings; a listener with `ca` asks for and verifies client certificates. */
export function serverTlsOptions(url: string, options: ListenOptions): tls.TlsOptions {
  const material = tlsMaterial(options.tls);
  if (material.cert === undefined || material.key === undefined) {
    throw new SparrowError(ErrorCode.Unsupported, `Listening on ${url} needs options.tls.cert and options.tls.key`);
  }
  const mutual = material.ca !== undefined;
  return { ...material, requestCert: mutual, rejectUnauthorized: mutual };
}

/**
 * Connects to a TLS listener, verifying its certificate against
 * `options.tls.ca` (or the system roots) unless `rejectUnauthorized` is false.
 * `cert`/`key` present a client certificate. Rejects with
 * `connection-failed` (refused, untrusted certificate, timed out) or `aborted`.
 */
export function connectTls(host: string, port: number, options: ConnectOptions = {}): Promise<Transport> {
  const target = `tls://${formatHostPort(host, port)}`;
  return guardConnect<Transport>(target, options, (settle) => {
    const socket = tls.connect({
      host,
      port,
      // SNI takes names only; Node warns when it is given an IP address.
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...tlsMaterial(options.tls),
      rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
    });
    socket.setNoDelay(true);
    const onError = (error: Error): void => settle(error);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      settle(undefined, createSocketTransport(socket, 'tls', formatHostPort(socket.remoteAddress ?? host, socket.remotePort ?? port)));
    });
    return () => socket.destroy();
  });
}

/**
 * Listens for TLS connections with `options.tls.cert` and `key` (and, with
 * `ca`, requires client certificates signed by it). Rejects with
 * `unsupported` without cert or key, `connection-failed` when the address
 * cannot be bound.
 */
export async function listenTls(host: string, port: number, onConnection: (transport: Transport) => void, options: ListenOptions = {}): Promise<Listener> {
  const url = `tls://${formatHostPort(host, port)}`;
  const server = tls.createServer({ ...serverTlsOptions(url, options), noDelay: true });
  // A failed handshake only concerns that client; without a listener Node would just destroy it too.
  server.on('tlsClientError', () => {});
  return listenOnPort('tls', server, host, port, 'secureConnection', onConnection);
}
