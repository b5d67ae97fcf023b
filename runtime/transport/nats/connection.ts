/**
 * Opening a NATS connection from a parsed `nats://` URL and the `nats`
 * option, and turning the NATS client's failures into Sparrow's codes.
 * The one file besides the session that imports the NATS client.
 */
import { connect as natsConnect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, SparrowError } from '../../errors.ts';
import type { NatsOptions, NatsTarget } from './options.ts';

/** How the connection behaves when its NATS server goes away. */
export interface OpenNatsOptions {
  /** Give up connecting after this many ms. */
  timeoutMs: number;
  /**
   * Reconnect to another server of the URL (listeners and topics: they are
   * found again through the queue group) or not (a connector's session
   * cannot survive a lost message, so it ends with the connection).
   */
  reconnect: boolean;
}

/**
 * Connects to the first reachable server of `target`.
 * Rejects with `connection-failed` naming the cause (unreachable, refused
 * credentials, TLS).
 */
export async function openNatsConnection(target: NatsTarget, nats: NatsOptions | undefined, options: OpenNatsOptions): Promise<NatsConnection> {
  const settings: ConnectionOptions = {
    servers: target.servers,
    timeout: options.timeoutMs,
    reconnect: options.reconnect,
    maxReconnectAttempts: options.reconnect ? -1 : 0,
    reconnectTimeWait: 250,
    // The sessions' own keepalive finds a dead peer; NATS's ping only guards the socket.
    pingInterval: 30_000,
    name: nats?.name ?? 'sparrow',
  };
  const user = target.user ?? nats?.user;
  const pass = target.pass ?? nats?.pass;
  const token = target.token ?? nats?.token;
  if (user !== undefined) settings.user = user;
  if (pass !== undefined) settings.pass = pass;
  if (token !== undefined) settings.token = token;
  if (nats?.tls !== undefined) {
    const tls: NonNullable<ConnectionOptions['tls']> = {};
    if (nats.tls.ca !== undefined) tls.ca = nats.tls.ca;
    if (nats.tls.cert !== undefined) tls.cert = nats.tls.cert;
    if (nats.tls.key !== undefined) tls.key = nats.tls.key;
    settings.tls = tls;
  }
  try {
    return await natsConnect(settings);
  } catch (error) {
    throw natsConnectFailed(target, error);
  }
}

/** A NATS client failure while connecting, as `connection-failed` with a message that names the problem. */
export function natsConnectFailed(target: NatsTarget, error: unknown): SparrowError {
  if (error instanceof SparrowError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  let reason: string;
  if (/authoriz|authenticat|credentials/i.test(text) || (error as { name?: unknown } | null)?.name === 'AuthorizationError') {
    reason = `the NATS server refused the credentials (${text})`;
  } else if (code === 'ECONNREFUSED' || /ECONNREFUSED|refused/i.test(text)) {
    reason = `no NATS server reachable (${text})`;
  } else if (/timeout/i.test(text)) {
    reason = `no NATS server answered in time (${text})`;
  } else {
    reason = text;
  }
  return new SparrowError(ErrorCode.ConnectionFailed, `Cannot connect to ${target.display}: ${reason}`, { cause: error });
}
