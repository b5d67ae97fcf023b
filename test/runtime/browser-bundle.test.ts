/**
 * The browser entry needs no bundler setting to stay light: bundled by
 * esbuild with `--platform=neutral` (no browser map, no conditions), it
 * holds neither msgpackr nor cbor-x, and nothing from Node. A page that
 * imports `sparrow-rpc/msgpack` gets msgpackr, and only then.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const runtimeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../runtime');

async function neutralBundle(source: string): Promise<{ inputs: string[]; code: string }> {
  const result = await build({
    stdin: { contents: source, resolveDir: runtimeDir, sourcefile: 'page.ts', loader: 'ts' },
    bundle: true,
    platform: 'neutral',
    // Neutral resolves no package main fields by default; these let a library be found (and so
    // be seen in the inputs) rather than fail the build, should the entry reach one.
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const metafile: Metafile = result.metafile;
  return { inputs: Object.keys(metafile.inputs), code: result.outputFiles[0]!.text };
}

const fromLibrary = (inputs: readonly string[], name: string): string[] => inputs.filter((input) => input.includes(`node_modules/${name}/`));

describe('the browser entry bundled with --platform=neutral', () => {
  it('runtime/index.ts contains neither msgpackr nor cbor-x, and no Node built-in', async () => {
    const { inputs, code } = await neutralBundle(`export * from './index.ts';`);
    assert.ok(inputs.some((input) => input.endsWith('runtime/rpc/peer.ts')), 'the bundle holds the runtime');
    assert.deepEqual(fromLibrary(inputs, 'msgpackr'), []);
    assert.deepEqual(fromLibrary(inputs, 'cbor-x'), []);
    assert.deepEqual(
      inputs.filter((input) => input.startsWith('node:')),
      [],
    );
    assert.doesNotMatch(code, /from ['"]node:/);
  });

  it('a page that imports the msgpack entry gets msgpackr (so the check above can fail)', async () => {
    const { inputs } = await neutralBundle(`export * from './index.ts';\nexport * from './msgpack.ts';`);
    assert.notDeepEqual(fromLibrary(inputs, 'msgpackr'), []);
    assert.deepEqual(fromLibrary(inputs, 'cbor-x'), []);
  });
});
