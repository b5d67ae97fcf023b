import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runSparrowc } from '../helpers/cli.ts';

function tempSchemas(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparrow-check-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('sparrowc check', () => {
  it('exits 0 and prints nothing for the demo and system schemas', async () => {
    const result = await runSparrowc(['check', 'schemas/demo.sparrow', 'schemas/sys.sparrow', 'test/fixtures/schemas/chat.sparrow', 'test/fixtures/schemas/kitchen-sink.sparrow']);
    assert.equal(result.stdout, '');
    assert.equal(result.code, 0, result.stderr);
  });

  it('exits 1 and prints path:line:col: error: message for each error', async () => {
    const dir = tempSchemas({ 'bad.sparrow': 'struct A {\n  x: Foo\n  y: uint8 = 300\n}\n' });
    const result = await runSparrowc(['check', 'bad.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      "bad.sparrow:2:6: error: Unknown type 'Foo'. [unknown-type]",
      'bad.sparrow:3:14: error: 300 is out of range for uint8 (0 to 255). [int-out-of-range]',
    ]);
    assert.match(result.stderr, /Found 2 errors and 0 warnings\./);
  });

  it('exits 0 with warnings only', async () => {
    const dir = tempSchemas({ 'warn.sparrow': '@deprecated("old") struct A { x: int32 }\nstruct B { a: A }\n' });
    const result = await runSparrowc(['check', 'warn.sparrow'], { cwd: dir });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^warn\.sparrow:2:15: warning: 'A' is deprecated: old\. \[deprecated-reference\]$/m);
  });

  it('prints a JSON array with --format json', async () => {
    const dir = tempSchemas({ 'bad.sparrow': 'struct A { x: Foo }' });
    const result = await runSparrowc(['check', '--format', 'json', 'bad.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.deepEqual(JSON.parse(result.stdout), [
      { code: 'unknown-type', severity: 'error', message: "Unknown type 'Foo'.", file: 'bad.sparrow', line: 1, column: 15, endLine: 1, endColumn: 18 },
    ]);
  });

  it('prints an empty JSON array for a clean schema', async () => {
    const result = await runSparrowc(['check', '--format=json', 'schemas/demo.sparrow']);
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), []);
  });

  it('exits 2 when a named file cannot be read', async () => {
    const result = await runSparrowc(['check', 'no/such/file.sparrow']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot read 'no\/such\/file\.sparrow'/);
  });

  it('exits 2 on a usage error', async () => {
    assert.equal((await runSparrowc(['check'])).code, 2);
    assert.equal((await runSparrowc(['check', '--format', 'xml', 'schemas/demo.sparrow'])).code, 2);
  });

  it('prints help', async () => {
    const result = await runSparrowc(['check', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: sparrowc check \[options\] <files\.\.\.>/);
  });

  it('exits 1 on an import cycle across files, naming imported files relative to cwd', async () => {
    const dir = tempSchemas({ 'a.sparrow': 'import "b.sparrow"\nstruct A { x: int32 }', 'b.sparrow': 'import "a.sparrow"\nstruct B { y: int32 }' });
    const result = await runSparrowc(['check', 'a.sparrow'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^b\.sparrow:1:8: error: Import cycle: a\.sparrow → b\.sparrow → a\.sparrow\. \[import-cycle\]$/m);
  });

  it('exits 1 on a missing import', async () => {
    const dir = tempSchemas({ 'a.sparrow': 'import "gone.sparrow"\n' });
    const result = await runSparrowc(['check', path.join(dir, 'a.sparrow')]);
    assert.equal(result.code, 1);
    assert.ok(result.stdout.startsWith(`${path.join(dir, 'a.sparrow')}:1:8: error: Imported file 'gone.sparrow' not found.`), result.stdout);
  });

  it('shows the source line and a caret under the span when colours are forced off but output is plain', async () => {
    // Without a TTY there is no caret block, whatever FORCE_COLOR says about colours.
    const dir = tempSchemas({ 'bad.sparrow': 'struct A { x: Foo }' });
    const result = await runSparrowc(['check', 'bad.sparrow'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    assert.equal(result.code, 1);
    assert.equal(result.stdout.split('\n').length, 2, result.stdout);
    assert.match(result.stdout, /\u001b\[31merror/);
  });
});
