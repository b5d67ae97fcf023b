/**
 * `nats://host[:port][,…]/<service>`: connect and listen through NATS.
 *
 * A listener subscribes to `sparrow.<service>` in the queue group of the
 * same name, so NATS hands each new session to one member. A connector
 * subscribes to a fresh inbox and sends a hello (`{"v":1,"s":<its inbox>}`)
 * as a NATS request to the service subject; the member that gets it
 * subscribes to an inbox of its own and replies `{"v":1,"s":<its inbox>}`.
 * From then on each side publishes chains to the other's inbox
 * (`session.ts`).
 *
 * Failures: no NATS server reachable → `connection-failed` within the
 * connect timeout; no member listening → `connection-failed` at once
 * (NATS answers the hello with "no responders"); a member that dies → its
 * sessions end with `connection-closed` by the keepalive.
 */
import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, SparrowError } from '../../errors.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, guardConnect } from '../connect-guard.ts';
import type { ConnectOptions, Listener, Transport } from '../transport.ts';
import { natsConnectFailed, openNatsConnection } from './connection.ts';
import {
  DEFAULT_KEEPALIVE_MISSES,
  DEFAULT_KEEPALIVE_MS,
  parseNatsUrl,
  serviceSubject,
  type NatsOptions,
  type NatsTarget,
  type NatsTransportOptions,
} from './options.ts';
import { NatsSession } from './session.ts';

/** Options of {@link connectNats}. */
export type NatsConnectOptions = ConnectOptions & NatsTransportOptions;

/** NATS's own default `max_payload`, used until the server says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const HELLO_VERSION = 1;

/**
 * Opens a session with one member of the service at `url`.
 * Rejects with `unsupported` (malformed URL), `connection-failed` (NATS
 * unreachable, credentials refused, no member listening, no answer within
 * `timeoutMs`) or `aborted`.
 */
export async function connectNats(url: string, options: NatsConnectOptions = {}): Promise<Transport> {
  const target = parseNatsUrl(url);
  const nats = options.nats;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const started = Date.now();
  return guardConnect<Transport>(target.display, options, (settle) => {
    let nc: NatsConnection | undefined;
    let abandoned = false;
    void (async () => {
      nc = await openNatsConnection(target, nats, { timeoutMs, reconnect: false });
      if (abandoned) {
        void nc.close();
        return;
      }
      const connection = nc;
      const inbox = createInbox();
      const session = new NatsSession({
        nc: connection,
        inbox,
        remote: `${target.display} (${inbox})`,
        ...keepaliveOf(nats),
        maxPayload: maxPayloadOf(connection, nats),
        // The connection is this session's alone: it ends with it, after the close message went out.
        onEnd: () => void connection.flush().finally(() => connection.close()).catch(() => undefined),
      });
      watchConnection(connection, () => [session], target);
      let reply: Msg;
      try {
        reply = await connection.request(serviceSubject(target.service), JSON.stringify({ v: HELLO_VERSION, s: inbox }), {
          timeout: Math.max(1, timeoutMs - (Date.now() - started)),
        });
      } catch (error) {
        session.fail(new SparrowError(ErrorCode.ConnectionFailed, 'hello failed'));
        throw helloFailed(target, error);
      }
      const outbox = readHello(reply.data);
      if (outbox === undefined) {
        session.fail(new SparrowError(ErrorCode.ConnectionFailed, 'bad hello'));
        throw new SparrowError(ErrorCode.ConnectionFailed, `Cannot connect to ${target.display}: the member's answer is not a Sparrow session hello`);
      }
      session.attach(outbox);
      settle(undefined, session);
    })().catch((error: unknown) => {
      void nc?.close();
      settle(natsConnectFailed(target, error));
    });
    return () => {
      abandoned = true;
      void nc?.close();
    };
  });
}

/**
 * Joins the service's queue group at `url` and hands each new session to
 * `onConnection`. The listener keeps reconnecting to the URL's servers when
 * its NATS server goes away (the sessions it had end: messages may have
 * been lost). Its `url` is the one given.
 * Rejects with `unsupported` (malformed URL) or `connection-failed`.
 */
