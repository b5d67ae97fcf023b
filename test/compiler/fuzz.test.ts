import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compileSchemas } from '../../compiler/compile.ts';
import { projectRoot } from '../helpers/cli.ts';
import { createRandom } from '../helpers/seeded-random.ts';
import { mutateSchema } from '../helpers/schema-mutations.ts';

const sources: Record<string, string> = {};
for (const file of ['schemas/demo.sparrow', 'schemas/demo-common.sparrow', 'schemas/sys.sparrow', 'test/fixtures/schemas/chat.sparrow', 'test/fixtures/schemas/kitchen-sink.sparrow', 'test/fixtures/schemas/shapes.sparrow']) {
  sources[path.basename(file)] = readFileSync(path.join(projectRoot, file), 'utf8');
}
const names = Object.keys(sources);

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
      for (let r = 0; r < rounds; r++) text = mutateSchema(text, random, sources);
      files[entry] = text;
      // Sometimes mutate an imported file too.
      if (random() < 0.2) files['demo-common.sparrow'] = mutateSchema(files['demo-common.sparrow'] ?? '', random, sources);
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
