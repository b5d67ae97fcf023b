/**
 * Misuses of generated code: every `@ts-expect-error` line below must be a
 * type error (checked by test/types/must-fail.test.ts). Never run.
 */
import type { Peer } from 'sparrow-rpc';
import { NotFound } from '../../golden/cases/demo/expected/demo-common.ts';
import { Color, createDemoClient, createNotesClient, type Note, type NotesImplementation } from '../../golden/cases/demo/expected/demo.ts';

export async function misuse(peer: Peer): Promise<void> {
  const demo = createDemoClient(peer);
  // @ts-expect-error name must be a string
  await demo.helloWorld({ name: 1 });
  // @ts-expect-error wire names are not TS names
  await demo.demoMultipartResponse({ up_to: 3 });
  // @ts-expect-error upTo is required
  demo.demoMultipartResponse({});
  // @ts-expect-error a stream result is not a promise
  await demo.demoMultipartResponse({ upTo: 1 }).then;
  // @ts-expect-error the callback gets an args object
  await demo.demoProgressUpdate({ data: [], progress: (message: number) => message });
  const notes = createNotesClient(peer);
  // @ts-expect-error int64 is bigint, not number
  const when: number = (await notes.get({ id: { value: '1' } })).createdAt;
  // @ts-expect-error bytes are Uint8Array
  await notes.putBlob({ key: 'k', data: 'text' });
  // @ts-expect-error unknown $type
  await notes.add({ text: 't', shape: { $type: 'Triangle' } });
  // @ts-expect-error 4 is not a Color
  const color: Color = 4;
  // @ts-expect-error maps are Map, not records
  const meta: Record<string, string> = ({} as Note).meta;
  // @ts-expect-error notify returns nothing to await on
  await notes.log({ line: 'x' }).then;
  // @ts-expect-error topics are subscribed, not called
  notes.changes();
  // @ts-expect-error a received Note always has meta: it is not an input type
  const received: Note = { id: { value: '1' }, text: 't', createdAt: 1n };
  // @ts-expect-error defaults are filled on arrival: args of an implementation are not optional
  const args: Parameters<NotesImplementation['list']>[0] = { limit: 1 };
  // @ts-expect-error fields without a default stay required in an input type
  await notes.add({ text: 't', shape: { $type: 'Circle', center: { x: 1 }, radius: 1 } });
  console.log(received, args);
  // @ts-expect-error NotFound needs its fields
  throw new NotFound();
  console.log(when, color, meta);
}

// @ts-expect-error an implementation must handle every call member
export const partial: NotesImplementation = { add: () => ({ id: { value: '' }, text: '', createdAt: 0n, meta: new Map() }) };

export const wrongResult: Pick<NotesImplementation, 'list'> = {
  // @ts-expect-error list answers Note[]
  list: () => 'not a list',
};
