/**
 * The serialisers a link uses when it is given none, in a browser bundle
 * (package.json's `browser` map puts this file in place of defaults.ts):
 * JSON only, so a page bundles neither msgpackr nor cbor-x unless it passes
 * `serialisers: [msgpackSerialiser]` (from `sparrow-rpc/msgpack`) or
 * `cborSerialiser` (`sparrow-rpc/cbor`).
 */
import { jsonSerialiser } from './json.ts';
import { serialiserTable, type SerialiserTable } from './serialiser.ts';

export const defaultSerialisers: SerialiserTable = /* @__PURE__ */ serialiserTable(jsonSerialiser, []);
