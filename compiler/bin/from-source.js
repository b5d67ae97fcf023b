// Runs sparrowc from its TypeScript sources, for a checkout with no build:
// source-hooks.js strips the types (cached by content, so edits take effect
// at once) and adds the `source` export condition so `sparrow-rpc/...`
// resolves to runtime/*.ts as it does under `node --conditions=source`.
// Needs esbuild, a devDependency of the repository.
import { register } from 'node:module';

/** Loads the CLI from compiler/cli/main.ts; resolves to its `main` function. */
export async function loadMainFromSource() {
  register(new URL('./source-hooks.js', import.meta.url));
  return (await import(new URL('../cli/main.ts', import.meta.url).href)).main;
}
