/**
 * A later macrotask, from the platform (`Platform.nextMacrotask`): Node's
 * `setImmediate` (right after pending I/O callbacks, with no timer
 * clamping), else `setTimeout(fn, 0)`.
 *
 * Used where work queued in this tick must leave first: Node's stream
 * transports write what was sent in one tick from a `process.nextTick`, which
 * runs only once the microtask queue is empty; a consumer looping over
 * already-resolved promises never empties it.
 */
import { platform } from '../platform/platform.ts';

/** Runs `fn` in a later macrotask (the platform's, else `setTimeout(fn, 0)`). */
export const nextMacrotask = (fn: () => void): void => {
  const current = platform();
  if (current.nextMacrotask === undefined) setTimeout(fn, 0);
  else current.nextMacrotask(fn);
};
