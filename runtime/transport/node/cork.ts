/**
 * The write-coalescing rule of the Node transports, for a socket written by
 * someone else (the `ws` package writes each message on its own): the
 * socket is corked at the first write of a tick and uncorked on the next
 * tick, with early flushes after 16 writes, then 32 more, 64 more... The
 * stream transports queue chains by the same rule (stream.ts), and the
 * bench's raw contender uses this function, so raw stays the limit.
 */
import type { Writable } from 'node:stream';

/** Writes in one tick before the first early flush. */
export const FIRST_EARLY_FLUSH_WRITES = 16;

/** Returns the function to call before each write to `socket`. */
export function corkPerTick(socket: Writable): () => void {
  let corked = false;
  let writes = 0;
  let flushAt = FIRST_EARLY_FLUSH_WRITES;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  return () => {
    if (!corked) {
      corked = true;
      writes = 1;
      flushAt = FIRST_EARLY_FLUSH_WRITES;
      socket.cork();
      process.nextTick(uncork);
      return;
    }
    // This write is number `writes + 1`: the ones before it go out now.
    if (++writes > flushAt) {
      socket.uncork();
      socket.cork();
      writes = 1;
      flushAt *= 2;
    }
  };
}
