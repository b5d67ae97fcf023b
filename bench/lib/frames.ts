/**
 * The raw contenders' framing: the least a message protocol can do.
 *
 * Frame = u32le length of the rest | u8 kind | u32le id | payload bytes.
 */
import type { Socket } from 'node:net';

/** Bytes before the payload. */
export const HEADER_BYTES = 9;

/** One whole frame in a fresh buffer (for small payloads: one write, one syscall). */
export function frame(kind: number, id: number, payload?: Uint8Array): Buffer {
  const length = payload?.length ?? 0;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + length);
  buffer.writeUInt32LE(5 + length, 0);
  buffer[4] = kind;
  buffer.writeUInt32LE(id >>> 0, 5);
  if (payload !== undefined && length > 0) buffer.set(payload, HEADER_BYTES);
  return buffer;
}

/**
 * Writes one frame; a big payload goes out as a separate write so it is
 * never copied. Returns `socket.write`'s back-pressure answer.
 */
export function writeFrame(socket: Socket, kind: number, id: number, payload?: Uint8Array): boolean {
  if (payload === undefined || payload.length < 4096) return socket.write(frame(kind, id, payload));
  const head = Buffer.allocUnsafe(HEADER_BYTES);
  head.writeUInt32LE(5 + payload.length, 0);
  head[4] = kind;
  head.writeUInt32LE(id >>> 0, 5);
  socket.write(head);
  return socket.write(payload);
}

/**
 * Coalesces the writes made in one tick exactly as Sparrow's transports do
 * (corked per tick, early flushes after 16, 32 more, 64 more...): without
 * it raw would lose to Sparrow with many calls in flight and stop being the
 * limit. Call the returned function before each write.
 */
export { corkPerTick } from '../../runtime/transport/node/cork.ts';

/** Called once per complete frame; `payload` is a view into the received bytes, not a copy (they are never reused). */
export type FrameHandler = (kind: number, id: number, payload: Buffer) => void;

/**
 * Incremental frame parser. It keeps the chunks of an incomplete frame and
 * joins them once, when the frame is complete, so a 1 MiB frame arriving in
 * 64 KiB pieces costs one copy instead of sixteen growing ones.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of the frame being collected, including its length prefix; -1 before the prefix is known. */
  private needed = -1;
  private readonly onFrame: FrameHandler;

  constructor(onFrame: FrameHandler) {
    this.onFrame = onFrame;
  }

  /** Feeds one chunk of the byte stream. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.needed < 0) {
        if (this.buffered < 4) return;
        this.needed = 4 + this.joined().readUInt32LE(0);
      }
      if (this.buffered < this.needed) return;
      const all = this.joined();
      const whole = all.subarray(0, this.needed);
      const rest = all.subarray(this.needed);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.needed = -1;
      this.onFrame(whole[4] as number, whole.readUInt32LE(5), whole.subarray(HEADER_BYTES));
    }
  }

  /** All buffered bytes as one buffer (joined at most once per frame). */
  private joined(): Buffer {
    const joined = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }
}
