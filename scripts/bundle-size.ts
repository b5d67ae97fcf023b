/**
 * `npm run size`: what the browser demo page costs over the wire — the
 * browser runtime plus the generated client, bundled by esbuild as
 * examples/browser/serve.ts does — raw, minified and gzipped, with the
 * largest contributors.
 *
 * A second figure measures the same page with msgpackr and cbor-x replaced
 * by empty stubs: what a JSON-only page would cost if the runtime let
 * serialisers be optional. Today it cannot (the serialiser registry imports
 * all three, and msgpack.ts/cbor.ts build their encoders at module load),
 * and bytes over JSON need msgpack anyway (PROTOCOL "Decisions" 4).
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const pageEntry = fileURLToPath(new URL('../examples/browser/page.ts', import.meta.url));

/** Replaces the binary serialiser libraries with stubs that throw when used. */
const stubBinarySerialisers: Plugin = {
  name: 'stub-binary-serialisers',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(msgpackr|cbor-x)$/ }, (args) => ({ path: args.path, namespace: 'stub' }));
    // CommonJS, so any named import the runtime adds later still resolves (to a harmless constructor).
    pluginBuild.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'module.exports = new Proxy({}, { get: () => function Stub() {} });',
      loader: 'js',
    }));
  },
};

interface Bundle {
  code: Uint8Array;
  metafile: Metafile;
}

async function bundle(minify: boolean, plugins: Plugin[] = []): Promise<Bundle> {
  const result = await build({
    entryPoints: [pageEntry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['source'],
    minify,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  return { code: result.outputFiles[0]!.contents, metafile: result.metafile };
}

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`;
const gzipped = (code: Uint8Array): number => gzipSync(code, { level: 9 }).byteLength;

/** Minified bytes per origin: a package, the runtime, the generated code, the page. */
function contributors(metafile: Metafile): [string, number][] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      const group = pkg ?? (/^(runtime\/[^/]+|examples\/[^/]+)/.exec(input)?.[1] ?? input);
      sizes.set(group, (sizes.get(group) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const raw = await bundle(false);
const minified = await bundle(true);
const jsonOnly = await bundle(true, [stubBinarySerialisers]);

console.log('Browser page bundle (examples/browser/page.ts: runtime + generated client), esbuild, platform browser');
console.log(`  raw        ${kB(raw.code.byteLength).padStart(9)}`);
console.log(`  minified   ${kB(minified.code.byteLength).padStart(9)}`);
console.log(`  gzipped    ${kB(gzipped(minified.code)).padStart(9)}   (gzip -9 of the minified bundle)`);
console.log('');
console.log('Largest contributors (minified bytes):');
for (const [name, bytes] of contributors(minified.metafile).slice(0, 10)) console.log(`  ${kB(bytes).padStart(9)}  ${name}`);
console.log('');
console.log('Same page with msgpackr and cbor-x stubbed out (what a JSON-only page would cost):');
console.log(`  minified   ${kB(jsonOnly.code.byteLength).padStart(9)}`);
console.log(`  gzipped    ${kB(gzipped(jsonOnly.code)).padStart(9)}`);
