/**
 * "Works for a user", not only in this repository: both packages packed
 * with `npm pack`, installed from the tarballs into a new project outside
 * the checkout, then used there exactly as the README says — `sparrowc gen`
 * from sparrow.json, a consumer type-checked under strict NodeNext and under
 * moduleResolution Bundler (with skipLibCheck off, so the shipped .d.ts are
 * checked too), a server and a client in two processes, a browser bundle,
 * and the CLI's --help and --version.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readStdoutLines } from '../helpers/fixture-process.ts';
import { npm, packedPackages } from '../helpers/packed-packages.ts';

const run = promisify(execFile);
const TIMEOUT = 600_000;

const schema = `package shop

/// A product.
struct Item { id: int32; name: string; tags: list<string> = [] }

error OutOfStock { id: int32 }

service Shop {
  /// The item with this id.
  find(id: int32): Item throws OutOfStock
  /// Every item, one by one.
  all(): stream<Item>
}
`;

const server = `import { listenPeers } from 'sparrow-rpc/node';
import { registerShop, OutOfStock, type Item } from './gen/index.js';

const items: Item[] = [{ id: 1, name: 'kettle', tags: ['kitchen'] }, { id: 2, name: 'lamp', tags: [] }];
const listener = await listenPeers('tcp://127.0.0.1:0');
registerShop(listener.registry, {
  find: ({ id }) => {
    const item = items.find((i) => i.id === id);
    if (item === undefined) throw new OutOfStock({ id });
    return item;
  },
  *all() {
    yield* items;
  },
});
console.log(listener.url);
process.once('SIGTERM', () => void listener.close().then(() => console.log('closed')));
`;

const client = `import { connectPeer } from 'sparrow-rpc/node';
import { createShopClient, OutOfStock } from './gen/index.js';

const peer = await connectPeer(process.argv[2]!);
const shop = createShopClient(peer);
const first = await shop.find({ id: 1 });
const names: string[] = [];
for await (const item of shop.all()) names.push(item.name);
let missing = 'none';
try {
  await shop.find({ id: 9 });
} catch (error) {
  if (error instanceof OutOfStock) missing = \`OutOfStock \${error.fields.id}\`;
}
console.log(JSON.stringify({ first, names, missing }));
peer.close();
await peer.closed;
`;

// A test of the service in one process, through the exported in-memory peers.
const memory = `import { createMemoryPeers } from 'sparrow-rpc';
import { createShopClient, registerShop } from './gen/index.js';

const { client, server, close } = createMemoryPeers();
registerShop(server, { find: ({ id }) => ({ id, name: 'memo', tags: [] }), *all() {} });
console.log(JSON.stringify(await createShopClient(client).find({ id: 7 })));
await close();
`;

const browser = `import { connectWebSocketPeer } from 'sparrow-rpc';
import { msgpackSerialiser } from 'sparrow-rpc/msgpack';
import { createShopClient } from './gen/index.js';

const peer = await connectWebSocketPeer('ws://127.0.0.1:1/', { serialisers: [msgpackSerialiser] });
document.body.textContent = (await createShopClient(peer).find({ id: 1 })).name;
`;

const strict = { strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, skipLibCheck: false, target: 'ES2022', types: ['node'] };

describe('pack and install (sparrow-rpc + sparrowc from their tarballs)', { timeout: TIMEOUT }, () => {
  let dir = '';
  const inProject = (...parts: string[]) => path.join(dir, ...parts);
  const bin = (name: string) => inProject('node_modules', '.bin', name);

  before(async () => {
    const packed = await packedPackages();
    dir = mkdtempSync(path.join(tmpdir(), 'sparrow-consumer-'));
    writeFileSync(inProject('package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
    mkdirSync(inProject('schemas'));
    mkdirSync(inProject('src'));
    writeFileSync(inProject('schemas', 'shop.sparrow'), schema);
    writeFileSync(inProject('sparrow.json'), JSON.stringify({ inputs: ['schemas/shop.sparrow'], generate: [{ target: 'ts', out: 'src/gen' }] }, null, 2));
    for (const [name, text] of Object.entries({ server, client, memory, browser })) writeFileSync(inProject('src', `${name}.ts`), text);
    writeFileSync(inProject('tsconfig.json'), JSON.stringify({ compilerOptions: { ...strict, lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'dist', rootDir: 'src' }, include: ['src'], exclude: ['src/browser.ts'] }, null, 2));
    writeFileSync(inProject('tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...strict, lib: ['ES2023', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', noEmit: true }, include: ['src'] }, null, 2));
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', packed.runtime, packed.compiler, 'typescript@6.0.3', '@types/node@20.19.43', 'esbuild@0.28.2'], dir);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('installs the runtime without the compiler\'s dependencies', () => {
    const lock = JSON.parse(readFileSync(inProject('package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
    assert.deepEqual(Object.keys(lock.packages['node_modules/sparrow-rpc']?.dependencies ?? {}).sort(), ['cbor-x', 'msgpackr', 'ws']);
    assert.deepEqual(Object.keys(lock.packages['node_modules/sparrowc']?.dependencies ?? {}).sort(), ['chevrotain', 'commander', 'sparrow-rpc', 'ts-morph', 'vscode-languageserver', 'vscode-languageserver-textdocument']);
  });

  it('npx sparrowc --help and --version', async () => {
    const help = await run('npx', ['--no-install', 'sparrowc', '--help'], { cwd: dir });
    assert.match(help.stdout, /Usage: sparrowc/);
    for (const command of ['gen', 'init', 'check', 'call']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
    const version = await run('npx', ['--no-install', 'sparrowc', '--version'], { cwd: dir });
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(inProject('node_modules/sparrowc/package.json'), 'utf8')) as { version: string }).version);
  });

  it('npx sparrowc gen reads sparrow.json; the consumer type-checks under NodeNext and Bundler', async () => {
    const gen = await run('npx', ['--no-install', 'sparrowc', 'gen'], { cwd: dir });
    assert.match(gen.stdout, /file\(s\) written/);
    assert.match(readFileSync(inProject('src/gen/shop.ts'), 'utf8'), /from "sparrow-rpc"/);
    await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: dir });
    await run(bin('tsc'), ['-p', 'tsconfig.bundler.json'], { cwd: dir });
  });

  it('runs a server and a client in two processes, and the in-memory peers', async () => {
    const serverProcess = spawn(process.execPath, [inProject('dist/server.js')], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => serverProcess.once('exit', (code) => resolve(code)));
    try {
      const [url] = await readStdoutLines(serverProcess, 1, 60_000);
      assert.match(url!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      const { stdout } = await run(process.execPath, [inProject('dist/client.js'), url!], { cwd: dir });
      assert.deepEqual(JSON.parse(stdout), { first: { id: 1, name: 'kettle', tags: ['kitchen'] }, names: ['kettle', 'lamp'], missing: 'OutOfStock 9' });
    } finally {
      serverProcess.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const { stdout } = await run(process.execPath, [inProject('dist/memory.js')], { cwd: dir });
    assert.deepEqual(JSON.parse(stdout), { id: 7, name: 'memo', tags: [] });
  });

  it('bundles a browser client with esbuild --platform=browser, without ws or Node built-ins', async () => {
    await run(bin('esbuild'), ['src/browser.ts', '--bundle', '--platform=browser', '--format=esm', '--outfile=out/browser.js', '--metafile=out/meta.json', '--log-level=error'], { cwd: dir });
    const inputs = Object.keys((JSON.parse(readFileSync(inProject('out/meta.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    assert.ok(inputs.some((input) => input.includes('node_modules/sparrow-rpc/dist/')), inputs.join('\n'));
    assert.deepEqual(inputs.filter((input) => /node_modules\/ws\/|^node:|sparrow-rpc\/dist\/transport\/node\/|cbor-x/.test(input)), []);
  });
});
