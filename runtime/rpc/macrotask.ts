/**
 * A later macrotask, browser-safe: `setImmediate` where there is one (Node:
 * right after pending I/O callbacks, with no timer clamping), else
 * `setTimeout(fn, 0)`.
 *
 * Used where work queued in this tick must leave first: Node's stream
 * transports write what was sent in one tick from a `process.nextTick`, which
 * runs only once the microtask queue is empty; a consumer looping over
 * already-resolved promises never empties it.
 */
const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;

/** Runs `fn` in a later macrotask. */
export const nextMacrotask: (fn: () => void) => void =
  setImmediateFn === undefined ? (fn) => void setTimeout(fn, 0) : (fn) => void setImmediateFn(fn);
