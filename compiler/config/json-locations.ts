/**
 * JSON.parse that also remembers where each value sits in the text, so a
 * config error can say `sparrow.json:5:7` and not only `$.generate[0].taget`.
 * Strict JSON (no comments, no trailing commas), as `JSON.parse` accepts.
 */

/** A key or index path from the document's root, e.g. `['generate', 0, 'out']`. */
export type JsonPath = readonly (string | number)[];

/** 1-based line and column. */
export interface JsonLocation {
  readonly line: number;
  readonly column: number;
}

/** A parsed document and the locations of its members. */
export interface LocatedJson {
  readonly value: unknown;
  /** Where the member at `path` starts: its key for an object member, its value for an array item; the closest enclosing member when absent. */
  locationOf(path: JsonPath): JsonLocation;
}

/** Invalid JSON, with where the parser stopped. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  readonly location: JsonLocation;
  constructor(message: string, location: JsonLocation) {
    super(message);
    this.location = location;
  }
}

const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Parses `text` as JSON and records the offset of every member.
 * @throws JsonSyntaxError on invalid JSON, with its line and column.
 */
export function parseJsonWithLocations(text: string): LocatedJson {
  const offsets = new Map<string, number>();
  let at = 0;

  const locate = (offset: number): JsonLocation => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(at >= text.length ? `unexpected end of JSON, expected ${what}` : `unexpected ${JSON.stringify(text[at])}, expected ${what}`, locate(at));
  };
  const skip = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const token = (pattern: RegExp, what: string): string => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match === null) fail(what);
    at = pattern.lastIndex;
    return match![0];
  };
  const expect = (char: string): void => {
    skip();
    if (text[at] !== char) fail(`"${char}"`);
    at++;
  };

  const value = (path: (string | number)[]): unknown => {
    skip();
    const char = text[at];
    if (char === '{') {
      at++;
      const object: Record<string, unknown> = {};
      skip();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skip();
        const keyAt = at;
        const key = JSON.parse(token(STRING, 'a key in double quotes')) as string;
        path.push(key);
        offsets.set(JSON.stringify(path), keyAt);
        expect(':');
        object[key] = value(path);
        path.pop();
        skip();
        if (text[at] === ',') at++;
        else if (text[at] === '}') return (at++, object);
        else fail('"," or "}"');
      }
    }
    if (char === '[') {
      at++;
      const array: unknown[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return array;
      }
      for (;;) {
        skip();
        path.push(array.length);
        offsets.set(JSON.stringify(path), at);
        array.push(value(path));
        path.pop();
        skip();
        if (text[at] === ',') at++;
        else if (text[at] === ']') return (at++, array);
        else fail('"," or "]"');
      }
    }
    if (char === '"') return JSON.parse(token(STRING, 'a string'));
    for (const [word, result] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return result;
      }
    }
    return Number(token(NUMBER, 'a JSON value'));
  };

  const root = value([]);
  skip();
  if (at < text.length) fail('the end of the document');
  return {
    value: root,
    locationOf(path) {
      for (let length = path.length; length > 0; length--) {
        const offset = offsets.get(JSON.stringify(path.slice(0, length)));
        if (offset !== undefined) return locate(offset);
      }
      return locate(0);
    },
  };
}

/** `$.generate[0].out` for `['generate', 0, 'out']`. */
export function formatJsonPath(path: JsonPath): string {
  return `$${path.map((part) => (typeof part === 'number' ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`)).join('')}`;
}
