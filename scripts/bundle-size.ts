/**
 * `npm run size`: what Sparrow costs in a browser, bundled by esbuild for
 * the browser as examples/browser/serve.ts does — raw, minified and
 * gzipped (gzip -9 of the minified bundle):
 *
 * - the demo page as shipped (examples/browser/page.ts: JSON calls, plus
 *   msgpack for its bytes calls);
 * - a minimal JSON-only client: the browser runtime plus the generated demo
 *   client, calling the server and exporting DemoClient to it;
 * - the same client with msgpack (`serialisers: [msgpackSerialiser]`), what
 *   bytes over JSON cost (PROTOCOL.md decision 4).
 *
 * Then the largest contributors to the minimal client, and runtime/rpc by file.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';

const pageEntry = fileURLToPath(new URL('../examples/browser/page.ts', import.meta.url));
const examplesDir = fileURLToPath(new URL('../examples/', import.meta.url));

/** A minimal client: connect, call one method, export the callbacks the server may call. */
export function minimalClient(withMsgpack: boolean): string {
  return [
    `import { connectWebSocketPeer } from 'sparrow-rpc';`,
    withMsgpack ? `import { msgpackSerialiser } from 'sparrow-rpc/msgpack';` : '',
    `import { createDemoClient, registerDemoClient } from './generated/index.ts';`,
    `const peer = await connectWebSocketPeer(location.hash.slice(1)${withMsgpack ? ', { serialisers: [msgpackSerialiser] }' : ''});`,
    `registerDemoClient(peer, { show: ({ message }) => console.log(message), confirm: () => true, pingCount: () => {} });`,
    `console.log(await createDemoClient(peer).helloWorld({ name: 'size' }));`,
  ].join('\n');
}

export interface Bundle {
  code: Uint8Array;
  metafile: Metafile;
}

/** Bundles the page (`entry: 'page'`) or a source text (resolved from examples/) for the browser. */
export async function bundle(entry: 'page' | { source: string }, minify: boolean): Promise<Bundle> {
  const result = await build({
    ...(entry === 'page' ? { entryPoints: [pageEntry] } : { stdin: { contents: entry.source, resolveDir: examplesDir, sourcefile: 'client.ts', loader: 'ts' as const } }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['source'],
    minify,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]!.contents, metafile: result.metafile };
}

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`;
const gzipped = (code: Uint8Array): number => gzipSync(code, { level: 9 }).byteLength;

/** Minified bytes per input, grouped by `groupOf` (undefined: left out). */
function contributors(metafile: Metafile, groupOf: (input: string) => string | undefined): [string, number][] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const group = groupOf(input);
      if (group !== undefined) sizes.set(group, (sizes.get(group) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const byOrigin = (input: string): string => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? /^(runtime\/[^/]+|examples\/[^/]+)/.exec(input)?.[1] ?? input;

async function main(): Promise<void> {
  const rows: Array<[string, 'page' | { source: string }]> = [
    ['demo page as shipped (JSON + msgpack)', 'page'],
    ['minimal client, JSON only', { source: minimalClient(false) }],
    ['minimal client + msgpack', { source: minimalClient(true) }],
  ];
  console.log('Browser bundles (esbuild, platform browser; runtime + generated demo client)');
  console.log(`  ${''.padEnd(40)} ${'raw'.padStart(9)} ${'minified'.padStart(9)} ${'gzipped'.padStart(9)}`);
  let minimal: Bundle | undefined;
  for (const [name, entry] of rows) {
    const [raw, min] = await Promise.all([bundle(entry, false), bundle(entry, true)]);
    if (minimal === undefined && typeof entry !== 'string') minimal = min;
    console.log(`  ${name.padEnd(40)} ${kB(raw.code.byteLength).padStart(9)} ${kB(min.code.byteLength).padStart(9)} ${kB(gzipped(min.code)).padStart(9)}`);
  }
  console.log('');
  console.log('Minimal JSON-only client, largest contributors (minified bytes):');
  for (const [name, bytes] of contributors(minimal!.metafile, byOrigin).slice(0, 10)) console.log(`  ${kB(bytes).padStart(9)}  ${name}`);
  console.log('');
  console.log('  runtime/rpc by file:');
  for (const [name, bytes] of contributors(minimal!.metafile, (input) => (input.startsWith('runtime/rpc/') ? input : undefined))) console.log(`  ${kB(bytes).padStart(9)}  ${name}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
