import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from '../../compiler/diagnostics/format.ts';
import { compileText } from './schema-test-utils.ts';

describe('formatDiagnostic', () => {
  const [diagnostic] = compileText('struct A {\n  x: Foo\n}').diagnostics;
  assert.ok(diagnostic);

  it('prints one tsc-style line without a source', () => {
    assert.equal(formatDiagnostic(diagnostic), "main.sparrow:2:6: error: Unknown type 'Foo'. [unknown-type]");
  });

  it('adds the source line and a caret line under the span', () => {
    const text = formatDiagnostic(diagnostic, { sourceLine: () => '  x: Foo' });
    assert.equal(text, "main.sparrow:2:6: error: Unknown type 'Foo'. [unknown-type]\n2 |   x: Foo\n         ^~~");
  });
});
