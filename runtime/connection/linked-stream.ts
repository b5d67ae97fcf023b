/**
 * The streams of a reconnecting peer (reconnecting-peer.ts): a stream opened
 * while the link is down waits for it, and a subscription (`resubscribe`)
 * opens again on every new connection. Browser-safe.
 */
import type { Params } from '../envelope/message.ts';
import { ErrorCode, type SparrowError } from '../errors.ts';
import { DONE, WrappedStream } from '../rpc/wrapped-stream.ts';
import type { Peer, StreamOptions } from '../rpc/types.ts';

/** What a LinkedStream asks of its reconnecting peer. */
export interface StreamLink {
  /** The connection's peer while it is up. */
  live(): Peer | undefined;
  /**
   * The next connection's peer, and what is left of `timeoutMs` (undefined
   * when it waited for nothing); rejects with `timeout`, `aborted` (either
   * signal) or `connection-closed` (the peer closed for good).
   */
  whenLinked(target: string, timeoutMs: number | undefined, signal: AbortSignal | undefined, stop?: AbortSignal): Promise<[Peer, number | undefined]>;
  /** Closed for good (not a drop). */
  readonly isClosed: boolean;
}

/**
 * A stream opened through a reconnecting peer while the link was down, or
 * with `resubscribe`: it waits for the link before it opens, and (with
 * `resubscribe`) opens again on the next connection when a drop ends it.
 */
export class LinkedStream<T> extends WrappedStream<T> {
  private readonly owner: StreamLink;
  private readonly target: string;
  private readonly params: Params | undefined;
  private readonly options: StreamOptions;
  private opened = false;
  /** Aborts a wait for the link when the stream is cancelled. */
  private readonly stop = new AbortController();

  constructor(owner: StreamLink, target: string, params: Params | undefined, options: StreamOptions) {
    super();
    this.owner = owner;
    this.target = target;
    this.params = params;
    this.options = options;
    const peer = owner.live();
    if (peer !== undefined) this.open(peer, options);
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    const resubscribe = this.options.resubscribe === true;
    for (;;) {
      if (this.cancelled) return DONE;
      if (this.inner === undefined) {
        if (this.opened && !resubscribe) return DONE;
        // A subscription waits as long as it takes; a plain stream up to its timeout.
        const wait = resubscribe ? 0 : this.options.timeoutMs;
        try {
          const [peer, timeoutMs] = await this.owner.whenLinked(this.target, wait, this.options.signal, this.stop.signal);
          if (this.cancelled) return DONE;
          this.open(peer, timeoutMs === undefined || resubscribe ? this.options : { ...this.options, timeoutMs });
        } catch (error) {
          if (this.cancelled) return DONE;
          this.opened = true;
          throw error;
        }
      }
      try {
        return await this.inner!.next();
      } catch (error) {
        // A drop ends this connection's subscription; the next connection gets a new one.
        if (resubscribe && !this.cancelled && !this.owner.isClosed && (error as SparrowError).code === ErrorCode.ConnectionClosed) {
          this.inner = undefined;
          continue;
        }
        throw error;
      }
    }
  }

  protected onCancel(): void {
    this.stop.abort();
  }

  private open(peer: Peer, options: StreamOptions): void {
    this.opened = true;
    this.inner = peer.callStream<T>(this.target, this.params, options);
  }
}
