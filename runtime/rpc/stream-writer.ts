/**
 * The callee's side of a multipart response (§7.7): what a multipart
 * handler returned goes out as {pm: N} [item] per item, then {pmt: N}; an
 * error part-way goes out as {x: N}. Paced by the caller's credit when it
 * asked for flow control; a caller that opted in to batches (feature
 * `batch`) gets {pm: N} [[item, ...]] instead.
 */
import type { ResponseMessage } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Credit } from './flow-control.ts';
import { isIterable, isThenable } from '../values.ts';
import { whenDrained } from '../wire.ts';
import { openIterator } from './guards.ts';
import type { IncomingCall } from './incoming-call.ts';
import { nextMacrotask } from './macrotask.ts';
import { sendFailure, sendResponse, type Outbox } from './outbox.ts';
import { describeTarget } from './map-registry.ts';

/**
 * Batched multipart answers (feature `batch`): a batch aims at this many
 * encoded bytes; its item count is set from the bytes per item the last
 * batch measured, so small items go out by the thousand (one chain, one
 * envelope, one decode for all of them) and big ones a few at a time.
 */
const BATCH_BYTES = 65_536; // 64 KiB (a literal: a bundler keeps a product it cannot prove pure)
/** Items in the first batch of a stream, before anything was measured. */
const FIRST_BATCH_ITEMS = 64;
/** The most items in one batch, whatever they weigh. */
const MAX_BATCH_ITEMS = 4096;
/**
 * A multipart handler waits for the link to drain when more than this many
 * bytes are queued (without flow control, the only brake on a fast
 * generator). At 1 MiB a stream of ~30-byte items queued ~35,000 messages
 * per tick: the server's heap grew to 140–156 MiB and the two processes
 * took turns instead of overlapping; 256 KiB keeps the socket busy with
 * less in memory.
 */
const SEND_HIGH_WATER_MARK = 262_144; // 256 KiB

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/**
 * A yielded stream item as it will be sent. Bytes are copied as they are
 * yielded: large ones otherwise go out by reference (and a batch is encoded
 * later still), and a producer that refills one buffer and yields it again
 * must not change items already queued.
 */
function ownItem(value: unknown): unknown {
  return value instanceof Uint8Array ? value.slice() : value;
}

/** A multipart answer being sent in batches: the items gathered and how many make a batch. */
interface BatchState {
  items: unknown[];
  limit: number;
  /** What the gathered bytes and strings weigh (other items count nothing: only encoding measures them). */
  weight: number;
  /** A deferred flush is scheduled. */
  scheduled: boolean;
}

/** Sends the multipart answers of one peer. */
export class StreamWriter {
  private readonly outbox: Outbox;

  constructor(outbox: Outbox) {
    this.outbox = outbox;
  }

  /**
   * Sends `result` (an iterable) as the parts of `call`'s answer, then the
   * terminator; throws (the dispatcher answers `x`) when it is no iterable
   * or the iterator throws.
   */
  async answer(call: IncomingCall, result: unknown): Promise<void> {
    if (!isIterable(result)) {
      throw new SparrowError(ErrorCode.CalleeError, `multipart handler ${describeTarget(call.namespace, call.target)} returned no iterable`);
    }
    const iterator = openIterator(result);
    const credit = call.pacer as Credit | undefined;
    let done = false;
    try {
      done = credit?.batch === true ? await this.sendBatches(call, credit, iterator) : await this.sendEach(call, credit, iterator);
    } finally {
      if (!done) {
        const closing = iterator.return?.();
        if (isThenable(closing)) await closing;
      }
    }
    if (!call.silenced) {
      sendResponse(this.outbox, { kind: 'response', to: call.id!, multipart: true, final: 'terminator', ack: false, hasResult: false }, call.format);
    }
  }

