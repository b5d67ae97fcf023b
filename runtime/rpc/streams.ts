/**
 * The streams feature: multipart calls (`Peer.callStream`) and multipart
 * answers, with flow control (`#sys.credit`) and batches. A peer has it
 * when made by `createPeer`, or when given `streamsFeature`; generated code
 * names it only for a schema with stream results or topics.
 */
import type { Params } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { discoveryFeature } from './discovery.ts';
import { defineFeature, type PeerCore, type StreamsPart } from './features.ts';
import { CreditLedger, DEFAULT_STREAM_WINDOW, sendCredit } from './flow-control.ts';
import type { IncomingCall } from './incoming-call.ts';
import { positiveOption } from './guards.ts';
import { sendRequest } from './outgoing.ts';
import type { PendingEntry } from './pending-call.ts';
import { DEFAULT_MAX_STREAM_BUFFER_BYTES, PendingStream, type StreamOwner } from './stream-reader.ts';
import { StreamWriter } from './stream-writer.ts';
import type { CallStream, StreamOptions } from './types.ts';

export { DEFAULT_MAX_STREAM_BUFFER_BYTES };

/** Default limit of unread multipart parts buffered per stream. */
export const DEFAULT_MAX_STREAM_BUFFER = 10_000;

class Streams implements StreamsPart, StreamOwner {
  private readonly core: PeerCore;
  private readonly writer: StreamWriter;
  private readonly ledger: CreditLedger;
  private readonly maxBuffer: number;
  private readonly maxBufferBytes: number;

  /** @throws SparrowError `invalid-params` for a `maxStreamBuffer` or `maxStreamBufferBytes` that is not a positive number. */
  constructor(core: PeerCore) {
    this.core = core;
    this.maxBuffer = positiveOption('maxStreamBuffer', core.options.maxStreamBuffer, DEFAULT_MAX_STREAM_BUFFER);
    this.maxBufferBytes = positiveOption('maxStreamBufferBytes', core.options.maxStreamBufferBytes, DEFAULT_MAX_STREAM_BUFFER_BYTES);
    this.writer = new StreamWriter(core.outbox);
    this.ledger = new CreditLedger((id) => core.parts.dispatcher?.incomingCall(id));
  }

  callStream<T>(target: string, params: Params | undefined, options: StreamOptions): CallStream<T> {
    const core = this.core;
    const maxBuffer = options.maxBuffer ?? this.maxBuffer;
    const entry = new PendingStream<T>(this, target, maxBuffer, options.maxBufferBytes ?? this.maxBufferBytes);
    const discovery = core.parts.discovery;
    if (discovery?.has('credit')) {
      const window = options.window ?? DEFAULT_STREAM_WINDOW;
      // Infinity (or anything not ≥ 1) = no flow control; never more than the buffer may hold.
      if (window >= 1 && window !== Infinity) {
        entry.window = Math.min(Math.floor(window), maxBuffer);
        // Batches only with flow control: the grant is where the caller opts in.
        entry.batched = discovery.has('batch');
      }
    }
    sendRequest(core, entry, target, params, options, (message) => {
      if (entry.window === 0) return undefined;
      // The initial grant goes out first: one connection is ordered, so the
      // callee knows the request is flow-controlled before it arrives.
      entry.outstanding = entry.window;
      try {
        sendCredit(core.outbox, core.format, message.id, entry.window, entry.batched);
        return undefined;
      } catch (error) {
        return SparrowError.from(error, ErrorCode.SerialisationError);
      }
    });
    if (entry.timeoutMs > 0) entry.lastActivity = entry.deadline - entry.timeoutMs;
    return entry;
  }

  answer(call: IncomingCall, result: unknown): Promise<void> {
    return this.writer.answer(call, result);
  }

  claimGrant(call: IncomingCall, multipart: boolean): void {
    this.ledger.claim(call, multipart);
  }

  onCredit(id: PendingEntry['id'] | string, n: number, batch: boolean): void {
    this.ledger.onCredit(id, n, batch);
  }

  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void {
    this.core.calls.cancelEntry(entry, error);
  }

  grantCredit(entry: PendingEntry, n: number): void {
    const core = this.core;
    if (core.isClosed || !core.calls.has(entry)) return;
    sendCredit(core.outbox, core.format, entry.id, n);
  }
}

/**
 * Multipart calls and answers, flow control and batches (extensions
 * `batch` and `credit`). Give it to a peer made without it (`PeerOptions.features`)
 * or to a target that needs it (`ExportOptions.features`).
 */
export const streamsFeature = /* @__PURE__ */ defineFeature('streams', ['batch', 'credit'], (core) => {
  // Credit and batches start once `remoteFeatures()` reported them.
  core.use([discoveryFeature]);
  return new Streams(core);
});
