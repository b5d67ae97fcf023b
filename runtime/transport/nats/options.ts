/**
 * `nats://` URLs and the `nats` option, without the NATS client: this file
 * is what the URL table and the endpoints' option types see, so naming a
 * NATS setting never loads the optional `@nats-io/transport-node` package.
 *
 * URL: `nats://[user:pass@|token@]host[:port][,host[:port]…]/<service>`;
 * the port defaults to 4222 and `<service>` matches `[A-Za-z0-9_-]+`.
 */
import { ErrorCode, SparrowError } from '../../errors.ts';

/** NATS's default client port. */
export const DEFAULT_NATS_PORT = 4222;
/** Default session keepalive: a silent session is declared dead after {@link DEFAULT_KEEPALIVE_MISSES} of these. */
export const DEFAULT_KEEPALIVE_MS = 500;
/** Keepalive intervals without a sign of life after which a session is dead. */
export const DEFAULT_KEEPALIVE_MISSES = 3;

/** TLS to the NATS servers (PEM text). */
export interface NatsTlsOptions {
  /** CA to trust (a private CA's certificate). */
  ca?: string;
  /** Client certificate, when the NATS servers require one. */
  cert?: string;
  /** The client certificate's key. */
  key?: string;
}

/** Settings of a NATS connection and of the Sparrow sessions over it (`nats` option of the endpoints). */
export interface NatsOptions {
  /** TLS to NATS. */
  tls?: NatsTlsOptions;
  /** User and password, when not in the URL (the URL wins). */
  user?: string;
  pass?: string;
  /** Token, when not in the URL (the URL wins). */
  token?: string;
  /** Client name the NATS server shows in its monitoring. */
  name?: string;
  /** Session keepalive interval in ms (default 500); both ends of a session send it. */
  keepaliveMs?: number;
  /** Silent intervals after which the other end is dead (default 3). */
  keepaliveMisses?: number;
  /**
   * Largest NATS message this side sends, in bytes (default: the server's
   * `max_payload`). Chains larger than this are split over several messages.
   */
  maxPayload?: number;
}

/** The `nats` field the node endpoints' options carry. */
export interface NatsTransportOptions {
  /** Settings for `nats://` URLs. */
  nats?: NatsOptions;
}

/** A parsed `nats://` URL. */
export interface NatsTarget {
  /** `host:port` of every server to try. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /** The service: the queue group every listener joins. */
  service: string;
  /** The URL without credentials, for messages and logs. */
  display: string;
}

const SERVICE = /^[A-Za-z0-9_-]+$/;

/**
 * Parses `nats://[user:pass@|token@]host[:port][,host[:port]…]/<service>`.
 * @throws SparrowError `unsupported` naming what is wrong (no host, bad
 *   port, missing or bad service name).
 */
export function parseNatsUrl(url: string): NatsTarget {
  const match = /^nats:\/\/([^/]*)(?:\/(.*))?$/i.exec(url);
  if (match === null) throw new SparrowError(ErrorCode.Unsupported, `Not a nats:// URL: ${url}`);
  let authority = match[1]!;
  const service = match[2] ?? '';
  const target: NatsTarget = { servers: [], service, display: '' };
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = credentials.indexOf(':');
    if (colon >= 0) {
      target.user = decodeURIComponent(credentials.slice(0, colon));
      target.pass = decodeURIComponent(credentials.slice(colon + 1));
    } else if (credentials !== '') {
      target.token = decodeURIComponent(credentials);
    }
  }
  if (authority === '') throw new SparrowError(ErrorCode.Unsupported, `No NATS server in ${redact(url)}`);
  for (const server of authority.split(',')) {
    const hostPort = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(server);
    if (hostPort === null) throw new SparrowError(ErrorCode.Unsupported, `Bad NATS server "${server}" in ${redact(url)}: expected host or host:port`);
    const port = hostPort[2] === undefined ? DEFAULT_NATS_PORT : Number(hostPort[2]);
    if (!(port >= 1 && port <= 65535)) throw new SparrowError(ErrorCode.Unsupported, `Bad NATS port ${hostPort[2] ?? ''} in ${redact(url)}`);
    target.servers.push(`${hostPort[1]!}:${port}`);
  }
  if (service === '') throw new SparrowError(ErrorCode.Unsupported, `No service in ${redact(url)}: expected nats://host[:port]/<service>`);
  if (!SERVICE.test(service)) {
    throw new SparrowError(ErrorCode.Unsupported, `Bad service name "${service}" in ${redact(url)}: it becomes a NATS subject, so only letters, digits, _ and - are allowed`);
  }
  target.display = `nats://${target.servers.join(',')}/${service}`;
  return target;
}

/** The URL with its credentials hidden, for error messages. */
function redact(url: string): string {
  return url.replace(/^(nats:\/\/)[^/@]*@/i, '$1***@');
}

/** The subject a service's listeners share, as a queue group. */
export function serviceSubject(service: string): string {
  return `sparrow.${service}`;
}

/** The subject a cluster topic travels on. */
export function topicSubject(service: string, topic: string): string {
  return `sparrow.${service}.topic.${topic}`;
}

/**
 * Checks a topic name (it becomes part of a NATS subject).
 * @throws SparrowError `invalid-params` naming the bad name.
 */
export function checkTopicName(topic: string): void {
  if (!SERVICE.test(topic)) {
    throw new SparrowError(ErrorCode.InvalidParams, `Bad topic name "${topic}": it becomes a NATS subject, so only letters, digits, _ and - are allowed`);
  }
}
