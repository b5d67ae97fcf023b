/**
 * A client that speaks raw bytes to a listener: it sends whatever an
 * attacker would (crafted chains, garbage, nothing) and reads back what the
 * server answers, decoded, without a peer in between.
 */
import net from 'node:net';
import '../../runtime/platform/node.ts';
import { ChainDecoder } from '../../runtime/framing/chain-decoder.ts';
import { encodeChain } from '../../runtime/framing/chain-encoder.ts';
import { encodeMessage } from '../../runtime/envelope/codec.ts';
import { decodeChain } from '../../runtime/envelope/decode.ts';
import type { IncomingMessage, Params, SerialiserCode } from '../../runtime/envelope/message.ts';
import { cborSerialiser } from '../../runtime/serialisation/cbor.ts';
import { jsonSerialiser } from '../../runtime/serialisation/json.ts';
import { msgpackSerialiser } from '../../runtime/serialisation/msgpack.ts';

/** One raw tcp connection. */
export class RawClient {
  readonly socket: net.Socket;
  readonly messages: IncomingMessage[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  readonly #decoder: ChainDecoder;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.#decoder = new ChainDecoder((chain) => {
      try {
        this.messages.push(decodeChain(chain));
      } catch {
        // Not our concern here: the server's answers are what the attacks check.
      }
      this.#wake();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  /** Connects to `tcp://host:port`. */
  static open(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends request `id` for `target` in serialiser `code` (0.1.2 layout). */
  request(id: number, target: string, params: Params, code: SerialiserCode = 'j'): void {
    this.send(encodeMessage({ kind: 'request', id, target, requestType: 'normal', ack: false, params }, { layout: '0.1.2', serialiser: code, protocol: '.5' }));
  }

  /** Sends a request whose params part (and optional callbacks part) are the given bytes. */
  requestRaw(id: number, target: string, code: SerialiserCode, params: Uint8Array, special?: Uint8Array): void {
    const head = serialiserFor(code)({ r: target, i: id, v: '.5' });
    this.send(encodeChain(code, special === undefined ? [head, params] : [head, params, special]));
  }

  /** The answer to request `id` (response or exception), or undefined when the connection closes first or `ms` pass. */
  async answer(id: number, ms = 10_000): Promise<IncomingMessage | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find((m) => (m.kind === 'response' || m.kind === 'exception') && m.to === id);
      if (found !== undefined) return found;
      if (this.isClosed || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** True when the server closed the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** The encoder of one serialiser, for hand-made envelopes and payloads. */
export function serialiserFor(code: SerialiserCode): (value: unknown) => Uint8Array {
  const serialiser = code === 'm' ? msgpackSerialiser : code === 'c' ? cborSerialiser : jsonSerialiser;
  return (value) => serialiser.encode(value).slice();
}

/** The error type of an exception answer, or the kind of the answer, or "none". */
export function answerOf(message: IncomingMessage | undefined): string {
  if (message === undefined) return 'none';
  if (message.kind === 'exception') return message.error.type;
  return message.kind;
}
