/**
 * Waiting in tests without asserting a time: poll a condition until it holds
 * (the deadline only keeps a broken test from hanging), read a stream's
 * first items, and tell whether a promise settles within the current turn.
 *
 * No Node test imports here: the child-process fixtures load this file too.
 */
import assert from 'node:assert/strict';

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 5 ms until it holds; fails with `timed out waiting for <what>` after `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Checks `condition` once per 1 ms timer turn, at most `turns` times, then asserts it holds. */
export async function eventuallyWithin(turns: number, condition: () => boolean, what?: string): Promise<void> {
  for (let i = 0; i < turns && !condition(); i++) await sleep(1);
  assert.ok(condition(), what);
}

/** The first `n` items of `iterator` (fewer when it ends first); leaves it open. */
export async function take<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < n) {
    const step = await iterator.next();
    if (step.done === true) break;
    items.push(step.value);
  }
  return items;
}

/** Every item of `iterable`, to its end. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Resolves true when `promise` has settled within the current macrotask turn. */
export async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}
