/**
 * Detects binary values in a payload, so a payload bound for a serialiser
 * that cannot carry bytes (JSON) is written with msgpack instead
 * (PROTOCOL.md decision 4, §8).
 */

/**
 * True when `value` holds a `Uint8Array` (or any ArrayBuffer view, or an
 * ArrayBuffer) anywhere within `maxDepth` levels. Stops at the first hit;
 * scalars cost one `typeof`. Deeper levels are not searched: JSON encoding
 * of such a value fails loudly instead of silently mangling bytes.
 */
export function containsBytes(value: unknown, maxDepth = 64): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return search(value, maxDepth);
}

function search(container: object, depthLeft: number): boolean {
  if (ArrayBuffer.isView(container) || container instanceof ArrayBuffer) return true;
  if (depthLeft <= 0) return false;
  if (Array.isArray(container)) {
    for (let k = 0; k < container.length; k++) {
      const item: unknown = container[k];
      if (typeof item === 'object' && item !== null && search(item, depthLeft - 1)) return true;
    }
    return false;
  }
  if (container instanceof Map) {
    for (const item of container.values()) {
      if (typeof item === 'object' && item !== null && search(item as object, depthLeft - 1)) return true;
    }
    return false;
  }
  const record = container as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === 'object' && item !== null && search(item, depthLeft - 1)) return true;
  }
  return false;
}

/** A plain Uint8Array view of `bytes` (a Node Buffer source would make msgpackr/cbor-x return Buffers). */
export function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
