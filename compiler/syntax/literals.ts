/**
 * How literal tokens become values, shared by both ways a file is parsed
 * (build-ast.ts after the recovering parser, parse-valid.ts on the fast
 * path): string escapes, integers, floats, doc comment text.
 */

const jsonEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** An escape that is not JSON's: its offset in the literal's image, its length, and its text. */
export type InvalidEscape = (offset: number, length: number, escape: string) => void;

/** Decodes a string literal's image (quotes included) with JSON escapes; invalid escapes are kept verbatim and reported. */
export function decodeString(image: string, onInvalid: InvalidEscape): string {
  const body = image.length >= 2 && image.endsWith('"') && !image.endsWith('\\"') ? image.slice(1, -1) : image.slice(1);
  // The common case, no escape at all: the body as it is.
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1] ?? '';
    const simple = jsonEscapes[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      const length = next === 'u' ? 2 + (body.slice(i + 2, i + 6).match(/^[0-9a-fA-F]*/)?.[0].length ?? 0) : 2;
      onInvalid(1 + i, Math.min(length, body.length - i), body.slice(i, i + length));
      out += body.slice(i, i + length);
      i += length - 1;
    }
  }
  return out;
}

/** The value of an integer literal (`-`, `0x`, `_` between digits), or `undefined` when it is malformed. */
export function integerValue(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const unsigned = negative ? text.slice(1) : text;
  const hex = unsigned.startsWith('0x') || unsigned.startsWith('0X');
  const digits = hex ? unsigned.slice(2) : unsigned;
  if (digits === '' || !validUnderscores(digits)) return undefined;
  const magnitude = BigInt((hex ? '0x' : '') + (digits.includes('_') ? digits.replaceAll('_', '') : digits));
  return negative ? -magnitude : magnitude;
}

/** The value of a float literal, or `undefined` when its `_` are misplaced. */
export function floatValue(text: string): number | undefined {
  return validUnderscores(text) ? Number(text.replaceAll('_', '')) : undefined;
}

/** `_` only between digits: not leading, trailing, doubled, or next to `.`/`e`. */
function validUnderscores(text: string): boolean {
  return !text.includes('_') || !/(^-?_|_$|__|_[.eExX]|[.eExX+-]_)/.test(text);
}

/** The text of one `///` line: without the slashes, one space after them, and trailing blanks. */
export function docLineText(image: string): string {
  return image.replace(/^\/\/\/+ ?/, '').trimEnd();
}
