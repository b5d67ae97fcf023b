/**
 * `sparrowc init` as a user meets it: scaffold, then exactly
 * `npm install && npm run gen && npm start`, with the two packages
 * installed from their packed tarballs (the dependency specifiers are
 * pointed at the tarballs, as for any package not yet published).
 * The node template runs a server and a client and exits 0; the browser
 * template serves its page and WebSocket peer until SIGINT.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runSparrowc } from '../helpers/cli.ts';
import { readStdoutLines } from '../helpers/fixture-process.ts';
import { npm, packedPackages, type PackedPackages } from '../helpers/packed-packages.ts';

const run = promisify(execFile);
const TIMEOUT = 600_000;

/** Points the scaffolded project's dependencies on the two packages at their tarballs. */
function useTarballs(project: string, packed: PackedPackages): void {
  const file = path.join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.match(manifest.dependencies['sparrow-rpc'] ?? '', /^\^\d+\.\d+\.\d+/);
  assert.match(manifest.devDependencies['sparrowc'] ?? '', /^\^\d+\.\d+\.\d+/);
  manifest.dependencies['sparrow-rpc'] = `file:${packed.runtime}`;
  manifest.devDependencies['sparrowc'] = `file:${packed.compiler}`;
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

const install = (project: string) => npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);

describe('sparrowc init', { timeout: TIMEOUT }, () => {
  let packed: PackedPackages;
  let root = '';

  before(async () => {
    packed = await packedPackages();
    root = mkdtempSync(path.join(tmpdir(), 'sparrow-init-'));
  });

  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('node template: init, npm install && npm run gen && npm start runs a server and a client, exit 0', async () => {
    const project = path.join(root, 'my-app');
    const init = await runSparrowc(['init', 'my-app'], { cwd: root });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /cd my-app\n  npm install && npm run gen && npm start/);
    assert.deepEqual(readdirSync(project).sort(), ['.gitignore', 'package.json', 'schemas', 'sparrow.json', 'src', 'tsconfig.json']);
    assert.equal((JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { name: string }).name, 'my-app');

    const again = await runSparrowc(['init', 'my-app', '--template', 'browser'], { cwd: root });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /my-app is not empty/);

    useTarballs(project, packed);
    await install(project);
    await npm(['run', 'gen'], project);
    const { stdout } = await npm(['start', '--silent'], project);
    assert.match(stdout, /^server listening on tcp:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(stdout, /^hello\(\) +-> Hello world!$/m);
    assert.match(stdout, /^hello\("Sparrow"\) +-> Hello Sparrow!$/m);
    assert.match(stdout, /^countdown\(3\) +-> 3 2 1 0$/m);
    assert.match(stdout, /^work\(3, progress\) +-> 3 steps done \(progress: 1, 2, 3\)$/m);
    await npm(['run', 'typecheck'], project);
  });

  it('browser template (made by the installed sparrowc): serves the page and its WebSocket peer until SIGINT', async () => {
    const node = path.join(root, 'my-app');
    const project = path.join(root, 'web');
    await run('npx', ['--no-install', 'sparrowc', 'init', '../web', '--template', 'browser'], { cwd: node });
    useTarballs(project, packed);
    await install(project);
    await npm(['run', 'gen'], project);
    // Its own process group, so SIGINT reaches npm, tsx and the server together, as Ctrl-C in a terminal does.
    const server = spawn('npm', ['start', '--silent'], { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    server.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      const [open] = await readStdoutLines(server, 1, 120_000);
      const pageUrl = /^open (\S+)$/.exec(open ?? '')?.[1];
      assert.ok(pageUrl !== undefined, open);
      assert.match(pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/\?peer=ws%3A%2F%2F127\.0\.0\.1%3A\d+%2F$/);
      const page = await fetch(pageUrl);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="\/page\.js"><\/script>/);
      const script = await fetch(new URL('/page.js', pageUrl));
      assert.equal(script.status, 200);
      const code = await script.text();
      assert.match(code, /connectWebSocketPeer|WebSocket/);
      assert.doesNotMatch(code, /from ["']node:|require\(["']ws["']\)/);
      // A real call over the page's WebSocket peer, with the installed CLI.
      const peerUrl = new URL(pageUrl).searchParams.get('peer')!;
      const call = await run('npx', ['--no-install', 'sparrowc', 'call', peerUrl, 'hello', '{"name": "ws"}', '--namespace', 'Greeter'], { cwd: project });
      assert.equal(JSON.parse(call.stdout), 'Hello ws!');
    } finally {
      process.kill(-server.pid!, 'SIGINT');
    }
    // The server closed everything and returned (tsx exits 0); npm itself then re-raises the SIGINT it got, as npm does.
    const { code, signal } = await exited;
    assert.ok(code === 0 || signal === 'SIGINT', `npm start ended with ${code ?? signal}\n${stderr}`);
    assert.match(stdout, /\nstopped\n$/, stderr);
  });
});
