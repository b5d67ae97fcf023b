/**
 * Maps with keys that are not strings (docs/interop.md, "Value rules"):
 * msgpack and CBOR allow any key type and Python sends int and bytes keys,
 * but msgpackr and cbor-x, told to build plain objects, turn int keys into
 * strings and refuse bytes keys. The scan before decoding (scan.ts) finds
 * such a map; only then is the value decoded with Maps, and every map whose
 * keys are all strings turned back into a plain object here, so a `Map`
 * comes out exactly where the keys have their own types.
 */

/**
 * Turns every Map in `value` whose keys are all strings into a plain object
 * (in place where it can), leaving the others Maps; returns the result.
 */
export function objectsForStringKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) value[k] = objectsForStringKeys(value[k]);
    return value;
  }
  if (value instanceof Map) {
    let allStrings = true;
    for (const [key, item] of value) {
      value.set(key, objectsForStringKeys(item));
      if (typeof key !== 'string') allStrings = false;
    }
    if (!allStrings) return value;
    const object: Record<string, unknown> = {};
    for (const [key, item] of value as Map<string, unknown>) {
      // defineProperty so a "__proto__" key stays data.
      if (key === '__proto__') Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
      else object[key] = item;
    }
    return object;
  }
  return value;
}
