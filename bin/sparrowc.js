#!/usr/bin/env node
// The sparrowc command. Runs the built CLI when dist/ exists; on a fresh
// checkout it registers tsx and runs the TypeScript sources directly, so no
// build step is needed before the first use.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/compiler/cli/main.js', import.meta.url));
let entry;
if (existsSync(built)) {
  entry = pathToFileURL(built).href;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../compiler/cli/main.ts', import.meta.url).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
