/**
 * Message-level links for peer tests, with no codec underneath: what one end
 * sends, the other receives a microtask later as a structured clone (so
 * functions or shared references cannot leak through, as on a real wire),
 * tagged with the format it was sent in.
 */
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import type { IncomingMessage, Message, MessageLink, MessageLinkHandlers, WireFormat } from '../../runtime/envelope/message.ts';
import type { SparrowError } from '../../runtime/errors.ts';

/** One end of an in-memory message link pair. */
export class TestLink implements MessageLink {
  readonly remote: string;
  other: TestLink | undefined;
  /** Every message this end sent, with its format (for assertions on the wire shape). */
  readonly sent: Array<{ message: Message; format: WireFormat }> = [];
  bufferedAmount = 0;
  private handlers: MessageLinkHandlers | undefined;
  private early: IncomingMessage[] = [];
  private isClosed = false;
  private closeError: Error | undefined;

  constructor(remote: string) {
    this.remote = remote;
  }

  start(handlers: MessageLinkHandlers): void {
    this.handlers = handlers;
    for (const message of this.early.splice(0)) handlers.onMessage(message);
    if (this.isClosed) handlers.onClose(this.closeError);
  }

  /** No codec underneath, so no encoded length: `maxBytes` is not checked here (links over a codec check it). */
  send(message: Message, format: WireFormat, _maxBytes?: number): number {
    if (this.isClosed) return 0;
    // structuredClone throws on functions, like a serialiser would.
    const copy = structuredClone(message) as IncomingMessage;
    copy.format = { ...format };
    this.sent.push({ message: structuredClone(message), format: { ...format } });
    const other = this.other;
    queueMicrotask(() => other?.receive(copy));
    return 0;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.shutdown(undefined);
  }

  /** Simulates a broken transport: both ends close, this one with `error`. */
  breakWith(error: Error): void {
    this.shutdown(error);
  }

  /** Simulates the codec reporting something it could not decode. */
  protocolError(error: SparrowError, fatal: boolean): void {
    this.handlers?.onProtocolError(error, fatal);
    if (fatal) this.close();
  }

  /** Delivers a message to this end as if the other side had sent it (for scripted remotes). */
  inject(message: Message, format: WireFormat): void {
    const copy = structuredClone(message) as IncomingMessage;
    copy.format = { ...format };
    queueMicrotask(() => this.receive(copy));
  }

  private shutdown(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    // Messages already sent arrive before the other side sees the close.
    queueMicrotask(() => {
      this.handlers?.onClose(error);
      this.other?.close();
    });
  }

  private receive(message: IncomingMessage): void {
    if (this.isClosed) return;
    if (this.handlers === undefined) this.early.push(message);
    else this.handlers.onMessage(message);
  }
}

/** Two connected message links. */
export function createMessageLinkPair(): [TestLink, TestLink] {
  const a = new TestLink('test:b');
  const b = new TestLink('test:a');
  a.other = b;
  b.other = a;
  return [a, b];
}

/**
 * A hand-driven remote end: the test reads what the peer sent with `next()`
 * and answers with `send()`, as a reference peer would.
 */
export interface ScriptedRemote {
  readonly link: TestLink;
  /** Resolves with the next message the peer sent (in order). */
  next(): Promise<IncomingMessage>;
  /** Sends a message to the peer in `format` (default JSON, 0.1.2 layout). */
  send(message: Message, format?: WireFormat): void;
  /** Messages received and not yet taken with next(). */
  readonly queued: IncomingMessage[];
}

export const JSON_012: WireFormat = { layout: '0.1.2', serialiser: 'j', protocol: '.5' };

/** Starts `link` as a scripted remote. */
export function createScriptedRemote(link: TestLink): ScriptedRemote {
  const queued: IncomingMessage[] = [];
  const waiters: Array<(message: IncomingMessage) => void> = [];
  link.start({
    onMessage(message) {
      const waiter = waiters.shift();
      if (waiter === undefined) queued.push(message);
      else waiter(message);
    },
    onProtocolError() {},
    onClose() {},
  });
  return {
    link,
    queued,
    next() {
      const message = queued.shift();
      if (message !== undefined) return Promise.resolve(message);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('scripted remote: no message within 2 s')), 2000);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    send(message, format = JSON_012) {
      link.send(message, format);
    },
  };
}

/** Waits for queued microtasks and one macrotask turn. */
export function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
