/**
 * Loads a dependency that only `bench/package.json` installs (the peers:
 * gRPC, vscode-jsonrpc, birpc, capnweb).
 *
 * The import is dynamic, with the name in a variable, on purpose: neither
 * `tsc` nor the raw and Sparrow rows then need `bench/node_modules`, so
 * `npm run typecheck` and the bench smoke test work on a clean clone. The
 * price is that each peer contender declares the few types it uses itself.
 */
export async function importPeerDependency<T>(name: string): Promise<T> {
  try {
    // Every peer package exposes named exports to ESM (CommonJS ones through Node's export detection).
    return (await import(name)) as T;
  } catch (error) {
    throw new Error(`${name} is not installed (run: npm --prefix bench ci): ${error instanceof Error ? error.message : String(error)}`);
  }
}
