/**
 * What the size pages show, for people and for the Chromium test: one line
 * per call in `#to-server`, then `#status` "done" or "failed: …". Kept
 * tiny: it is part of every size profile.
 */

/** Adds one result line (`ok` or `fail`). */
export function line(text: string, ok: boolean): void {
  const item = document.createElement('li');
  item.className = ok ? 'ok' : 'fail';
  item.textContent = text;
  document.getElementById('to-server')?.append(item);
}

/** Runs the page's calls and sets the status. */
export async function report(calls: () => Promise<boolean>): Promise<void> {
  const status = document.getElementById('status');
  try {
    const ok = await calls();
    if (status !== null) status.textContent = ok ? 'done' : 'failed';
  } catch (error) {
    if (status !== null) status.textContent = `failed: ${String(error)}`;
  }
}

/** The WebSocket URL the page connects to (`?peer=ws://…`, as serve.ts prints it). */
export const peerUrl = (): string => new URLSearchParams(location.search).get('peer') ?? '';
