/**
 * The browser demo page: a Sparrow peer over the browser's WebSocket, using
 * only the browser-safe runtime (`sparrow-rpc`) and the client generated
 * from schemas/demo.sparrow.
 *
 * page → server: hello_world, a multipart response, a bytes round trip,
 * notes.add / notes.delete / notes.log.
 * server → page: the page exports `DemoClient`; the server calls its `show`
 * while notes.add is pending, `confirm` while notes.delete is pending, and
 * `show` + `ping_count` after notes.log, outside any call.
 *
 * The WebSocket URL comes from the page's query string (`?peer=ws://…`),
 * which examples/browser/serve.ts puts in the URL it prints.
 *
 * Serialisers: calls go out in JSON (the protocol's default); the bytes of
 * put_blob/get_blob travel as a msgpack payload inside the JSON message
 * (PROTOCOL.md decision 4), so the page adds msgpack. A page with no bytes
 * calls leaves `serialisers` out and bundles neither msgpackr nor cbor-x
 * (`npm run size` shows both figures).
 */
import { connectWebSocketPeer, type Peer } from 'sparrow-rpc';
import { msgpackSerialiser } from 'sparrow-rpc/msgpack';
import { createDemoClient, createNotesClient, registerDemoClient } from '../generated/index.ts';

const CALL_TIMEOUT_MS = 5_000;

/** Adds one result line: `ok` or `fail` becomes its class (and its ✓/✗ marker). */
function addLine(list: 'to-server' | 'from-server', text: string, ok: boolean): void {
  const item = document.createElement('li');
  item.className = ok ? 'ok' : 'fail';
  item.textContent = text;
  document.getElementById(list)?.append(item);
  if (!ok) failures++;
}

function setStatus(text: string): void {
  const status = document.getElementById('status');
  if (status !== null) status.textContent = text;
}

let failures = 0;
/** The page → server call in flight, so a call back from the server can say whether it came during one. */
let pending: string | undefined;
let pingCountArrived: (() => void) | undefined;

const hex = (bytes: ArrayBuffer): string => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Runs one page → server call; a failure is a ✗ line, and the page goes on
 * with the next call. `isCall: false` for a notification, which is over
 * once sent: what the server does afterwards happens outside any call.
 */
async function call(what: string, body: () => Promise<{ text: string; ok: boolean }>, isCall = true): Promise<void> {
  pending = isCall ? what : undefined;
  try {
    const { text, ok } = await body();
    addLine('to-server', `${what} → ${text}`, ok);
  } catch (error) {
    addLine('to-server', `${what} → ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, false);
  } finally {
    pending = undefined;
  }
}

function exportDemoClient(peer: Peer): void {
  const context = (): string => (pending === undefined ? 'outside any call' : `during ${pending.replace(/\(.*$/, '')}`);
  registerDemoClient(peer, {
    show: ({ message }) => addLine('from-server', `client.show ← ${JSON.stringify(message)} (${context()})`, true),
    confirm: ({ question }) => {
      addLine('from-server', `client.confirm ← ${JSON.stringify(question)} (${context()}) → true`, true);
      return true;
    },
    pingCount: ({ count }) => {
      addLine('from-server', `client.ping_count ← ${count} (notification, ${context()})`, true);
      pingCountArrived?.();
    },
  });
}

async function main(): Promise<void> {
  const url = new URLSearchParams(location.search).get('peer');
  if (url === null) throw new Error('no ?peer=ws://… in the page URL');
  const peer = await connectWebSocketPeer(url, { timeoutMs: CALL_TIMEOUT_MS, serialisers: [msgpackSerialiser] });
  // Export before the first call, so the server can call back at once.
  exportDemoClient(peer);
  setStatus(`connected to ${url}`);
  const demo = createDemoClient(peer);
  const notes = createNotesClient(peer);

  await call('hello_world(name: "browser")', async () => {
    const answer = await demo.helloWorld({ name: 'browser' });
    return { text: JSON.stringify(answer), ok: answer === 'Hello browser!' };
  });

  await call('demo_multipart_response(up_to: 3)', async () => {
    const parts: string[] = [];
    for await (const part of demo.demoMultipartResponse({ upTo: 3 })) parts.push(JSON.stringify(part));
    const text = parts.join(' ');
    return { text, ok: text === '[1,2] [2,5] [3,10]' };
  });

  await call('put_blob + get_blob(64 KiB)', async () => {
    const blob = crypto.getRandomValues(new Uint8Array(64 * 1024));
    await notes.putBlob({ key: 'browser-blob', data: blob });
    const back = await notes.getBlob({ key: 'browser-blob' });
    const [sent, got] = await Promise.all([crypto.subtle.digest('SHA-256', blob), crypto.subtle.digest('SHA-256', new Uint8Array(back))]);
    const same = hex(sent) === hex(got);
    return { text: `${back.byteLength} bytes back, sha256 ${hex(got).slice(0, 12)} ${same ? 'matches' : 'differs'}`, ok: same && back.byteLength === blob.byteLength };
  });

  let id = '';
  await call('notes.add(text: "from the browser")', async () => {
    const note = await notes.add({ text: 'from the browser' });
    id = note.id.value;
    return { text: `Note ${id}, created_at ${note.createdAt}`, ok: note.text === 'from the browser' };
  });

  await call(`notes.delete(id)`, async () => {
    await notes.delete({ id: { value: id } });
    return { text: `deleted ${id}`, ok: true };
  });

  await call('notes.log(line) notification', async () => {
    const arrived = new Promise<void>((resolve) => (pingCountArrived = resolve));
    notes.log({ line: 'hello from the browser' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([arrived.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CALL_TIMEOUT_MS)))]);
    clearTimeout(timer);
    return { text: inTime ? 'sent; the server called back afterwards' : 'no call back from the server', ok: inTime };
  }, false);

  peer.close();
  setStatus(failures === 0 ? 'done' : `failed: ${failures} calls`);
}

main().catch((error: unknown) => {
  setStatus(`failed: ${error instanceof Error ? error.message : String(error)}`);
});
