/** Reading message ids from decoded envelopes (PROTOCOL.md §7.1, §14). */
import { protocolError } from './codec.ts';
import type { MessageId } from './message.ts';

/**
 * Accepts an id of any scalar type the wire carries: numbers and strings as
 * they are, integers beyond 2^53 (bigint) as their decimal string.
 *
 * @throws SparrowError `protocol-error` for null, booleans, maps and arrays.
 */
export function idOf(value: unknown, key: string): MessageId {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  throw protocolError(`id in ${JSON.stringify(key)} is not a number or string`);
}