export async function listenNats(url: string, onConnection: (transport: Transport) => void, options: NatsTransportOptions = {}): Promise<Listener> {
  const target = parseNatsUrl(url);
  const nats = options.nats;
  const nc = await openNatsConnection(target, nats, { timeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, reconnect: true });
  const sessions = new Set<NatsSession>();
  let closing = false;
  const keepalive = keepaliveOf(nats);
  const subject = serviceSubject(target.service);
  nc.subscribe(subject, {
    queue: subject,
    callback: (error, msg) => {
      if (error !== null || closing) return;
      const outbox = readHello(msg.data);
      if (outbox === undefined) return; // Not a Sparrow hello: nothing to answer.
      const inbox = createInbox();
      const session = new NatsSession({
        nc,
        inbox,
        outbox,
        remote: `${target.display} (${outbox})`,
        ...keepalive,
        maxPayload: maxPayloadOf(nc, nats),
        onEnd: () => sessions.delete(session),
      });
      sessions.add(session);
      msg.respond(JSON.stringify({ v: HELLO_VERSION, s: inbox }));
      onConnection(session);
    },
  });
  watchConnection(nc, () => [...sessions], target);
  try {
    // The subscription is in place on the server once this resolves: a connector may come at once.
    await nc.flush();
  } catch (error) {
    void nc.close();
    throw natsConnectFailed(target, error);
  }
  let closed: Promise<void> | undefined;
  return {
    url,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const session of [...sessions]) session.close();
        await nc.flush().catch(() => undefined);
        await nc.close();
      })();
      return closed;
    },
  };
}

/**
 * Ends `sessions()` when their NATS connection drops or closes: a message
 * may have been lost, and a session's bytes must arrive whole and in order.
 */
function watchConnection(nc: NatsConnection, sessions: () => NatsSession[], target: NatsTarget): void {
  const end = (why: string, cause?: unknown): void => {
    const error = new SparrowError(ErrorCode.ConnectionClosed, `${target.display}: ${why}`, cause === undefined ? undefined : { cause });
    for (const session of sessions()) session.fail(error);
  };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') end(`lost the connection to NATS server ${String(status.server)}`);
    }
  })().catch(() => undefined);
  void nc.closed().then((error) => end('the NATS connection closed', error ?? undefined));
}

function keepaliveOf(nats: NatsOptions | undefined): { keepaliveMs: number; keepaliveMisses: number } {
  const keepaliveMs = nats?.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
  const keepaliveMisses = nats?.keepaliveMisses ?? DEFAULT_KEEPALIVE_MISSES;
  if (!(keepaliveMs >= 1) || !(keepaliveMisses >= 1)) throw new SparrowError(ErrorCode.InvalidParams, 'nats.keepaliveMs and nats.keepaliveMisses must be positive numbers');
  return { keepaliveMs, keepaliveMisses };
}

function maxPayloadOf(nc: NatsConnection, nats: NatsOptions | undefined): number {
  const server = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  return Math.min(server, nats?.maxPayload ?? server);
}

/** The session subject in a hello, or undefined when `data` is not one. */
function readHello(data: Uint8Array): string | undefined {
  try {
    const hello = JSON.parse(new TextDecoder().decode(data)) as { v?: unknown; s?: unknown };
    return hello.v === HELLO_VERSION && typeof hello.s === 'string' && hello.s !== '' ? hello.s : undefined;
  } catch {
    return undefined;
  }
}

/** Why the hello got no answer, as `connection-failed`. */
function helloFailed(target: NatsTarget, error: unknown): SparrowError {
  const noResponders = (error as { isNoResponders?: () => boolean } | null)?.isNoResponders?.() === true;
  if (noResponders) {
    return new SparrowError(ErrorCode.ConnectionFailed, `Cannot connect to ${target.display}: no member of service "${target.service}" is listening (NATS: no responders)`, { cause: error });
  }
  return new SparrowError(ErrorCode.ConnectionFailed, `Cannot connect to ${target.display}: no member answered (${error instanceof Error ? error.message : String(error)})`, { cause: error });
}
