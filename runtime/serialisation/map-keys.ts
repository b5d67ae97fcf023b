/**
 * Maps with keys that are not strings (docs/interop.md, "Value rules"):
 * msgpack and CBOR allow any key type and Python sends int and bytes keys,
 * but msgpackr and cbor-x, told to build plain objects, turn int keys into
 * strings and refuse bytes keys. A cheap scan of the encoded bytes finds
 * such a map; only then is the value decoded with Maps and every map whose
 * keys are all strings turned back into a plain object, so a `Map` comes
 * out exactly where the keys have their own types.
 */

/** Enough nesting for any value the depth limit lets through; deeper input is left to the decoder's own checks. */
const MAX_SCAN_DEPTH = 1024;

/**
 * True when the msgpack value in `bytes` holds a map with a key that is not
 * a string (or when the bytes are too odd to tell: the caller then takes
 * the careful path, which is correct for every input).
 */
export function msgpackHasNonStringKeys(bytes: Uint8Array): boolean {
  const containers = new OpenContainers();
  let pos = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (containers.more()) {
    const isKey = containers.take();
    if (pos >= bytes.length) return true;
    const tag = bytes[pos++]!;
    let skip = 0;
    let open = -1;
    let map = false;
    let text = false;
    if (tag < 0x80 || tag >= 0xe0) skip = 0;
    else if (tag < 0x90) (open = (tag & 0x0f) * 2), (map = true);
    else if (tag < 0xa0) open = tag & 0x0f;
    else if (tag < 0xc0) (skip = tag & 0x1f), (text = true);
    else {
      switch (tag) {
        case 0xc0: case 0xc2: case 0xc3: break;
        case 0xc4: skip = bytes[pos++]!; break;
        case 0xc5: skip = view.getUint16(pos); pos += 2; break;
        case 0xc6: skip = view.getUint32(pos); pos += 4; break;
        case 0xc7: skip = bytes[pos]! + 1; pos += 1; break;
        case 0xc8: skip = view.getUint16(pos) + 1; pos += 2; break;
        case 0xc9: skip = view.getUint32(pos) + 1; pos += 4; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: skip = 2; break;
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xd9: skip = bytes[pos++]!; text = true; break;
        case 0xda: skip = view.getUint16(pos); pos += 2; text = true; break;
        case 0xdb: skip = view.getUint32(pos); pos += 4; text = true; break;
        case 0xdc: open = view.getUint16(pos); pos += 2; break;
        case 0xdd: open = view.getUint32(pos); pos += 4; break;
        case 0xde: open = view.getUint16(pos) * 2; pos += 2; map = true; break;
        case 0xdf: open = view.getUint32(pos) * 2; pos += 4; map = true; break;
        default: return true;
      }
    }
    if (isKey && (!text || isProtoKey(bytes, pos, skip))) return true;
    pos += skip;
    if (open >= 0 && !containers.open(open, map)) return true;
  }
  return false;
}

/** As msgpackHasNonStringKeys, for CBOR (indefinite lengths and anything odd answer true). */
export function cborHasNonStringKeys(bytes: Uint8Array): boolean {
  const containers = new OpenContainers();
  let pos = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (containers.more()) {
    if (pos >= bytes.length) return true;
    const head = bytes[pos++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    let n: number;
    if (info < 24) n = info;
    else if (info === 24) n = bytes[pos++]!;
    else if (info === 25) (n = view.getUint16(pos)), (pos += 2);
    else if (info === 26) (n = view.getUint32(pos)), (pos += 4);
    else if (info === 27) (n = Number(view.getBigUint64(pos))), (pos += 8);
    else return true;
    // A tag wraps the next item, which takes the tag's place (keys included).
    if (major === 6) continue;
    if (containers.take() && (major !== 3 || isProtoKey(bytes, pos, n))) return true;
    if (major === 2 || major === 3) pos += n;
    else if ((major === 4 || major === 5) && !containers.open(major === 5 ? n * 2 : n, major === 5)) return true;
  }
  return false;
}

const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"

/**
 * True when the key text at `bytes[pos, pos + length)` is "__proto__":
 * the plain-object decoders rename it (`__proto_`), so such a value takes
 * the careful path, which keeps it as an own data property as JSON does.
 */
function isProtoKey(bytes: Uint8Array, pos: number, length: number): boolean {
  if (length !== 9) return false;
  for (let k = 0; k < 9; k++) if (bytes[pos + k] !== PROTO[k]) return false;
  return true;
}

/** The containers open during a scan: items left in each, and whether the next item of a map is a key. */
class OpenContainers {
  // The top level is one item in no map.
  private readonly left: number[] = [1];
  private readonly inMap: boolean[] = [false];
  private readonly keyNext: boolean[] = [false];

  /** Closes the finished containers; false when nothing is left to read. */
  more(): boolean {
    while (this.left.length > 0 && this.left[this.left.length - 1] === 0) {
      this.left.pop();
      this.inMap.pop();
      this.keyNext.pop();
    }
    return this.left.length > 0;
  }

  /** Counts the next item off the innermost container; true when it is a map key. */
  take(): boolean {
    const top = this.left.length - 1;
    this.left[top]!--;
    if (!this.inMap[top]) return false;
    const isKey = this.keyNext[top]!;
    this.keyNext[top] = !isKey;
    return isKey;
  }

  /** Opens a container of `items` items (keys and values for a map); false when too deep to follow. */
  open(items: number, map: boolean): boolean {
    if (this.left.length > MAX_SCAN_DEPTH) return false;
    this.left.push(items);
    this.inMap.push(map);
    this.keyNext.push(true);
    return true;
  }
}

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
