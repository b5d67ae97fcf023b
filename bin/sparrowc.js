#!/usr/bin/env node
// The repository's sparrowc (`npm run sparrowc -- …`, `node bin/sparrowc.js`):
// always the TypeScript sources of compiler/, never a build that may be
// stale, so edits take effect at once. Users get the `sparrowc` package's
// own bin (compiler/bin/sparrowc.js), which runs the build.
import { loadMainFromSource } from '../compiler/bin/from-source.js';

const main = await loadMainFromSource();
process.exitCode = await main(process.argv.slice(2));
