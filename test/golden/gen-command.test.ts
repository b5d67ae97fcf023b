import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runGen, type GenCommandOptions } from '../../compiler/cli/gen-command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const options: GenCommandOptions = { out: 'out', runtimeImport: 'sparrow-rpc', importExtension: 'js', target: 'ts' };

function io(cwd: string, signal?: AbortSignal) {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { io: { stdout, stderr: stdout, cwd, ...(signal === undefined ? {} : { signal }) }, text: () => text };
}

it('sparrowc gen: nothing written on errors, unchanged files kept, --watch rebuilds', async () => {
  const dir = mkdtempSync(path.join(root, '.tmp-gen-'));
  try {
    writeFileSync(path.join(dir, 'a.sparrow'), 'struct A { x: nope }');
    const bad = io(dir);
    assert.equal(await runGen(['a.sparrow'], options, bad.io), 1);
    assert.match(bad.text(), /a\.sparrow:1:\d+: error/);
    assert.equal(existsSync(path.join(dir, 'out')), false);

    writeFileSync(path.join(dir, 'a.sparrow'), 'struct A { x: int32 }');
    assert.equal(await runGen(['a.sparrow'], options, io(dir).io), 0);
    assert.deepEqual(readdirSync(path.join(dir, 'out')).sort(), ['a.ts', 'index.ts']);
    const again = io(dir);
    assert.equal(await runGen(['a.sparrow'], options, again.io), 0);
    assert.match(again.text(), /0 file\(s\) written, 2 unchanged/);

    const controller = new AbortController();
    const watching = io(dir, controller.signal);
    const done = runGen(['a.sparrow'], { ...options, watch: true }, watching.io);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(path.join(dir, 'a.sparrow'), 'struct A { x: int32; y: string }');
    for (let i = 0; i < 50 && (watching.text().match(/file\(s\) written/g) ?? []).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    assert.equal(await done, 0);
    assert.match(watching.text(), /1 file\(s\) written, 1 unchanged/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
