/**
 * `npm run size`: what Sparrow costs in a browser. Three profiles, each a
 * real page (examples/browser/size/) built from its own small schema and
 * bundled by esbuild for the browser, minified; gzip -9 of the result.
 *
 * | profile                     | page                                  | schema                               |
 * |-----------------------------|---------------------------------------|--------------------------------------|
 * | `unary-json`                | size/unary.ts                         | schemas/size-unary.sparrow           |
 * | `streams-callbacks-json`    | size/streams-callbacks.ts             | schemas/size-streams-callbacks.sparrow |
 * | `streams-callbacks-msgpack` | size/streams-callbacks-msgpack.ts     | schemas/size-streams-callbacks.sparrow |
 *
 * Prints one line per profile, `<profile> <minified bytes> <gzipped bytes>`;
 * `--json` prints the same as a JSON array; `--details` adds each profile's
 * largest inputs (from esbuild's metafile).
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';

/** The profiles and their page entries. */
export const PROFILES = {
  'unary-json': 'size/unary.ts',
  'streams-callbacks-json': 'size/streams-callbacks.ts',
  'streams-callbacks-msgpack': 'size/streams-callbacks-msgpack.ts',
} as const;

export type Profile = keyof typeof PROFILES;

/** The page entry of `profile`, as a path. */
export function profileEntry(profile: Profile): string {
  return fileURLToPath(new URL(`../examples/browser/${PROFILES[profile]}`, import.meta.url));
}

export interface ProfileSize {
  profile: Profile;
  minified: number;
  gzipped: number;
}

/** How a page is bundled: minified for the browser, as a page would ship it. */
export const PAGE_BUILD = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  conditions: ['source'],
  minify: true,
  write: false,
  metafile: true,
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** Bundles `entry` as a page would ship it (PAGE_BUILD). */
export async function bundle(entry: string): Promise<{ code: Uint8Array; metafile: Metafile }> {
  const result = await build({ ...PAGE_BUILD, entryPoints: [entry] });
  return { code: result.outputFiles[0]!.contents, metafile: result.metafile };
}

/** Bundles one profile and measures it. */
export async function measure(profile: Profile): Promise<ProfileSize & { metafile: Metafile }> {
  const { code, metafile } = await bundle(profileEntry(profile));
  return { profile, minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength, metafile };
}

/** Minified bytes per input of a bundle, largest first. */
export function contributors(metafile: Metafile): [string, number][] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) sizes.set(input, (sizes.get(input) ?? 0) + bytesInOutput);
  }
  return [...sizes].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
}

async function main(argv: readonly string[]): Promise<void> {
  const results = await Promise.all((Object.keys(PROFILES) as Profile[]).map((profile) => measure(profile)));
  if (argv.includes('--json')) {
    console.log(JSON.stringify(results.map(({ profile, minified, gzipped }) => ({ profile, minified, gzipped }))));
    return;
  }
  for (const { profile, minified, gzipped } of results) console.log(`${profile} ${minified} ${gzipped}`);
  if (argv.includes('--details')) {
    for (const { profile, metafile } of results) {
      console.log(`\n${profile}, largest inputs (minified bytes):`);
      for (const [input, bytes] of contributors(metafile).slice(0, 15)) console.log(`  ${String(bytes).padStart(7)}  ${input}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
