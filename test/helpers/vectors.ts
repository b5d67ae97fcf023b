/**
 * Loads the wire test vectors (PROTOCOL.md §13) from test/fixtures/vectors:
 * a `#` header line, then per chain a `C>S <hex>` / `S>C <hex>` line
 * followed by a `#` annotation that decodes it with Python reprs. The
 * annotation is parsed into data, so tests can state what each chain means
 * without restating the codec.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const vectorsDir = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));

/** What a vector's annotation line says about one chain. */
export interface ChainAnnotation {
  prefix: string;
  /** Envelope serialiser code. */
  serialiser: string;
  /** HEAD layout: the protocol tag in chain part 0. */
  headVersion?: string;
  /** The envelope map. */
  envelope: Record<string, unknown>;
  /** Payload parts after the envelope (`undefined` = `<empty>` zero-length part). */
  payload: unknown[];
  /** The annotation says the payload was decoded with msgpack per `l`. */
  payloadViaL: boolean;
}

export interface VectorChain {
  direction: 'C>S' | 'S>C';
  hex: string;
  bytes: Uint8Array;
  annotation: ChainAnnotation;
}

export interface Vector {
  name: string;
  header: string;
  chains: VectorChain[];
}

/** Parses one `.hex` vector file's text. */
export function parseVector(name: string, text: string): Vector {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0] ?? '';
  if (!header.startsWith('#')) throw new Error(`${name}: missing header line`);
  const chains: VectorChain[] = [];
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    const match = /^(C>S|S>C) ([0-9a-f]+)$/.exec(line);
    if (match === null) throw new Error(`${name}: unexpected line ${k + 1}: ${line}`);
    const note = lines[k + 1];
    if (note === undefined || !note.startsWith('#')) throw new Error(`${name}: chain on line ${k + 1} has no annotation`);
    k++;
    chains.push({
      direction: match[1] as 'C>S' | 'S>C',
      hex: match[2]!,
      bytes: Uint8Array.from(Buffer.from(match[2]!, 'hex')),
      annotation: parseAnnotation(note.replace(/^#\s*/, '')),
    });
  }
  return { name, header, chains };
}

/** Every vector, sorted by file name. */
export function loadVectors(): Vector[] {
  return readdirSync(vectorsDir)
    .filter((file) => file.endsWith('.hex'))
    .sort()
    .map((file) => parseVector(file.replace(/\.hex$/, ''), readFileSync(vectorsDir + file, 'utf8')));
}

/**
 * Parses an annotation such as
 * `prefix='j'; [env ser 'j']; part 0: {...}; part 1: 'pong'` or
 * `prefix=''; part0(protocol_version)=b'.5'; part1(env ser code)='m'; part 0: {...}`.
 */
export function parseAnnotation(text: string): ChainAnnotation {
  const reader = new ReprReader(text);
  reader.expect("prefix=");
  const prefix = reader.value() as string;
  let serialiser = prefix;
  let headVersion: string | undefined;
  let envelope: Record<string, unknown> | undefined;
  const payload: unknown[] = [];
  let payloadViaL = false;
  while (reader.more()) {
    reader.expect(';');
    reader.space();
    if (reader.take('[env ser ')) {
      serialiser = reader.value() as string;
      reader.expect(']');
    } else if (reader.take('part0(protocol_version)=')) {
      headVersion = new TextDecoder().decode(reader.value() as Uint8Array);
    } else if (reader.take('part1(env ser code)=')) {
      serialiser = reader.value() as string;
    } else if (reader.take('part 0: ')) {
      envelope = reader.value() as Record<string, unknown>;
    } else if (reader.take('payload/env part ') || reader.take('part ')) {
      const index = reader.integer();
      if (reader.take(' (decoded with msgpack, per \'l\')')) payloadViaL = true;
      reader.expect(': ');
      const value = reader.take('<empty>') ? undefined : reader.value();
      payload[index - 1] = value;
    } else {
      throw new Error(`cannot parse annotation at: ${reader.rest()}`);
    }
  }
  if (envelope === undefined) throw new Error(`annotation without an envelope: ${text}`);
  return { prefix, serialiser, ...(headVersion === undefined ? {} : { headVersion }), envelope, payload, payloadViaL };
}

/** Reads the subset of Python repr the annotations use: dict, list, tuple, str, bytes, int, float, None, True, False. */
class ReprReader {
  private pos = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  more(): boolean {
    return this.pos < this.text.length;
  }
  rest(): string {
    return this.text.slice(this.pos);
  }
  space(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }
  take(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }
  expect(word: string): void {
    if (!this.take(word)) throw new Error(`expected ${JSON.stringify(word)} at: ${this.rest()}`);
  }
  integer(): number {
    const match = /^\d+/.exec(this.rest());
    if (match === null) throw new Error(`expected an integer at: ${this.rest()}`);
    this.pos += match[0].length;
    return Number(match[0]);
  }
  value(): unknown {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') {
      this.pos++;
      const out: Record<string, unknown> = {};
      this.space();
      if (this.take('}')) return out;
      for (;;) {
        const key = this.value();
        this.space();
        this.expect(':');
        out[String(key)] = this.value();
        this.space();
        if (this.take('}')) return out;
        this.expect(',');
      }
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      this.pos++;
      const out: unknown[] = [];
      this.space();
      if (this.take(close)) return out;
      for (;;) {
        out.push(this.value());
        this.space();
        if (this.take(close)) return out;
        this.expect(',');
        this.space();
        if (this.take(close)) return out;
      }
    }
    if (c === "'" || c === '"') return this.string();
    if (c === 'b' && (this.text[this.pos + 1] === "'" || this.text[this.pos + 1] === '"')) {
      this.pos++;
      const raw = this.string();
      return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
    }
    if (this.take('None')) return null;
    if (this.take('True')) return true;
    if (this.take('False')) return false;
    const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.rest());
    if (match === null) throw new Error(`cannot parse a value at: ${this.rest()}`);
    this.pos += match[0].length;
    if (match[1] === undefined && match[2] === undefined) {
      const big = BigInt(match[0]);
      return big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER) ? big : Number(match[0]);
    }
    return Number(match[0]);
  }
  private string(): string {
    const quote = this.text[this.pos++];
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) throw new Error('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === 'x') {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + 2), 16));
        this.pos += 2;
      } else if (e === 'u') {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + 4), 16));
        this.pos += 4;
      } else if (e === 'n') out += '\n';
      else if (e === 't') out += '\t';
      else if (e === 'r') out += '\r';
      else out += e;
    }
  }
}

/** Hex of bytes, lowercase. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Bytes of a hex string (spaces and `|` ignored). */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/[\s|]/g, ''), 'hex'));
}
