/**
 * Every call pattern of the demo, as one client run against a peer: the
 * seed's four functions and `#sys.ping` against any peer, then — only when
 * `#sys.features` says the peer is a Sparrow peer — structs, unions, typed
 * errors, calls back to this client during and outside a call, a
 * request-style callback, a topic and bytes. Each call reports one line
 * through the {@link Reporter}; what arrives from the server is shown as
 * detail lines under the call it belongs to.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, isSparrowError, type Peer } from 'sparrow-rpc';
import {
  Color,
  createDemoClient,
  createNotesClient,
  Forbidden,
  NotFound,
  registerDemoClient,
  type Note,
} from '../generated/index.ts';
import { show, type Reporter } from './output.ts';

/** How long a call may take before the demo calls it failed (a healthy local call takes about a millisecond). */
const CALL_TIMEOUT_MS = 5_000;
/** How long to wait for a call back from the server that is not tied to a call of ours. */
const EVENT_TIMEOUT_MS = 3_000;
/** Size of the blob sent and fetched back. */
const BLOB_SIZE = 256 * 1024;

/** What the server did to this client through its exported `DemoClient`. */
type ServerEvent =
  | { kind: 'show'; message: string }
  | { kind: 'confirm'; question: string; answer: boolean }
  | { kind: 'ping_count'; count: number };

/**
 * The `DemoClient` this side exports: it records each call from the server,
 * and answers `confirm` with whatever the running scenario set.
 */
class ClientInbox {
  private readonly events: ServerEvent[] = [];
  private wake: (() => void) | undefined;
  /** The answer the next `confirm` gets. */
  confirmAnswer = true;

  push(event: ServerEvent): void {
    this.events.push(event);
    this.wake?.();
  }

  /** Takes every event received so far. */
  drain(): ServerEvent[] {
    return this.events.splice(0);
  }

  /** Waits until an event of `kind` has arrived (within `timeoutMs`), then drains everything. */
  async waitFor(kind: ServerEvent['kind'], timeoutMs = EVENT_TIMEOUT_MS): Promise<ServerEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.events.some((event) => event.kind === kind)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.drain();
  }
}

/** The lines the server's calls back to us become, under the call they happened during. */
function describeEvent(event: ServerEvent): string {
  switch (event.kind) {
    case 'show':
      return `↳ server called client.show(${show(event.message)})`;
    case 'confirm':
      return `↳ server called client.confirm(${show(event.question)}) → ${event.answer}`;
    case 'ping_count':
      return `↳ server notified client.ping_count(${event.count})`;
  }
}

function errorText(error: unknown): string {
  if (isSparrowError(error)) return `${error.name} [${error.code}${error.remoteType === undefined ? '' : ` ${error.remoteType}`}]: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** An enum value by its schema name. */
function colorName(value: Color): string {
  return Object.entries(Color).find(([, v]) => v === value)?.[0] ?? String(value);
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Runs `body`; a throw is one failed line (so one broken call never hides the others). */
async function step(report: Reporter, what: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    report.call(what, errorText(error), false);
  }
}

/** Options of {@link runDemoCalls}. */
export interface DemoCallOptions {
  /** Tag of this run: topic values and notes carry it, so runs against one server in parallel never mix. */
  tag: string;
  /** `demo:client --token`: `peer` sent it in `#sys.hello`. */
  token?: string | undefined;
  /** A second connection to the same server without the token: the refused half of the token pair. */
  withoutToken?: (() => Promise<Peer>) | undefined;
}

/**
 * Exports the `DemoClient` service on `peer` (before any call, so the
 * server can call back at once) and returns the inbox that records it.
 */
export function exportDemoClient(peer: Peer): ClientInbox {
  const inbox = new ClientInbox();
  registerDemoClient(peer, {
    show: ({ message }) => inbox.push({ kind: 'show', message }),
    confirm: ({ question }) => {
      const answer = inbox.confirmAnswer;
      inbox.push({ kind: 'confirm', question, answer });
      return answer;
    },
    pingCount: ({ count }) => inbox.push({ kind: 'ping_count', count }),
  });
  return inbox;
}

/** Calls notes.delete over a new connection without the token: true when refused with permission-denied, else what happened. */
async function refusedWithoutToken(open: () => Promise<Peer>, id: Note['id']): Promise<true | string> {
  const bare = await open();
  try {
    await createNotesClient(bare, { timeoutMs: CALL_TIMEOUT_MS }).delete({ id });
    return 'it was deleted';
  } catch (error) {
    return isSparrowError(error, ErrorCode.PermissionDenied) ? true : String(error);
  } finally {
    bare.close();
    await bare.closed;
  }
}

