/** Random edits of schema text, for the fuzz tests of the syntax stage (seeded: the same seed gives the same variants). */

const fragments = [
  '{', '}', '(', ')', '<', '>', '[', ']', '"', "'", '/*', '*/', '///', '//', '@', '@auth', '@auth()', '@namespace("#sys")', '@wire(', 'stream<', 'callback(',
  ',', ';', ':', '?', '=', '|', '.', '\n', '\r\n', '\t', ' ', 'struct', 'service', 'enum', 'union', 'error', 'import', 'package', 'notify', 'topic', 'throws',
  'const', 'list<', 'map<', 'tuple<', 'void', 'int64', '0x', '1_', '-', '99999999999999999999999', '1e999', '\\u12', '\\q', 'é', '😀', '\u0000', '#', '$',
  'import "demo.sparrow"', 'import "nope.sparrow"', 'import "chat.sparrow"', 'null', 'true', '= []', '= {}', 'x: int32', 'f(): void',
];

/** One random edit of `text`: a cut, a deletion, an inserted fragment, a doubled line, a swap, a pasted stretch of one of `others`, or a random character. */
export function mutateSchema(text: string, random: () => number, others: Readonly<Record<string, string>>): string {
  const names = Object.keys(others);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const at = (): number => Math.floor(random() * (text.length + 1));
  switch (Math.floor(random() * 7)) {
    case 0:
      return text.slice(0, at());
    case 1: {
      const start = at();
      return text.slice(0, start) + text.slice(start + Math.floor(random() * 40));
    }
    case 2: {
      const start = at();
      return text.slice(0, start) + pick(fragments) + text.slice(start);
    }
    case 3: {
      const lines = text.split('\n');
      const line = Math.floor(random() * lines.length);
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    }
    case 4: {
      const a = at();
      const b = at();
      const [lo, hi] = a < b ? [a, b] : [b, a];
      return text.slice(0, lo) + text.charAt(hi) + text.slice(lo + 1, hi) + text.charAt(lo) + text.slice(hi + 1);
    }
    case 5: {
      const other = others[pick(names)] ?? '';
      const from = Math.floor(random() * other.length);
      const start = at();
      return text.slice(0, start) + other.slice(from, from + Math.floor(random() * 80)) + text.slice(start + Math.floor(random() * 20));
    }
    default: {
      const start = at();
      return text.slice(0, start) + String.fromCharCode(Math.floor(random() * 0x3000)) + text.slice(start + 1);
    }
  }
}
