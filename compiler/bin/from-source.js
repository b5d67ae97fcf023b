// Runs sparrowc from its TypeScript sources, for a checkout with no build:
// tsx compiles on the fly, and a resolve hook adds the `source` export
// condition so `sparrow-rpc/...` resolves to runtime/*.ts as it does under
// `node --conditions=source`. Needs tsx, a devDependency of the repository.
import { register } from 'node:module';

const addSourceCondition = `export function resolve(specifier, context, next) {
  return next(specifier, context.conditions.includes('source') ? context : { ...context, conditions: [...context.conditions, 'source'] });
}`;

/** Loads the CLI from compiler/cli/main.ts; resolves to its `main` function. */
export async function loadMainFromSource() {
  register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  return (await import(new URL('../cli/main.ts', import.meta.url).href)).main;
}