/** Runs every call pattern against `peer` and reports each one. */
export async function runDemoCalls(peer: Peer, inbox: ClientInbox, report: Reporter, options: DemoCallOptions): Promise<void> {
  const demo = createDemoClient(peer, { timeoutMs: CALL_TIMEOUT_MS });
  const perCall = { timeoutMs: CALL_TIMEOUT_MS };

  await step(report, '#sys.ping()', async () => {
    const answer = await peer.call('ping', undefined, { namespace: '#sys', timeoutMs: CALL_TIMEOUT_MS });
    report.call('#sys.ping()', show(answer), answer === 'pong');
  });

  await step(report, 'hello_world()', async () => {
    const answer = await demo.helloWorld();
    report.call('hello_world()', show(answer), answer === 'Hello world!');
  });

  await step(report, 'hello_world(name: "Bill")', async () => {
    const answer = await demo.helloWorld({ name: 'Bill' });
    report.call('hello_world(name: "Bill")', show(answer), answer === 'Hello Bill!');
  });

  const fruit = ['apple', 'banana', 'cherry'];
  await step(report, 'demo_progress_update(data, progress)', async () => {
    const progress: string[] = [];
    const answer = await demo.demoProgressUpdate({ data: fruit, progress: ({ message }) => void progress.push(message) });
    // Notifications may trail the result by a moment on a slow link; each one is an item.
    for (let i = 0; i < 20 && progress.length < fruit.length; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const ok = answer === `Processed ${fruit.length} items` && progress.length === fruit.length;
    report.call(`demo_progress_update(data: ${fruit.length} items, progress)`, `${show(answer)} after ${progress.length} progress callbacks`, ok);
    for (const message of progress) report.detail(`progress ← ${show(message)}`);
  });

  await step(report, 'demo_multipart_response(up_to: 4)', async () => {
    const parts: [number, number][] = [];
    for await (const part of demo.demoMultipartResponse({ upTo: 4 })) parts.push(part);
    const expected = [[1, 2], [2, 5], [3, 10], [4, 17]];
    report.call('demo_multipart_response(up_to: 4)', `${parts.length} parts: ${parts.map((p) => show(p)).join(' ')}`, show(parts) === show(expected));
  });

  await step(report, 'demo_multipart_param(data: stream)', async () => {
    const items = [1, 10, 30, 3];
    async function* slowly(): AsyncGenerator<number> {
      // An iterable param: the server pulls each item as it needs it.
      for (const item of items) yield item;
    }
    const answer = await demo.demoMultipartParam({ data: slowly() });
    report.call(`demo_multipart_param(data: stream ${items.join(',')})`, show(answer), answer === 44);
  });

  // Sparrow-only from here: a reference peer answers #sys.features with not-found (or a bare ack, read the same).
  let features: unknown;
  let sparrowPeer = false;
  await step(report, '#sys.features()', async () => {
    try {
      features = await peer.call('features', undefined, { namespace: '#sys', timeoutMs: CALL_TIMEOUT_MS });
      sparrowPeer = Array.isArray(features);
      report.call('#sys.features()', `${show(features)} (a Sparrow peer)`, sparrowPeer);
    } catch (error) {
      if (!isSparrowError(error, ErrorCode.TargetNotFound)) throw error;
      report.call('#sys.features()', 'not found: a reference peer, no extensions', true);
    }
  });
  const extras = [
    'notes.add(text, shape: Circle)',
    'notes.get(id: missing)',
    'notes.delete(id)',
    'notes.pick_color(choose)',
    'notes.log(line)',
    'notes.changes',
    'notes.put_blob + get_blob',
    'notes.list()',
  ];
  const listsHello = Array.isArray(features) && features.includes('hello');
  if (options.token !== undefined && !listsHello) report.note('  – the token pair (refused without it, accepted with it) skipped: the peer does not list hello');
  if (!sparrowPeer) {
    for (const what of extras) report.skipped(what, 'skipped (reference peer)');
    return;
  }
  // Turns on cancel and flow control for this connection (cached by the peer).
  await peer.remoteFeatures();
  const notes = createNotesClient(peer, { timeoutMs: CALL_TIMEOUT_MS });
  inbox.drain();

  let added: Note | undefined;
  await step(report, 'notes.add(text, shape: Circle)', async () => {
    added = await notes.add(
      { text: `first note (${options.tag})`, shape: { $type: 'Circle', center: { x: 1, y: 2, tags: [], color: Color.green }, radius: 3 } },
      perCall,
    );
    const events = inbox.drain();
    const ok = added.shape?.$type === 'Circle' && typeof added.createdAt === 'bigint' && events.some((e) => e.kind === 'show');
    report.call('notes.add(text, shape: Circle)', `Note ${added.id.value}, shape ${added.shape?.$type}, created_at ${added.createdAt}n (int64)`, ok);
    for (const event of events) report.detail(`${describeEvent(event)}  while notes.add was pending`);
  });

  await step(report, 'notes.get(id: missing)', async () => {
    try {
      const note = await notes.get({ id: { value: 'missing' } }, perCall);
      report.call('notes.get(id: "missing")', `expected NotFound, got ${show(note)}`, false);
    } catch (error) {
      const ok = error instanceof NotFound && error.fields.id === 'missing';
      report.call('notes.get(id: "missing")', ok ? `threw NotFound { id: "missing" } (the generated class)` : errorText(error), ok);
    }
  });

  await step(report, 'notes.delete(id)', async () => {
    if (added === undefined) throw new Error('no note to delete (notes.add failed)');
    // The token pair, first half: the same call over a connection without the token is refused before it runs.
    const refusal = options.token !== undefined && listsHello && options.withoutToken !== undefined ? await refusedWithoutToken(options.withoutToken, added.id) : undefined;
    inbox.confirmAnswer = true;
    try {
      await notes.delete({ id: added.id }, perCall);
    } catch (error) {
      if (options.token !== undefined || !isSparrowError(error, ErrorCode.PermissionDenied)) throw error;
      report.skipped(`notes.delete(id)  @auth`, 'skipped (the server wants its token for @auth members: demo:client --token <t>)');
      return;
    }
    const yes = inbox.drain();
    const confirmed = yes.some((e) => e.kind === 'confirm' && e.answer);
    report.call(`notes.delete(id: "${added.id.value}")  @auth`, 'deleted once the client confirmed', confirmed);
    for (const event of yes) report.detail(`${describeEvent(event)}  while notes.delete was pending`);
    if (refusal === true) report.detail('without the token the same call was refused: permission-denied');
    else if (refusal !== undefined) report.call('notes.delete(id) without the token  @auth', `expected permission-denied, got ${refusal}`, false);

    // The same again, declined this time: the server throws the schema's Forbidden.
    const second = await notes.add({ text: `second note (${options.tag})` }, perCall);
    inbox.drain();
    inbox.confirmAnswer = false;
    try {
      await notes.delete({ id: second.id }, perCall);
      report.call(`notes.delete(id: "${second.id.value}")  @auth`, 'expected Forbidden, but it was deleted', false);
    } catch (error) {
      const ok = error instanceof Forbidden;
      report.call(`notes.delete(id: "${second.id.value}")  @auth`, ok ? `threw Forbidden { reason: ${show(error.fields.reason)} }` : errorText(error), ok);
    } finally {
      inbox.confirmAnswer = true;
    }
    for (const event of inbox.drain()) report.detail(`${describeEvent(event)}  while notes.delete was pending`);
  });

  await step(report, 'notes.pick_color(choose)', async () => {
    let offered: Color[] = [];
    const color = await notes.pickColor(
      {
        choose: ({ options: choices }) => {
          offered = choices;
          return Color.green;
        },
      },
      perCall,
    );
    report.call('notes.pick_color(choose: callback)', `${colorName(color)}: the callback chose it from ${offered.map(colorName).join(', ')}`, color === Color.green);
  });

  await step(report, 'notes.log(line)', async () => {
    notes.log({ line: 'hello from the client' });
    const events = await inbox.waitFor('ping_count');
    const ok = events.some((e) => e.kind === 'show') && events.some((e) => e.kind === 'ping_count');
    report.call('notes.log(line)  notification', ok ? 'no answer; the server called back afterwards, outside any call' : `only ${events.length} calls back arrived`, ok);
    for (const event of events) report.detail(describeEvent(event));
  });

  await step(report, 'notes.changes', async () => {
    const wanted = 3;
    const seen: Note[] = [];
    let gotAll!: () => void;
    const all = new Promise<void>((resolve) => (gotAll = resolve));
    const unsubscribe = notes.changes.subscribe((note) => {
      // Other clients may be adding notes on the same server: keep ours.
      if (!note.text.includes(options.tag) || !note.text.startsWith('tick')) return;
      seen.push(note);
      if (seen.length === wanted) gotAll();
    });
    try {
      // The subscription is in place once the server has our request; a ping behind it proves that.
      await peer.call('ping', undefined, { namespace: '#sys', timeoutMs: CALL_TIMEOUT_MS });
      for (let i = 1; i <= wanted; i++) await notes.add({ text: `tick ${i} (${options.tag})` }, perCall);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, EVENT_TIMEOUT_MS)))]);
      clearTimeout(timer);
    } finally {
      unsubscribe();
      inbox.drain();
    }
    report.call(
      'notes.changes  topic',
      `subscribed, ${seen.length} published values: ${seen.map((n) => n.text.replace(/ \(.*\)$/, '')).join(', ')}; unsubscribed`,
      seen.length === wanted,
    );
  });

  await step(report, 'notes.put_blob + get_blob', async () => {
    const blob = new Uint8Array(randomBytes(BLOB_SIZE));
    const key = `blob-${options.tag}`;
    await notes.putBlob({ key, data: blob }, perCall);
    const back = await notes.getBlob({ key }, perCall);
    const sent = sha256(blob);
    const got = sha256(back);
    report.call(`notes.put_blob + get_blob(${BLOB_SIZE / 1024} KiB)`, `${back.byteLength} bytes back, sha256 ${got.slice(0, 12)}… ${got === sent ? 'matches' : `≠ ${sent.slice(0, 12)}…`}`, got === sent && back.byteLength === BLOB_SIZE);
  });

  await step(report, 'notes.list()', async () => {
    const page = await notes.list({}, perCall);
    const ours = page.filter((note) => note.text.includes(options.tag)).length;
    // A long-lived server may hold more notes than one page: only the page's bounds are certain.
    report.call('notes.list()', `${page.length} notes (${ours} from this run), meta ${show(page[0]?.meta ?? {})}`, page.length > 0 && page.length <= 100);
  });
}
