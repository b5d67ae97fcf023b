/**
 * The demo services, implemented on the code generated from
 * schemas/demo.sparrow (examples/generated/). One registry serves every
 * connection of a server (TCP, Unix, WebSocket, stdio, the browser demo).
 *
 * `Demo` is the seed README's example in the default namespace, with the
 * exact results of IDL.md "The demo services", so the reference Python
 * client calls it unchanged. `Notes` shows the rest of the language and
 * calls the client back through the `DemoClient` service the client exports:
 * during a call (`add` → `show`, `delete` → `confirm`) and outside any call
 * (after a `log` notification).
 */
import { createRegistry, type Peer, type RegisterOptions, type Registry, type ServiceRegistration } from 'sparrow-rpc';
import {
  Color,
  createDemoClientClient,
  Forbidden,
  NotFound,
  registerDemo,
  registerNotes,
  type DemoClientClient,
  type DemoImplementation,
  type Note,
  type NotesImplementation,
  type NotesTopics,
} from '../generated/index.ts';

/** Notes and blobs kept per server; the oldest go first beyond these, so a long-lived server stays small. */
const MAX_NOTES = 1_000;
const MAX_BLOBS = 64;
/** Largest page `list` returns (the schema's MAX_ITEMS). */
const MAX_PAGE = 100;
/** Reverse calls must not hold a call up for long when the client does not answer. */
const REVERSE_CALL_TIMEOUT_MS = 5_000;

/** The demo services on one shared registry. */
export interface DemoServices {
  /** Serve this from a listener (`listenPeers(url, { registry })`). */
  readonly registry: Registry;
  /** Unregisters everything and ends every topic subscription. */
  close(): void;
}

/** The seed README's functions (IDL.md "The demo services"). */
export const demoImplementation: DemoImplementation = {
  helloWorld: ({ name }) => `Hello ${name}!`,
  demoProgressUpdate: ({ data, progress }) => {
    // Notification-style callback: fire once per item, never wait for an answer.
    for (const item of data) progress({ message: `Processing ${item}` });
    return `Processed ${data.length} items`;
  },
  *demoMultipartResponse({ upTo }) {
    for (let x = 1; x <= upTo; x++) yield [x, x * x + 1];
  },
  demoMultipartParam: async ({ data }) => {
    let sum = 0;
    for await (const item of data) sum += item;
    return sum;
  },
};

/** Drops the oldest entries of `map` beyond `max` (Maps iterate in insertion order). */
function trim<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) break;
    map.delete(key);
  }
}

/**
 * The Notes service. `topics` is filled in once the service is registered
 * (the publisher exists only then).
 */
function createNotes(clientOf: (peer: Peer) => DemoClientClient, topics: () => NotesTopics): NotesImplementation {
  const notes = new Map<string, Note>();
  const blobs = new Map<string, Uint8Array>();
  const logLines = new WeakMap<Peer, number>();
  let seq = 0;

  const find = (id: string): Note => {
    const note = notes.get(id);
    if (note === undefined) throw new NotFound({ id }, `no note ${id}`);
    return note;
  };

  return {
    async add({ text, shape }, ctx) {
      const note: Note = { id: { value: `n${++seq}` }, text, createdAt: BigInt(Date.now()), meta: new Map([['by', ctx.peer.remote]]) };
      if (shape !== undefined) note.shape = shape;
      notes.set(note.id.value, note);
      trim(notes, MAX_NOTES);
      topics().changes.publish(note);
      // A call back to the caller while its call is still pending. A caller
      // that exports no DemoClient (sparrowc call, a Python client) answers
      // not-found: the note is saved all the same.
      await clientOf(ctx.peer)
        .show({ message: `saved note ${note.id.value}` })
        .catch(() => undefined);
      return note;
    },

    get: ({ id }) => find(id.value),

    list: ({ limit, offset }) => [...notes.values()].slice(offset, offset + Math.min(Math.max(limit, 0), MAX_PAGE)),

    listAll: () => [...notes.values()],

    putBlob({ key, data }) {
      blobs.delete(key);
      blobs.set(key, data);
      trim(blobs, MAX_BLOBS);
    },

    getBlob({ key }) {
      const data = blobs.get(key);
      if (data === undefined) throw new NotFound({ id: key }, `no blob ${key}`);
      return data;
    },

    async delete({ id }, ctx) {
      find(id.value);
      // Ask the caller to confirm while its delete is pending; no answer is a no.
      const yes = await clientOf(ctx.peer)
        .confirm({ question: `Delete note ${id.value}?` })
        .catch(() => false);
      if (!yes) throw new Forbidden({ reason: 'the client did not confirm' }, `delete of ${id.value} not confirmed`);
      notes.delete(id.value);
    },

    log({ line }, ctx) {
      const count = (logLines.get(ctx.peer) ?? 0) + 1;
      logLines.set(ctx.peer, count);
      // Reverse calls outside any call: they start after this notification
      // has been handled, as a server pushing to a client would.
      setTimeout(() => void callBackLater(clientOf(ctx.peer), line, count), 0);
    },

    async pickColor({ choose }) {
      // A request-style callback: the client's function answers.
      return choose({ options: [Color.red, Color.green, Color.blue] });
    },
  };
}

async function callBackLater(client: DemoClientClient, line: string, count: number): Promise<void> {
  try {
    await client.show({ message: `read your log line "${line}"` });
    client.pingCount({ count });
  } catch {
    // The caller exports no DemoClient, or left: nothing to tell it.
  }
}

/**
 * Creates the registry with `Demo` and `Notes`. `@auth("admin")` members
 * (notes.delete) check the caller's identity groups, as the listener's
 * `authenticate` set them, unless `options.authorize` says otherwise.
 */
export function createDemoServices(options: Pick<RegisterOptions, 'authorize'> = {}): DemoServices {
  const registry = createRegistry();
  // One typed client per connection, made on first use.
  const clients = new WeakMap<Peer, DemoClientClient>();
  const clientOf = (peer: Peer): DemoClientClient => {
    let client = clients.get(peer);
    if (client === undefined) clients.set(peer, (client = createDemoClientClient(peer, { timeoutMs: REVERSE_CALL_TIMEOUT_MS })));
    return client;
  };
  let notesRegistration: ServiceRegistration<NotesTopics> | undefined;
  const demo = registerDemo(registry, demoImplementation);
  notesRegistration = registerNotes(
    registry,
    createNotes(clientOf, () => notesRegistration!.topics),
    options.authorize === undefined ? {} : { authorize: options.authorize },
  );
  return {
    registry,
    close() {
      notesRegistration?.unregister();
      demo.unregister();
    },
  };
}
