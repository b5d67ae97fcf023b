/**
 * `sparrowc gen --target js`: JavaScript plus `.d.ts` for projects with no
 * TypeScript build step. The demo schema's output runs under plain `node`
 * (no tsx, no source condition) against a built runtime, as a server and a
 * client over real TCP; and a strict TypeScript consumer type-checks against
 * the `.d.ts` alone (a `@ts-expect-error` proves the types are not `any`).
 *
 * The runtime is bundled with esbuild into a stand-in package in a temp
 * folder of the checkout (its dependencies resolve from the checkout's
 * node_modules); its types come from the runtime's sources through `paths`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runGen } from '../../compiler/cli/gen-command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'test', '.gen', `js-target-${process.pid}`);
const out = path.join(dir, 'gen');
const RUNTIME = 'sparrow-runtime-under-test';

/** The server and client, in plain JavaScript, over the generated modules. */
const program = `
import { listenPeers, connectPeer, isSparrowError } from '${RUNTIME}/node';
import { Color, NotFound, createDemoClient, createNotesClient, registerDemo, registerNotes } from './gen/index.js';

const notes = new Map();
const listener = await listenPeers('tcp://127.0.0.1:0');
registerDemo(listener.registry, {
  helloWorld: ({ name }) => 'Hello ' + name + '!',
  *demoMultipartResponse({ upTo }) { for (let x = 1; x <= upTo; x++) yield [x, x * x + 1]; },
  demoProgressUpdate: ({ data, progress }) => { for (const message of data) progress({ message }); return data.length + ' items'; },
  demoMultipartParam: async ({ data }) => { let sum = 0; for await (const n of data) sum += n; return sum; },
});
registerNotes(listener.registry, {
  // Answers with defaults left out: the client must see them filled in.
  add: ({ text, shape }) => { const note = { id: { value: String(notes.size + 1) }, text, createdAt: 2n ** 62n, shape }; notes.set(note.id.value, note); return note; },
  get: ({ id }) => { const note = notes.get(id.value); if (note === undefined) throw new NotFound({ id: id.value }); return note; },
  list: ({ limit, offset }) => [...notes.values()].slice(offset, offset + limit),
  putBlob: () => undefined, getBlob: () => new Uint8Array(), delete: ({ id }) => void notes.delete(id.value),
  log: () => undefined, pickColor: ({ choose }) => choose({ options: [Color.red, Color.green] }), listAll: () => [...notes.values()],
}, { authorize: () => true });
const peer = await connectPeer(listener.url);
const demo = createDemoClient(peer);
const notesClient = createNotesClient(peer);
const result = {};
result.hello = await demo.helloWorld();
result.pairs = [];
for await (const pair of demo.demoMultipartResponse({ upTo: 3 })) result.pairs.push(pair);
result.sum = await demo.demoMultipartParam({ data: [1, 10, 30, 3] });
// The point leaves out tags and color (defaults); the note leaves out meta.
const note = await notesClient.add({ text: 'hi', shape: { $type: 'Circle', center: { x: 1, y: 2 }, radius: 3 } });
result.note = { id: note.id.value, createdAt: String(note.createdAt), meta: note.meta instanceof Map ? [...note.meta] : 'not a Map', center: note.shape.center };
await notesClient.delete({ id: note.id });
try { await notesClient.get({ id: note.id }); result.get = 'resolved'; } catch (error) { result.get = error instanceof NotFound ? 'NotFound ' + error.fields.id : String(error); }
result.picked = await notesClient.pickColor({ choose: ({ options }) => options[1] });
try { await demo.helloWorld({ name: 7 }); result.invalid = 'resolved'; } catch (error) { result.invalid = isSparrowError(error, 'invalid-params') ? 'invalid-params' : String(error); }
peer.close();
await listener.close();
console.log(JSON.stringify(result));
`;

/** A consumer in strict TypeScript that sees only the `.d.ts` files. */
const consumer = `
import type { Peer } from '${RUNTIME}';
import { Color, NotFound, createNotesClient, type Note, type NoteInit, type NotesImplementation } from './gen/index.js';

export async function use(peer: Peer): Promise<Note> {
  const notes = createNotesClient(peer);
  const init: NoteInit = { id: { value: '1' }, text: 't', createdAt: 1n };
  const note: Note = await notes.add({ text: init.text, shape: { $type: 'Square', corner: { x: 0, y: 0 }, side: 1 } });
  const tags: string[] = note.shape?.$type === 'Square' ? note.shape.corner.tags : [];
  const color: Color = Color.blue;
  // @ts-expect-error text must be a string: the declarations carry real types
  await notes.add({ text: 1 });
  try {
    await notes.get({ id: note.id });
  } catch (error) {
    if (error instanceof NotFound) console.log(error.fields.id.toUpperCase());
  }
  console.log(tags, color);
  return note;
}

export const partial: Pick<NotesImplementation, 'get' | 'delete'> = {
  get: ({ id }) => ({ id, text: '', createdAt: 0n }),
  delete: (_args, ctx) => void ctx.signal.aborted,
};
`;

