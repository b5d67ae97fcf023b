/** Serialisers by wire code (PROTOCOL.md §3). */
import type { SerialiserCode } from '../envelope/message.ts';
import { cborSerialiser } from './cbor.ts';
import { jsonSerialiser } from './json.ts';
import { msgpackSerialiser } from './msgpack.ts';
import type { Serialiser } from './serialiser.ts';

const byCode: Readonly<Record<SerialiserCode, Serialiser>> = { j: jsonSerialiser, m: msgpackSerialiser, c: cborSerialiser };

/** True when `code` names a serialiser (`j`, `m` or `c`). */
export function isSerialiserCode(code: unknown): code is SerialiserCode {
  return code === 'j' || code === 'm' || code === 'c';
}

/**
 * The serialiser for a wire code.
 *
 * Total over SerialiserCode; check untrusted codes with isSerialiserCode first.
 */
export function getSerialiser(code: SerialiserCode): Serialiser {
  return byCode[code];
}
