import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSourceFile } from '../../compiler/source/source-file.ts';
import { parseSchema } from '../../compiler/syntax/parse.ts';
import { formatSchemaText } from '../../compiler/format/format-schema.ts';
import { assertValid, compileText } from './schema-test-utils.ts';

/** A service with `count` methods of varied shapes. */
export function generateLargeSchema(count: number): string {
  const lines = ['package big', 'struct Item { id: int64; name: string; tags: list<string> = [] }', 'error Missing { id: int64 }', 'service Big {'];
  for (let i = 0; i < count; i++) {
    switch (i % 4) {
      case 0:
        lines.push(`  /// Method ${i}.\n  get_${i}(id: int64, verbose?: bool): Item throws Missing`);
        break;
      case 1:
        lines.push(`  list_${i}(limit: int32 = 10, filter: map<string, string> = {}): stream<Item>`);
        break;
      case 2:
        lines.push(`  put_${i}(items: stream<Item>, progress: callback(done: uint32)): uint64`);
        break;
      default:
        lines.push(`  notify touch_${i}(id: int64)`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

describe('a schema with 2,000 methods', () => {
  const text = generateLargeSchema(2000);

  it('parses and checks completely (time reported, not asserted)', (t) => {
    parseSchema(createSourceFile('/warm.sparrow', 'warm.sparrow', 'struct W { x: int32 }'));
    let started = performance.now();
    const parsed = parseSchema(createSourceFile('/big.sparrow', 'big.sparrow', text));
    const parseMs = performance.now() - started;
    assert.deepEqual(parsed.diagnostics, []);
    started = performance.now();
    const model = assertValid(compileText(text));
    const compileMs = performance.now() - started;
    const service = model.declarations['big.Big'];
    assert.equal(service?.kind === 'service' && service.members.length, 2000);
    started = performance.now();
    const formatted = formatSchemaText(text, 'big.sparrow').text;
    const fmtMs = performance.now() - started;
    assert.ok(formatted !== undefined && formatSchemaText(formatted, 'big.sparrow').text === formatted);
    t.diagnostic(`parse ${parseMs.toFixed(0)} ms, parse + check ${compileMs.toFixed(0)} ms, fmt ${fmtMs.toFixed(0)} ms for ${text.length} characters`);
  });
});
