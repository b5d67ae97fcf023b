/**
 * Flow control of multipart answers (`#sys.credit`, docs/protocol-extensions.md),
 * both halves' wire and the callee's bookkeeping: the grant message, the
 * credit of each paced answer, and grants that arrive before their request.
 * The caller's window lives with its stream (stream-reader.ts).
 */
import type { MessageId, NotificationMessage, WireFormat } from '../envelope/message.ts';
import type { CallPacer, IncomingCall } from './incoming-call.ts';
import type { Outbox } from './outbox.ts';
import { SYSTEM_NAMESPACE } from './map-registry.ts';

/**
 * Default flow-control window of a stream (`StreamOptions.window`): items
 * unread + items the callee may still send. Large enough that a fast
 * consumer rarely waits on a grant round trip (grants go out every
 * window/2 items), small enough to bound a slow consumer's buffer. 1024
 * rather than 256: the bench's 100k-item stream (separate processes,
 * tcp+msgpack, one part per item) went from 255–315k to 387–443k items/s,
 * server peak RSS +2–4 MiB; 2048 measured no better then. 4096 since
 * batches (feature `batch`): the grant round trip became the cost that is
 * left (both sides ~50 % idle at 1024); 21 streams of 100k items took 22 %
 * less client CPU and ran 15–25 % faster at 4096 than at 1024, and 8192
 * measured no better than 4096.
 */
export const DEFAULT_STREAM_WINDOW = 4096;
/** Credit grants held for requests that have not arrived (yet, or ever): oldest evicted beyond this. */
const MAX_EARLY_GRANTS = 1024;
/** The largest credit trusted or held (2^31 - 1: more than any window). */
export const MAX_CREDIT = 0x7fffffff;

/** {n: "credit", s: "#sys"} [{id, n}], the initial grant of a batched stream with `batch: true`. */
export function sendCredit(outbox: Outbox, format: WireFormat, id: MessageId, n: number, batch = false): void {
  outbox.link.send(
    { kind: 'notification', target: 'credit', namespace: SYSTEM_NAMESPACE, params: batch ? { id, n, batch } : { id, n } } satisfies NotificationMessage,
    format,
  );
}

/** The credit of one paced multipart answer: items it may still send. */
export class Credit implements CallPacer {
  credit: number;
  /** The caller asked for batched parts (`batch: true` in its first grant, feature `batch`). */
  readonly batch: boolean;
  private waiter: (() => void) | undefined = undefined;

  constructor(credit: number, batch: boolean) {
    this.credit = credit;
    this.batch = batch;
  }

  grant(n: number): void {
    this.credit += n;
    this.stop();
  }

  stop(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    waiter();
  }

  /** Resolves once the caller granted credit, or the call was stopped. */
  granted(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiter = resolve;
    });
  }
}

/** The callee's side of one peer: grants reach running answers, or wait (bounded) for their request. */
export class CreditLedger {
  /** Grants for requests not seen yet (the caller grants before it sends): their id → items, and the batch opt-in. */
  private readonly early = new Map<MessageId, { n: number; batch: boolean }>();
  private readonly running: (id: MessageId) => IncomingCall | undefined;

  constructor(running: (id: MessageId) => IncomingCall | undefined) {
    this.running = running;
  }

  /**
   * A `#sys.credit` grant: feeds a running flow-controlled answer, or is held
   * (bounded) until its request arrives. `batch` counts only before the
   * request: a running answer keeps the form it started in.
   */
  onCredit(id: MessageId, n: number, batch: boolean): void {
    const call = this.running(id);
    if (call !== undefined) {
      // A grant for an answer the caller did not pace is moot.
      call.pacer?.grant(n);
      return;
    }
    const early = this.early.get(id);
    if (early !== undefined) {
      // The opt-in is the first grant's: a later one only adds credit.
      early.n = Math.min(early.n + n, MAX_CREDIT);
      return;
    }
    // Grants for ids that never arrive (or already ended) must not grow memory: evict the oldest.
    if (this.early.size >= MAX_EARLY_GRANTS) this.early.delete(this.early.keys().next().value!);
    this.early.set(id, { n, batch });
  }

  /** A request starts: a grant held for it paces its answer (only a multipart answer is paced). */
  claim(call: IncomingCall, multipart: boolean): void {
    if (this.early.size === 0) return;
    const granted = this.early.get(call.id!);
    if (granted === undefined) return;
    this.early.delete(call.id!);
    if (multipart) call.pacer = new Credit(granted.n, granted.batch);
  }
}