  /** One part per item. Returns true when the iterator finished. */
  private async sendEach(call: IncomingCall, credit: Credit | undefined, iterator: AnyIterator): Promise<boolean> {
    const link = this.outbox.link;
    while (!call.silenced) {
      // Flow control: the producing iterator is not pulled until the caller has room.
      if (credit !== undefined && credit.credit === 0) {
        await credit.granted();
        if (call.silenced) break;
      }
      let step = iterator.next();
      if (isThenable(step)) step = await step;
      if (step.done === true) return true;
      if (call.silenced) break;
      const part: ResponseMessage = { kind: 'response', to: call.id!, multipart: true, ack: false, hasResult: false };
      if (step.value !== undefined && step.value !== null) {
        part.hasResult = true;
        part.result = ownItem(step.value);
      }
      if (credit !== undefined) credit.credit--;
      if (!sendResponse(this.outbox, part, call.format)) {
        // The part went out as an exception: that ended the stream for the caller.
        call.silenced = true;
        break;
      }
      // Backpressure from the transport: a fast generator must not fill memory.
      if (link.bufferedAmount > SEND_HIGH_WATER_MARK) await whenDrained(link);
    }
    return false;
  }

  /**
   * Batched parts, {pm: N} [[item, ...]]: a batch takes what the iterator has
   * ready without waiting for more. A sync iterator is pulled until the
   * credit or the batch size runs out; when an async iterator's next item is
   * not ready, what was gathered leaves in the next macrotask (or sooner,
   * once the batch fills), so no item waits on a slow producer. Credit
   * counts items, as unbatched. Returns true when the iterator finished;
   * what was gathered is sent first, also when the iterator throws.
   */
  private async sendBatches(call: IncomingCall, credit: Credit, iterator: AnyIterator): Promise<boolean> {
    const link = this.outbox.link;
    const state: BatchState = { items: [], limit: FIRST_BATCH_ITEMS, weight: 0, scheduled: false };
    try {
      while (!call.silenced) {
        if (credit.credit === 0) {
          if (!this.flushBatch(call, state)) break;
          await credit.granted();
          if (call.silenced) break;
        }
        let step = iterator.next();
        if (isThenable(step)) {
          if (state.items.length > 0 && !state.scheduled) {
            state.scheduled = true;
            // An async producer's gathered items leave in the next macrotask, unless the batch fills first.
            nextMacrotask(() => {
              state.scheduled = false;
              this.flushBatch(call, state);
            });
          }
          step = await step;
        }
        if (step.done === true) return true;
        if (call.silenced) break;
        const item = ownItem(step.value);
        state.items.push(item);
        credit.credit--;
        // A batch is full at its item limit, or at BATCH_BYTES of blobs and text: the first batch is sized before
        // anything was measured, and 64 blobs of 1 MiB went out in one tick, past a listener's output hard mark.
        if (item instanceof Uint8Array || typeof item === 'string') state.weight += item.length;
        if (state.items.length >= state.limit || state.weight >= BATCH_BYTES) {
          if (!this.flushBatch(call, state)) break;
          // Backpressure from the transport: a fast generator must not fill memory.
          if (link.bufferedAmount > SEND_HIGH_WATER_MARK) await whenDrained(link);
        }
      }
      return false;
    } finally {
      this.flushBatch(call, state);
    }
  }

  /** Sends the gathered items as one part, if any. Returns false once the answer was stopped (nothing more may go out). */
  private flushBatch(call: IncomingCall, state: BatchState): boolean {
    if (call.silenced) return false;
    const items = state.items;
    if (items.length === 0) return true;
    state.items = [];
    state.weight = 0;
    if (this.sendBatch(call, items, state)) return true;
    call.silenced = true;
    return false;
  }

  /**
   * {pm: N} [[item, ...]]. A batch over `maxMessageBytes` or that fails to
   * encode is split in halves, so the items before a bad one still go out
   * and the bad one alone is answered with `x`, as unbatched. Returns
   * false when it ended the answer that way (or the peer is closed).
   */
  private sendBatch(call: IncomingCall, items: unknown[], state: BatchState): boolean {
    const outbox = this.outbox;
    if (outbox.closed) return false;
    const part: ResponseMessage = { kind: 'response', to: call.id!, multipart: true, ack: false, hasResult: true, result: items };
    const sent = outbox.attempt(part, call.format);
    if (typeof sent === 'number') {
      // Unmeasured (0): the batch size stays where it is.
      if (sent > 0) state.limit = Math.max(1, Math.min(MAX_BATCH_ITEMS, Math.floor((items.length * Math.min(BATCH_BYTES, outbox.maxMessageBytes / 2)) / sent)));
      return true;
    }
    if (items.length > 1) {
      const half = items.length >> 1;
      return this.sendBatch(call, items.slice(0, half), state) && this.sendBatch(call, items.slice(half), state);
    }
    sendFailure(outbox, call.id!, sent, call.format);
    return false;
  }
}
