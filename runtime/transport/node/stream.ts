/**
 * The Node stream transport core shared by tcp, unix, tls and stdio: chains
 * go out back to back on a byte stream (PROTOCOL.md §2), coalesced per tick.
 *
 * Write coalescing: `send` only queues; one `process.nextTick` flush per tick
 * copies runs of small chains (and pieces) into a single buffer and hands
 * chains and pieces of 64 KiB or more to the stream as they are (copying them
 * would cost more than the extra iovec), all inside one cork/uncork so the OS
 * sees one writev. A large payload sent in pieces thus goes from the caller's
 * array to the socket with no copy. Measured
 * on loopback TCP, 100,000 chains of 24 bytes in one tick: 136 ms written one
 * by one, 37 ms with cork + nextTick uncork, 12 ms gathered; one 1 MiB chain
 * takes 0.8 ms with every strategy.
 *
 * Early flushes: a tick that queues many chains (a server answering a batch
 * of pipelined calls) writes the first 16 at once, then 32 more, then 64...,
 * and the rest at the end of the tick. The other side starts on the first
 * answers while this side still works on the later ones, instead of both
 * taking turns; doubling keeps the extra writes per tick logarithmic. In the
 * pipelined bench (64 calls in flight, tcp+msgpack) this took 265-330k to
 * 400-475k calls/s.
 */
import { Buffer } from 'node:buffer';
import type { Duplex, Readable, Writable } from 'node:stream';
import { ErrorCode, SparrowError } from '../../errors.ts';
import type { ChainBytes, CloseReason, ConnectionFacts, Transport, TransportHandlers } from '../transport.ts';
import { FIRST_EARLY_FLUSH_WRITES } from './cork.ts';

/** Chains at least this long skip the gather copy. */
const DIRECT_WRITE_BYTES = 64 * 1024;
/** How long a graceful close waits for the other side before tearing the socket down. */
export const CLOSE_GRACE_MS = 2000;

/** How a stream transport is wired to its streams and how it is torn down. */
export interface StreamTransportOptions {
  scheme: string;
  remote: string;
  readable: Readable;
  writable: Writable;
  /**
   * Set when the readable is a socket connected with this reader's `onread`
   * (reads land in one reused buffer): data then comes from the reader,
   * not from 'data' events.
   */
  reader?: StaticReader;
  /**
   * Starts a graceful close once queued chains are handed to the stream
   * (for a socket: end() then destroy after a grace period). The owner
   * reports the final closure through `finish`.
   */
  shutdown(): void;
  /** Tears the connection down at once, dropping what is queued (a consumer that does not read). Default: shutdown. */
  abort?(): void;
}

/**
 * A Transport over a readable and a writable byte stream. The owner detects
 * the end of the connection and calls `finish` exactly when it is over; the
 * class guarantees `onClose` runs once.
 */
export class StreamTransport implements Transport {
  readonly scheme: string;
  readonly remote: string;
  /** Set by the listener that accepted the socket. */
  facts: ConnectionFacts | undefined = undefined;
  readonly #readable: Readable;
  readonly #writable: Writable;
  readonly #shutdown: () => void;
  readonly #abort: () => void;
  readonly #reader: StaticReader | undefined;
  #handlers: TransportHandlers | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;
  /** Queued chains that trigger the next early flush in this tick (cork.ts's rule, counted in chains). */
  #flushAt = FIRST_EARLY_FLUSH_WRITES;
  /** close() was called: sends are dropped, incoming bytes are discarded. */
  #closing = false;
  /** The connection is over; `#closeError` holds why, if it broke. */
  #finished = false;
  #closeError: Error | undefined;
  #closeReported = false;
  #drainWaiters: (() => void)[] = [];