function io() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { io: { stdout: stream, stderr: stream, cwd: root }, text: () => text };
}

describe('sparrowc gen --target js', () => {
  before(async () => {
    rmSync(dir, { recursive: true, force: true });
    const pkg = path.join(dir, 'node_modules', RUNTIME);
    mkdirSync(pkg, { recursive: true });
    // One bundle for both entries (runtime/node.ts re-exports the browser-safe entry), so classes are shared.
    await build({ entryPoints: [path.join(root, 'runtime/node.ts')], bundle: true, format: 'esm', platform: 'node', packages: 'external', outfile: path.join(pkg, 'node.js'), logLevel: 'error' });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: RUNTIME, type: 'module', exports: { '.': './node.js', './node': './node.js' } }));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes .js and .d.ts only, with headers and .js import specifiers', async () => {
    const gen = io();
    const code = await runGen([path.join(root, 'schemas/demo.sparrow')], { out, runtimeImport: RUNTIME, importExtension: 'js', target: 'js' }, gen.io);
    assert.equal(code, 0, gen.text());
    assert.deepEqual(readdirSync(out).sort(), ['demo-common.d.ts', 'demo-common.js', 'demo.d.ts', 'demo.js', 'index.d.ts', 'index.js']);
    for (const name of readdirSync(out)) {
      const text = readFileSync(path.join(out, name), 'utf8');
      assert.match(text, /^\/\/ Code generated by sparrowc v\S+ from demo(-common)?\.sparrow\. DO NOT EDIT\.\n/, name);
      const relative = [...text.matchAll(/from "(\.[^"]*)"/g)].map((m) => m[1]);
      assert.ok(relative.every((spec) => spec?.endsWith('.js')), `${name} imports ${relative.join(', ')}`);
    }
    const js = readFileSync(path.join(out, 'demo.js'), 'utf8');
    assert.doesNotMatch(js, /^import type|: \$?[A-Z]\w*<|\binterface\b/m, 'no TypeScript syntax left in the JavaScript');
    assert.match(readFileSync(path.join(out, 'demo.d.ts'), 'utf8'), /export interface NoteInit \{/);
  });

  it('runs under plain node: a server and a client over tcp', () => {
    writeFileSync(path.join(dir, 'program.js'), program);
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, [path.join(dir, 'program.js')], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
    } catch (error) {
      assert.fail(`plain node failed:\n${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
    assert.deepEqual(JSON.parse(stdout), {
      hello: 'Hello world!',
      pairs: [
        [1, 2],
        [2, 5],
        [3, 10],
      ],
      sum: 44,
      note: { id: '1', createdAt: String(2n ** 62n), meta: [], center: { x: 1, y: 2, tags: [], color: 3 } },
      get: 'NotFound 1',
      picked: 2,
      invalid: 'invalid-params',
    });
  });

  it('refuses --import-extension ts, which JavaScript cannot import (usage error, nothing written)', async () => {
    const gen = io();
    const refused = path.join(dir, 'refused');
    assert.equal(await runGen([path.join(root, 'schemas/demo.sparrow')], { out: refused, runtimeImport: RUNTIME, importExtension: 'ts', target: 'js' }, gen.io), 2);
    assert.match(gen.text(), /--import-extension ts does not apply to --target js/);
    assert.throws(() => readdirSync(refused), { code: 'ENOENT' });
  });

  it('loads ts-morph for --target js only', () => {
    // ts-morph is CommonJS: once imported, it sits in the require cache.
    const probe = `
      import { createRequire } from 'node:module';
      const { main } = await import(process.argv[1]);
      const code = await main(['gen', process.argv[2], '--out', process.argv[3], '--target', process.argv[4]]);
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('/node_modules/ts-morph/'));
      console.log(JSON.stringify({ code, loaded }));`;
    const loaded = (target: string): unknown => {
      const stdout = execFileSync(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', probe, path.join(root, 'compiler/cli/main.ts'), path.join(root, 'schemas/demo.sparrow'), path.join(dir, `probe-${target}`), target],
        { cwd: root, encoding: 'utf8', timeout: 120_000 },
      );
      return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    };
    assert.deepEqual(loaded('ts'), { code: 0, loaded: false });
    assert.deepEqual(loaded('js'), { code: 0, loaded: true });
  });

  it('type-checks a strict consumer against the .d.ts', () => {
    writeFileSync(path.join(dir, 'consumer.ts'), consumer);
    const runtimeSources = path.relative(dir, path.join(root, 'runtime')).split(path.sep).join('/');
    const tsconfig = {
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2023', 'DOM'],
        // Node's types for the runtime's dependencies; skipLibCheck stays off so the generated .d.ts are checked.
        types: ['node'],
        noEmit: true,
        // The stand-in runtime package is JavaScript only; its types are the runtime's sources.
        allowImportingTsExtensions: true,
        paths: { [RUNTIME]: [`${runtimeSources}/index.ts`] },
      },
      files: ['consumer.ts'],
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      assert.fail(`tsc failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
    // The consumer checked the generated declarations, not sources beside them.
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
  });
});
