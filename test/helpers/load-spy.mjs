// Reports every npm package a process loads, one `sparrow-load-spy: <name>`
// line on stderr per resolution. Use with NODE_OPTIONS="--import <this file>".
// Plain .mjs, not .ts: it runs before tsx is registered.
import { register } from 'node:module';
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

// Node 20 runs module hooks on a separate thread, which imports this file again.
if (isMainThread) register(import.meta.url);

/** Module resolve hook: passes through, noting packages resolved from node_modules. */
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url);
  if (match !== null) writeSync(2, `sparrow-load-spy: ${match[1]}\n`);
  return result;
}