  constructor(options: StreamTransportOptions) {
    this.scheme = options.scheme;
    this.remote = options.remote;
    this.#readable = options.readable;
    this.#writable = options.writable;
    this.#shutdown = options.shutdown;
    this.#abort = options.abort ?? options.shutdown;
    this.#reader = options.reader;
    // 'drain' only fires after a write returned false; the write callbacks cover the rest.
    this.#writable.on('drain', this.#checkDrained);
  }

  /** True once close() was called or the connection ended. */
  get closed(): boolean {
    return this.#closing || this.#finished;
  }

  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new SparrowError(ErrorCode.InvalidState, 'transport already started');
    this.#handlers = handlers;
    if (this.#finished) {
      this.#reportClose();
      return;
    }
    // Until now the readable stayed paused, so the OS buffered early bytes for us.
    if (this.#reader !== undefined) {
      const target = (): Uint8Array | undefined => (this.#closing ? undefined : this.#handlers?.receiveBuffer?.());
      this.#reader.attach((chunk) => {
        if (!this.#closing) this.#handlers?.onData(chunk);
      }, this.#readable, target);
    } else {
      this.#readable.on('data', (chunk: Uint8Array) => {
        if (!this.#closing) this.#handlers?.onData(chunk);
      });
    }
  }

  send(chain: ChainBytes): void {
    if (this.#closing || this.#finished) return;
    if (chain instanceof Uint8Array) {
      if (chain.length === 0) return;
      this.#pending.push(chain);
      this.#pendingBytes += chain.length;
    } else {
      // Pieces join the queue one by one: a large one is then written as it is, small ones are gathered.
      for (const piece of chain) {
        if (piece.length === 0) continue;
        this.#pending.push(piece);
        this.#pendingBytes += piece.length;
      }
    }
    if (this.#pending.length >= this.#flushAt) {
      this.#flushAt *= 2;
      this.#writePending();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flush);
    }
  }

  get bufferedAmount(): number {
    if (this.#finished) return 0;
    return this.#pendingBytes + this.#writable.writableLength;
  }

  drained(): Promise<void> {
    if (this.bufferedAmount === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  close(reason?: CloseReason): void {
    if (this.#closing || this.#finished) return;
    if (reason?.abort === true) {
      // A slow consumer: what it did not read is dropped, not flushed.
      this.#closing = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#abort();
      return;
    }
    // Chains sent earlier in this tick still go out, ahead of the end of stream.
    this.#flush();
    this.#closing = true;
    // Keep reading (and discarding) so the other side's end of stream is seen.
    if (this.#handlers === undefined) {
      if (this.#reader !== undefined) this.#reader.attach(() => {}, this.#readable);
      else this.#readable.on('data', () => {});
    }
    this.#shutdown();
  }

  pause(): void {
    this.#readable.pause();
  }

  resume(): void {
    if (!this.#closing && !this.#finished) this.#readable.resume();
  }

  /**
   * Called by the owner when the connection is over (once; later calls are
   * ignored). `error` is why it broke; a close we asked for is always clean.
   */
  finish(error?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#closeError = this.#closing ? undefined : error;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#checkDrained();
    if (this.#handlers !== undefined) this.#reportClose();
  }

  #reportClose(): void {
    if (this.#closeReported) return;
    this.#closeReported = true;
    const handlers = this.#handlers;
    const error = this.#closeError;
    if (handlers === undefined) return;
    if (error === undefined) handlers.onClose();
    else handlers.onClose(error);
  }

  /** The end-of-tick flush. */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.#flushAt = FIRST_EARLY_FLUSH_WRITES;
    this.#writePending();
  };

  #writePending(): void {
    const list = this.#pending;
    if (list.length === 0) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    const writable = this.#writable;
    // Writing after end() would raise ERR_STREAM_WRITE_AFTER_END: the other side already left.
    if (this.#finished || writable.writableEnded || writable.destroyed) return;
    writable.cork();
    let run: Uint8Array[] = [];
    let runBytes = 0;
    for (const chain of list) {
      if (chain.length >= DIRECT_WRITE_BYTES) {
        if (run.length > 0) {
          this.#write(run, runBytes);
          run = [];
          runBytes = 0;
        }
        writable.write(chain, this.#afterWrite);
      } else {
        run.push(chain);
        runBytes += chain.length;
      }
    }
    if (run.length > 0) this.#write(run, runBytes);
    writable.uncork();
  }

  #write(run: Uint8Array[], bytes: number): void {
    const data = run.length === 1 ? run[0]! : Buffer.concat(run, bytes);
    this.#writable.write(data, this.#afterWrite);
  }

  // Write errors also reach the stream's 'error' event, which the owner handles.
  readonly #afterWrite = (): void => {
    this.#checkDrained();
  };

  readonly #checkDrained = (): void => {
    if (this.#drainWaiters.length === 0 || this.bufferedAmount !== 0) return;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  };
}

/** Size of the one buffer a StaticReader reads into. */
const STATIC_READ_BYTES = 64 * 1024;

/**
 * Reads a connecting socket into one reused buffer (`net.connect`'s
 * `onread`) instead of a fresh 64 KiB allocation per read, which on a
 * 1 MiB blob was 16 allocations and a share of the GC that dominated the
 * receiving side. Safe because the chain decoder copies whatever outlives
 * the chunk it was given (its lifetime rule). When the receiver is
 * assembling a large part (`TransportHandlers.receiveBuffer`), the socket
 * reads straight into that part instead, so a blob is never copied in user
 * space. Until a sink is attached, a read is copied aside and the socket
 * paused, as a paused readable would. Accepted sockets cannot take
 * `onread`; they keep 'data' events.
 */
export class StaticReader {
  /** Pass as `net.connect({ onread })`. */
  readonly onread: { buffer: () => Uint8Array; callback: (bytes: number, buffer: Uint8Array) => boolean };
  readonly #buffer = new Uint8Array(STATIC_READ_BYTES);
  #sink: ((chunk: Uint8Array) => void) | undefined;
  #target: (() => Uint8Array | undefined) | undefined;
  #early: Uint8Array[] = [];

  constructor() {
    this.onread = {
      // Node asks for the buffer of each next read after the previous one's callback.
      buffer: () => this.#target?.() ?? this.#buffer,
      callback: (bytes, buffer) => {
        const chunk = new Uint8Array(buffer.buffer, buffer.byteOffset, bytes);
        if (this.#sink !== undefined) {
          this.#sink(chunk);
          return true;
        }
        this.#early.push(chunk.slice());
        return false; // pauses the socket until attach
      },
    };
  }

  /**
   * Starts delivering reads to `sink`, early ones first, and resumes
   * `readable`. `target` gives memory to read the next bytes into in place
   * (see TransportHandlers.receiveBuffer), or undefined for the usual buffer.
   */
  attach(sink: (chunk: Uint8Array) => void, readable: Readable, target?: () => Uint8Array | undefined): void {
    this.#sink = sink;
    this.#target = target;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) sink(chunk);
    readable.resume();
  }
}

/**
 * Wraps a connected socket-like duplex (net.Socket, tls.TLSSocket) as a
 * Transport: a clean end of stream closes it without an error, a reset or
 * other socket error closes it with that error, and errors never escape as
 * uncaught exceptions.
 */
export function createSocketTransport(socket: Duplex, scheme: string, remote: string, reader?: StaticReader): StreamTransport {
  let error: Error | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const transport = new StreamTransport({
    scheme,
    remote,
    readable: socket,
    writable: socket,
    ...(reader === undefined ? {} : { reader }),
    shutdown() {
      socket.end();
      // The other side may never answer our end of stream; do not wait forever.
      graceTimer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      graceTimer.unref();
    },
    abort() {
      socket.destroy();
    },
  });
  socket.on('error', (cause: Error) => {
    error ??= cause;
  });
  socket.on('close', () => {
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    transport.finish(error);
  });
  if (socket.destroyed) transport.finish(error);
  return transport;
}
