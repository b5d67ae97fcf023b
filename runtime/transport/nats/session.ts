/**
 * One Sparrow session over NATS: a `Transport` between one connector and
 * one member of a service, on two subjects of their own (each side
 * subscribes to its own and publishes to the other's).
 *
 * Messages on a session subject:
 * - a non-empty payload without headers: chain bytes, in order. A chain
 *   larger than the largest NATS message is split into several; the
 *   receiver's chain decoder is incremental, so the pieces need no
 *   header of their own;
 * - an empty payload without headers: a keepalive;
 * - a message with the `Sparrow-Close` header: the other side closed.
 *
 * NATS keeps the order of the messages one connection publishes to one
 * subscriber, so chains arrive in order. It never tells a subscriber that
 * its publisher died: both sides send a keepalive when they have sent
 * nothing for an interval, and a side that hears nothing for
 * `keepaliveMisses` intervals ends the session with `connection-closed`.
 */
import { headers, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { ErrorCode, SparrowError } from '../../errors.ts';
import { chainLength, joinChain, type ChainBytes } from '../../wire.ts';
import { HandlerSlot } from '../handler-slot.ts';
import type { Transport, TransportHandlers } from '../transport.ts';

/** The header that marks a clean close. */
const CLOSE_HEADER = 'Sparrow-Close';
const EMPTY = new Uint8Array(0);
let closeHeaders: MsgHdrs | undefined;

/** What a session needs from its owner. */
export interface NatsSessionOptions {
  readonly nc: NatsConnection;
  /** The subject this side receives on (already chosen; the session subscribes to it). */
  readonly inbox: string;
  /** The subject the other side receives on, when known (a connector learns it from the reply). */
  readonly outbox?: string;
  /** Describes the other end. */
  readonly remote: string;
  readonly keepaliveMs: number;
  readonly keepaliveMisses: number;
  /** Largest message to publish; longer chains are split. */
  readonly maxPayload: number;
  /** Called once the session ended (its subscription is gone by then). */
  readonly onEnd?: () => void;
}

/** A session's transport. */
export class NatsSession implements Transport {
  readonly scheme = 'nats';
  readonly remote: string;
  readonly #nc: NatsConnection;
  readonly #subscription: Subscription;
  readonly #maxPayload: number;
  readonly #keepaliveMs: number;
  readonly #keepaliveMisses: number;
  readonly #onEnd: (() => void) | undefined;
  #outbox: string | undefined;
  readonly #slot = new HandlerSlot();
  #finished = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sentSinceTick = false;
  #heardSinceTick = true;
  #silentTicks = 0;
  #lastTick = Date.now();
  #unflushed = 0;
  #flushing: Promise<void> | undefined;

  constructor(options: NatsSessionOptions) {
    this.#nc = options.nc;
    this.remote = options.remote;
    this.#outbox = options.outbox;
    this.#maxPayload = Math.max(1, options.maxPayload);
    this.#keepaliveMs = options.keepaliveMs;
    this.#keepaliveMisses = options.keepaliveMisses;
    this.#onEnd = options.onEnd;
    this.#subscription = options.nc.subscribe(options.inbox, { callback: (error, msg) => this.#receive(error, msg) });
    if (options.outbox !== undefined) this.#startKeepalive();
  }

  /** Sets the other side's subject (the connector, once the member replied) and starts the keepalive. */
  attach(outbox: string): void {
    this.#outbox = outbox;
    this.#startKeepalive();
  }

  start(handlers: TransportHandlers): void {
    this.#slot.start(handlers);
  }

  send(chain: ChainBytes): void {
    if (this.#finished || this.#outbox === undefined) return;
    const length = chainLength(chain);
    const bytes = joinChain(chain);
    try {
      if (length <= this.#maxPayload) {
        this.#nc.publish(this.#outbox, bytes);
      } else {
        // Pieces of one chain, back to back: the other side's decoder reassembles them.
        for (let offset = 0; offset < length; offset += this.#maxPayload) {
          this.#nc.publish(this.#outbox, bytes.subarray(offset, Math.min(length, offset + this.#maxPayload)));
        }
      }
    } catch (error) {
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote}: cannot publish: ${messageOf(error)}`, { cause: error }));
      return;
    }
    this.#sentSinceTick = true;
    this.#unflushed += length;
  }

  /** Bytes published since the last flush NATS confirmed. */
  get bufferedAmount(): number {
    return this.#unflushed;
  }

  /** Resolves once NATS has taken everything published so far (a flush: the server answered a ping sent after it). */
  drained(): Promise<void> {
    if (this.#unflushed === 0 || this.#finished) return Promise.resolve();
    if (this.#flushing === undefined) {
      const flushed = this.#unflushed;
      const done = (): void => {
        this.#unflushed = Math.max(0, this.#unflushed - flushed);
        this.#flushing = undefined;
      };
      this.#flushing = this.#nc.flush().then(done, done);
    }
    return this.#flushing;
  }

  close(): void {
    if (this.#finished) return;
    if (this.#outbox !== undefined) {
      try {
        closeHeaders ??= createCloseHeaders();
        this.#nc.publish(this.#outbox, EMPTY, { headers: closeHeaders });
      } catch {
        // The connection is gone already: the other side's keepalive notices.
      }
    }
    this.#finish(undefined);
  }

  /** Ends the session from outside (its NATS connection was lost or closed). */
  fail(error: Error): void {
    this.#finish(error);
  }

  get isFinished(): boolean {
    return this.#finished;
  }

  #receive(error: Error | null, msg: Msg): void {
    if (this.#finished) return;
    if (error !== null) {
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote}: NATS subscription failed: ${error.message}`, { cause: error }));
      return;
    }
    this.#heardSinceTick = true;
    const data = msg.data;
    if (msg.headers !== undefined) {
      if (msg.headers.has(CLOSE_HEADER)) this.#finish(undefined);
      return;
    }
    if (data.length === 0) return; // keepalive
    this.#slot.data(data);
  }

  #startKeepalive(): void {
    if (this.#timer !== undefined || this.#finished) return;
    this.#lastTick = Date.now();
    this.#timer = setInterval(() => this.#tick(), this.#keepaliveMs);
    // A session never keeps the process alive by its keepalive alone.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #tick(): void {
    const now = Date.now();
    // A tick that comes late means this event loop was blocked: messages may be waiting unread, so silence proves nothing.
    const late = now - this.#lastTick > 2 * this.#keepaliveMs;
    this.#lastTick = now;
    if (this.#heardSinceTick || late) {
      this.#silentTicks = 0;
      this.#heardSinceTick = false;
    } else if (++this.#silentTicks >= this.#keepaliveMisses) {
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote}: no sign of life for ${this.#silentTicks * this.#keepaliveMs} ms; the other side is gone`));
      return;
    }
    if (!this.#sentSinceTick && this.#outbox !== undefined) {
      try {
        this.#nc.publish(this.#outbox, EMPTY);
      } catch (error) {
        this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote}: cannot publish: ${messageOf(error)}`, { cause: error }));
        return;
      }
    }
    this.#sentSinceTick = false;
  }

  #finish(error: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    try {
      this.#subscription.unsubscribe();
    } catch {
      // Closed connections have no subscriptions left.
    }
    this.#onEnd?.();
    this.#slot.close(error);
  }
}

function createCloseHeaders(): MsgHdrs {
  const h = headers();
  h.set(CLOSE_HEADER, '1');
  return h;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
