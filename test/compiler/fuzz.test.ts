import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compileSchemas } from '../../compiler/compile.ts';
import { projectRoot } from '../helpers/cli.ts';
import { createRandom } from '../helpers/seeded-random.ts';

const sources: Record<string, string> = {};
for (const file of ['schemas/demo.sparrow', 'schemas/demo-common.sparrow', 'schemas/sys.sparrow', 'test/fixtures/schemas/chat.sparrow', 'test/fixtures/schemas/kitchen-sink.sparrow', 'test/fixtures/schemas/shapes.sparrow']) {
  sources[path.basename(file)] = readFileSync(path.join(projectRoot, file), 'utf8');
}
const names = Object.keys(sources);

const fragments = [
  '{', '}', '(', ')', '<', '>', '[', ']', '"', "'", '/*', '*/', '///', '//', '@', '@auth', '@auth()', '@namespace("#sys")', '@wire(', 'stream<', 'callback(',
  ',', ';', ':', '?', '=', '|', '.', '\n', '\r\n', '\t', ' ', 'struct', 'service', 'enum', 'union', 'error', 'import', 'package', 'notify', 'topic', 'throws',
  'const', 'list<', 'map<', 'tuple<', 'void', 'int64', '0x', '1_', '-', '99999999999999999999999', '1e999', '\\u12', '\\q', 'é', '😀', '\u0000', '#', '$',
  'import "demo.sparrow"', 'import "nope.sparrow"', 'import "chat.sparrow"', 'null', 'true', '= []', '= {}', 'x: int32', 'f(): void',
];

function mutate(text: string, random: () => number): string {
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
      const other = sources[pick(names)] ?? '';
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

describe('fuzz: mutated and truncated schemas', () => {
  it('never throws: 3,000 variants end in diagnostics or a model', () => {
    const random = createRandom(0x5eed);
    const root = path.resolve('/fuzz');
    let withModel = 0;
    for (let i = 0; i < 3000; i++) {
      const entry = names[i % names.length] as string;
      const files = { ...sources };
      let text = files[entry] ?? '';
      const rounds = 1 + Math.floor(random() * 4);
      for (let r = 0; r < rounds; r++) text = mutate(text, random);
      files[entry] = text;
      // Sometimes mutate an imported file too.
      if (random() < 0.2) files['demo-common.sparrow'] = mutate(files['demo-common.sparrow'] ?? '', random);
      let result;
      try {
        result = compileSchemas([entry], { cwd: root, readFile: (p) => files[path.relative(root, p)], systemSchema: entry === 'sys.sparrow' });
      } catch (error) {
        assert.fail(`variant ${i} of ${entry} threw: ${String((error as Error).stack)}\n--- schema ---\n${text}`);
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      assert.equal(result.model === undefined, errors.length > 0, `variant ${i}: a model exactly when there is no error`);
      for (const d of result.diagnostics) {
        assert.ok(d.line >= 1 && d.column >= 1 && (d.endLine > d.line || (d.endLine === d.line && d.endColumn >= d.column)), `variant ${i}: bad span ${JSON.stringify(d)}`);
        assert.ok(d.message.length > 0);
      }
      if (result.model !== undefined) {
        withModel++;
        assert.deepEqual(JSON.parse(JSON.stringify(result.model)), result.model);
      }
    }
    // Mutations that keep a schema valid (whitespace, comments…) must still yield models.
    assert.ok(withModel > 0);
  });
});
