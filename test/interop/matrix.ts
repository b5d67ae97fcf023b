/**
 * The interop matrix's axes and payload makers, shared by both directions.
 */

/** Transports every direction runs over. */
export const TRANSPORTS = ['tcp', 'unix', 'ws'] as const;
export type InteropTransport = (typeof TRANSPORTS)[number];

/** Serialiser codes every direction runs with. */
export const SERIALISERS = ['j', 'm', 'c'] as const;
export type InteropSerialiser = (typeof SERIALISERS)[number];

/** `mib` MiB of bytes in a pattern that shows a shifted or truncated copy. */
export function bigBytes(mib: number): Uint8Array {
  const data = new Uint8Array(mib * 1024 * 1024);
  for (let k = 0; k < data.length; k++) data[k] = (k * 31 + (k >>> 11)) & 0xff;
  return data;
}

/** `mib` MiB of ASCII text (what JSON carries without the `l` payload). */
export function bigText(mib: number): string {
  return 'sparrow-interop-'.repeat((mib * 1024 * 1024) / 16);
}
