/**
 * Every serialiser by wire code (PROTOCOL.md §3): the Node default.
 * Importing this module bundles msgpackr and cbor-x; browser code passes
 * only the serialisers it needs instead (see `MessageLinkOptions.serialisers`).
 */
import type { SerialiserCode } from '../wire.ts';
import { cborSerialiser } from './cbor.ts';
import { inPlaceJsonSerialiser } from './json-in-place.ts';
import { msgpackSerialiser } from './msgpack.ts';
import { serialiserTable, type Serialiser, type SerialiserTable } from './serialiser.ts';

export { isSerialiserCode } from '../wire.ts';

/** `j` (with JSON's in-place paths), `m` and `c`. */
export const allSerialisers: SerialiserTable = /* @__PURE__ */ serialiserTable(inPlaceJsonSerialiser, [msgpackSerialiser, cborSerialiser]);

/**
 * The serialiser for a wire code.
 *
 * Total over SerialiserCode; check untrusted codes with isSerialiserCode first.
 */
export function getSerialiser(code: SerialiserCode): Serialiser {
  return allSerialisers[code]!;
}
