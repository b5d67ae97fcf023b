// Module hooks that run sparrowc's TypeScript sources in a checkout (see
// from-source.js). They run on Node's loader thread.
//
// Why not tsx: registering tsx cost about 0.5 s of CPU per process (its
// bundle and esbuild load on both threads), more than a whole `sparrowc
// check` of a small schema. These hooks only strip types (the sources are
// erasable-syntax-only TypeScript), keep each module's own file URL (so
// `import.meta.url` paths hold), and cache the JavaScript by content hash:
// esbuild is loaded only for a file that changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/sparrowc-source/', import.meta.url));
// Part of every cache key: bump it when the transform below changes.
const TRANSFORM_VERSION = 'esbuild-ts-esm-1';
let esbuild;

/** Adds the `source` export condition, so `sparrow-rpc/...` resolves to runtime/*.ts as under `node --conditions=source`. */
export function resolve(specifier, context, next) {
  return next(specifier, context.conditions.includes('source') ? context : { ...context, conditions: [...context.conditions, 'source'] });
}

/** Loads a `.ts` file as an ES module: its cached JavaScript, or a fresh type-stripped copy. */
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const text = readFileSync(file, 'utf8');
  const key = createHash('sha1').update(TRANSFORM_VERSION).update('\0').update(file).update('\0').update(text).digest('hex');
  const cached = `${cacheDir}${key}.js`;
  let source;
  try {
    source = readFileSync(cached, 'utf8');
  } catch {
    esbuild ??= await import('esbuild');
    source = esbuild.transformSync(text, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file }).code;
    try {
      mkdirSync(cacheDir, { recursive: true });
      // Write then rename: processes running in parallel never read a half-written file.
      const temporary = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(temporary, source);
      renameSync(temporary, cached);
    } catch {
      // A read-only checkout still runs, only without the cache.
    }
  }
  return { format: 'module', source, shortCircuit: true };
}
