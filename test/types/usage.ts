/**
 * Correct uses of generated code; must compile under the strict root
 * tsconfig (`npm run typecheck`). Never run.
 */
import { createRegistry, type Peer } from 'sparrow-rpc';
import { NotFound } from '../golden/cases/demo/expected/demo-common.ts';
import { Color, createDemoClient, createNotesClient, registerNotes, type Note, type NoteInit, type NotesImplementation, type Shape, type ShapeInit } from '../golden/cases/demo/expected/demo.ts';

export async function callerSide(peer: Peer): Promise<void> {
  const demo = createDemoClient(peer, { timeoutMs: 1000 });
  const greeting: string = await demo.helloWorld();
  await demo.helloWorld({ name: 'x' }, { signal: AbortSignal.timeout(100) });
  await demo.demoProgressUpdate({ data: ['a'], progress: ({ message }) => console.log(message.toUpperCase()) });
  for await (const [x, y] of demo.demoMultipartResponse({ upTo: 3 })) console.log(x + y);
  const sum: number = await demo.demoMultipartParam({ data: (async function* () { yield 1; })() });
  const notes = createNotesClient(peer);
  const shape: Shape = { $type: 'Square', corner: { x: 0, y: 0, tags: [], color: Color.green }, side: 1 };
  const note: Note = await notes.add({ text: 't', shape });
  // A caller builds input types: fields with defaults (tags, color) may be left out, at any depth.
  const built: ShapeInit = { $type: 'Circle', center: { x: 1, y: 2 }, radius: 3 };
  await notes.add({ text: 'u', shape: built });
  // Received values carry every default.
  const tags: string[] = note.shape?.$type === 'Square' ? note.shape.corner.tags : [];
  const color: Color | undefined = note.shape?.$type === 'Circle' ? note.shape.center.color : undefined;
  const when: bigint = note.createdAt;
  const meta: Map<string, string> = note.meta;
  const blob: Uint8Array = await notes.getBlob({ key: 'k' });
  await notes.list();
  notes.log({ line: 'l' });
  const stop = notes.changes.subscribe((n) => console.log(n.text));
  stop();
  const picked: Color = await notes.pickColor({ choose: async ({ options }) => options[0] ?? Color.red });
  try {
    await notes.get({ id: { value: '1' } });
  } catch (error) {
    if (error instanceof NotFound) console.log(error.fields.id, error.code);
  }
  console.log(greeting, sum, when, meta, blob, picked, tags, color);
}

export const implementation: NotesImplementation = {
  // An implementation answers with an input type: `meta` has a default.
  add: ({ text, shape }) => ({ id: { value: '1' }, text, createdAt: 1n, ...(shape === undefined ? {} : { shape }) }),
  get: async ({ id }) => {
    throw new NotFound({ id: id.value });
  },
  list: ({ limit, offset }) => (limit + offset > 0 ? [] : []),
  putBlob: ({ data }) => void data.byteLength,
  getBlob: () => new Uint8Array(),
  delete: (_args, ctx) => void ctx.signal.aborted,
  log: ({ level }) => void (level satisfies number),
  pickColor: async ({ choose }) => choose({ options: [Color.red] }),
  listAll: () => [],
};

export function serverSide(): void {
  const registration = registerNotes(createRegistry(), implementation, { authorize: () => true, strict: true });
  registration.topics.changes.publish({ id: { value: '1' }, text: 't', createdAt: 2n, meta: new Map() });
  // A published value may leave defaults out too, and a received value is a valid input.
  const received: NoteInit = {} as Note;
  registration.topics.changes.publish({ ...received, shape: { $type: 'Square', corner: { x: 0, y: 0 }, side: 2 } });
  registration.unregister();
}
