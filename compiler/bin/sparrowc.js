#!/usr/bin/env node
// The sparrowc command of the `sparrowc` package: runs the build (dist/),
// which the package always ships. In a checkout with no build it runs the
// TypeScript sources instead (see from-source.js).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
const { main } = existsSync(built) ? await import(built.href) : { main: await (await import('./from-source.js')).loadMainFromSource() };
process.exitCode = await main(process.argv.slice(2));
