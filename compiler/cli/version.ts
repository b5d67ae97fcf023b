/**
 * The version of the `sparrowc` package, read from its own package.json by
 * self-reference. It works wherever the code runs: from the sources
 * (compiler/cli/), from the build (compiler/dist/cli/) and from an installed
 * package, because the package resolves its own name in every case.
 */
import { createRequire } from 'node:module';

let cached: string | undefined;

/** The `version` field of sparrowc's package.json, e.g. `0.1.0`. */
export function compilerVersion(): string {
  cached ??= (createRequire(import.meta.url)('sparrowc/package.json') as { version: string }).version;
  return cached;
}
