/**
 * An in-process transport pair: what one side sends, the other receives.
 * Browser-safe. Used by tests and by embedders that run two peers in one
 * process. Delivery is asynchronous (a microtask later), as on a socket, and
 * a chunking function can split the bytes to exercise incremental decoding.
 */
import { joinChain } from '../wire.ts';
import type { ChainBytes, Transport, TransportHandlers } from './transport.ts';

export interface MemoryTransportOptions {
  /** Splits each sent chain into the chunks the other side receives (default: one chunk). */
  chunk?: (bytes: Uint8Array) => Uint8Array[];
}

class MemoryTransport implements Transport {
  readonly scheme = 'memory';
  other: MemoryTransport | undefined;
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private isClosed = false;

  readonly remote: string;
  private readonly chunk: (bytes: Uint8Array) => Uint8Array[];

  constructor(remote: string, chunk: (bytes: Uint8Array) => Uint8Array[]) {
    this.remote = remote;
    this.chunk = chunk;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.early.splice(0)) handlers.onData(bytes);
    if (this.isClosed) handlers.onClose();
  }

  send(chain: ChainBytes): void {
    const other = this.other;
    if (this.isClosed || other === undefined) return;
    // A copy, as a socket would make: the sender may reuse its arrays.
    const pieces = this.chunk(chain instanceof Uint8Array ? chain.slice() : joinChain(chain));
    queueMicrotask(() => {
      for (const piece of pieces) other.receive(piece);
    });
  }

  get bufferedAmount(): number {
    return 0;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Let bytes already sent arrive before the other side sees the close.
    queueMicrotask(() => {
      this.handlers?.onClose();
      this.other?.close();
    });
  }

  private receive(bytes: Uint8Array): void {
    if (this.isClosed) return;
    if (this.handlers === undefined) this.early.push(bytes);
    else this.handlers.onData(bytes);
  }
}

/** Creates two connected in-memory transports. */
export function createMemoryTransportPair(options: MemoryTransportOptions = {}): [Transport, Transport] {
  const chunk = options.chunk ?? ((bytes: Uint8Array) => [bytes]);
  const a = new MemoryTransport('memory:b', chunk);
  const b = new MemoryTransport('memory:a', chunk);
  a.other = b;
  b.other = a;
  return [a, b];
}
