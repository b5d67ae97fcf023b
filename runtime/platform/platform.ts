/**
 * The runtime abstraction layer: the few things the runtime does differently
 * on Node and elsewhere, behind one interface (the shape of vscode-jsonrpc's
 * `ral`). Code below the entries asks `platform()` and never probes
 * `globalThis` or imports Node; an entry installs its platform once, at
 * import. Nothing installed means the neutral platform: what any ES2022
 * engine has (a browser, a worker, Deno, Node through the browser entry).
 *
 * Browser-safe: the neutral platform needs only JSON, setTimeout and
 * Uint8Array, so a bundle of the browser entry holds neither msgpackr nor
 * cbor-x unless the page imports them (`sparrow-rpc/msgpack`, `…/cbor`).
 */
import { jsonSerialiser } from '../serialisation/json.ts';
import { serialiserTable, type SerialiserTable } from '../serialisation/serialiser.ts';

/** What a platform provides. */
export interface Platform {
  /** A name for logs and tests: `neutral` or `node`. */
  readonly name: string;
  /** The serialisers a link uses when it is given none (JSON is always one). */
  readonly defaultSerialisers: SerialiserTable;
  /**
   * Runs `fn` in a later macrotask. Used where work queued in this tick must
   * leave first: Node's stream transports write what was sent in one tick
   * from a `process.nextTick`, which runs only once the microtask queue is
   * empty; a consumer looping over already-resolved promises never empties it.
   * Absent: `setTimeout(fn, 0)` (rpc/macrotask.ts, so a page that never
   * waits for one carries none).
   */
  nextMacrotask?(fn: () => void): void;
  /**
   * Memory for `size` bytes that the caller writes whole before anyone reads
   * it: uninitialised where the platform allows (no memset), zeroed
   * otherwise. Always a plain Uint8Array (never a Node Buffer).
   */
  allocateUninitialised(size: number): Uint8Array;
}

/** The platform of any ES2022 engine: JSON only, `setTimeout(fn, 0)` (no `nextMacrotask`), zeroed memory. */
export const neutralPlatform: Platform = Object.freeze({
  name: 'neutral',
  defaultSerialisers: /* @__PURE__ */ serialiserTable(jsonSerialiser, []),
  allocateUninitialised(size: number): Uint8Array {
    return new Uint8Array(size);
  },
});

let installed: Platform = neutralPlatform;

/** The installed platform (the neutral one until an entry installs another). */
export function platform(): Platform {
  return installed;
}

/**
 * Installs `next` as the runtime's platform. Entries call this once, when
 * they are imported (the Node entry installs `nodePlatform`); later calls
 * replace it, so tests can install a platform of their own.
 */
export function installPlatform(next: Platform): void {
  installed = next;
}
