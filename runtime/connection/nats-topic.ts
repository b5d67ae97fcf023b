/**
 * A topic shared by every member of a service through a NATS subject
 * (`sparrow.<service>.topic.<name>`): `publish` on any member reaches the
 * subscribers of every member. Each member keeps a local `createTopic`
 * for its own subscribers, so their bounded queues and overflow policy are
 * unchanged; NATS carries each value once per member, msgpack-encoded.
 *
 * A published value goes out through NATS and comes back to this member
 * like to the others, so every member delivers values in the one order
 * NATS gives them. `publish` never waits: the NATS client buffers, and
 * while it reconnects it keeps what was published for the next server.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { msgpackSerialiser } from '../serialisation/msgpack.ts';
import { LARGE_BYTES } from '../serialisation/serialiser.ts';
import { consoleLogger, type Logger } from '../rpc/logger.ts';
import { createTopic, type Topic, type TopicOptions } from '../rpc/topic.ts';
import { openNatsConnection } from '../transport/nats/connection.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../transport/connect-guard.ts';
import { checkTopicName, parseNatsUrl, topicSubject, type NatsOptions } from '../transport/nats/options.ts';

/** Options of {@link connectNatsTopic}: the local topic's plus the NATS connection's. */
export interface NatsTopicOptions extends TopicOptions {
  /** TLS, credentials (see the `nats` option of `connectPeer`). */
  nats?: NatsOptions;
  /** Where undecodable values are reported (default consoleLogger). */
  logger?: Logger;
  /** Give up connecting to NATS after this many ms (default 10 000). */
  connectTimeoutMs?: number;
}

/** A cluster-wide topic: export `handler` with `{ multipart: true }` on every member, publish on any. */
export interface NatsTopic<T> extends Topic<T> {
  /** The NATS subject the values travel on. */
  readonly subject: string;
  /**
   * Resolves once the NATS server has taken every value published so far
   * (and this member has been handed its own copies of them). `publish`
   * never needs it; it is for a publisher about to exit.
   */
  flush(): Promise<void>;
  /** Ends the local subscriptions and leaves NATS; resolves once the NATS connection is closed. */
  close(): Promise<void>;
}

/**
 * Connects to NATS at `url` (`nats://…/<service>`) and joins the topic
 * `name` of that service. Values must be msgpack-encodable.
 *
 * Rejects with `unsupported` (malformed URL), `invalid-params` (a topic
 * name other than letters, digits, `_` and `-`) and `connection-failed`.
 * `publish` throws `serialisation-error` for a value msgpack cannot carry.
 */
export async function connectNatsTopic<T>(url: string, name: string, options: NatsTopicOptions = {}): Promise<NatsTopic<T>> {
  const target = parseNatsUrl(url);
  checkTopicName(name);
  const logger = options.logger ?? consoleLogger;
  const localOptions: TopicOptions = {};
  if (options.bufferSize !== undefined) localOptions.bufferSize = options.bufferSize;
  if (options.overflow !== undefined) localOptions.overflow = options.overflow;
  const local = createTopic<T>(localOptions);
  const nc = await openNatsConnection(target, options.nats, { timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, reconnect: true });
  const subject = topicSubject(target.service, name);
  nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error !== null) return;
      let value: T;
      try {
        // The NATS client lends its read buffer: large input must be memory of its own (Serialiser.decode).
        value = msgpackSerialiser.decode(msg.data.length >= LARGE_BYTES ? msg.data.slice() : msg.data) as T;
      } catch (cause) {
        logger.warn(`topic ${subject}: dropped a value that is not msgpack`, cause);
        return;
      }
      local.publish(value);
    },
  });
  // Subscribed on the server before anyone is told the topic is ready.
  await nc.flush();
  let closed: Promise<void> | undefined;
  return {
    subject,
    handler: local.handler,
    get subscriberCount() {
      return local.subscriberCount;
    },
    publish(value: T) {
      // A copy (msgpackr returns a Buffer, whose slice() would be a view): the encoder reuses its buffer, and NATS sends on a later microtask.
      const bytes = new Uint8Array(msgpackSerialiser.encode(value));
      try {
        nc.publish(subject, bytes);
      } catch (cause) {
        throw new SparrowError(ErrorCode.ConnectionClosed, `topic ${subject}: the NATS connection is closed`, { cause });
      }
    },
    flush() {
      return nc.flush();
    },
    close() {
      closed ??= (async () => {
        local.close();
        await nc.flush().catch(() => undefined);
        await nc.close();
      })();
      return closed;
    },
  };
}
