/**
 * The runtime's layers (docs/runtime.md, "Layers") as a checked rule: every
 * relative import of every runtime file, type-only ones included, must land
 * in its own folder or in a folder its row of the table lists, and rpc/ has
 * no import cycle between its files. The table is read from the docs, so
 * the docs and the rule cannot drift apart.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runtimeDir = path.join(root, 'runtime');

/** The layer a runtime file belongs to: its top folder (`rpc/`), or its own name for a top-level file (`wire.ts`). */
function layerOf(file: string): string {
  const relative = path.relative(runtimeDir, file).split(path.sep);
  return relative.length === 1 ? relative[0]! : `${relative[0]}/`;
}

/** The table of docs/runtime.md's "Layers" section: layer → the layers it may import. Entries rows expand to one layer each. */
function readLayerTable(): Map<string, Set<string> | 'any'> {
  const docs = readFileSync(path.join(root, 'docs/runtime.md'), 'utf8');
  const section = docs.split('\n## Layers\n')[1]?.split('\n## ')[0];
  assert.ok(section !== undefined, 'docs/runtime.md has a "## Layers" section');
  const table = new Map<string, Set<string> | 'any'>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cells = line.split('|').map((cell) => cell.trim());
    const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    const allowed = cells[3] ?? '';
    const value = allowed === 'any folder' ? 'any' : new Set(names(allowed));
    for (const layer of names(cells[1] ?? '')) table.set(layer, value);
  }
  assert.ok(table.size >= 10, `the layers table has its rows (found ${table.size})`);
  return table;
}

function runtimeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...runtimeFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

// Static imports and re-exports (`import x from`, `import type`, `export … from`, bare `import '…'`)
// and type queries / dynamic imports (`import('…')`). Comments are stripped first.
const IMPORT_PATTERNS = [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const out = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) out.add(path.resolve(path.dirname(file), specifier));
    }
  }
  return [...out];
}

/** Import cycles among `files` (each as the list of files around it, relative to runtime/). */
function cyclesAmong(files: readonly string[]): string[][] {
  const inside = new Set(files);
  const edges = new Map(files.map((file) => [file, importsOf(file).filter((target) => inside.has(target))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).map((f) => path.relative(runtimeDir, f)));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (state.get(file) === undefined) visit(file);
  return cycles;
}

describe('runtime import direction (docs/runtime.md, Layers)', () => {
  const table = readLayerTable();
  const files = runtimeFiles(runtimeDir);

  it('the table itself runs one way: no layer reaches itself through the layers it may import', () => {
    const reaches = (from: string, seen = new Set<string>()): Set<string> => {
      const allowed = table.get(from);
      if (allowed === 'any' || allowed === undefined) return seen;
      for (const next of allowed) {
        if (seen.has(next)) continue;
        seen.add(next);
        reaches(next, seen);
      }
      return seen;
    };
    for (const layer of table.keys()) assert.ok(!reaches(layer).has(layer), `${layer} may import itself through other layers`);
  });

  it('every runtime file sits in a layer of the table', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((layer) => !table.has(layer));
    assert.deepEqual(unknown, [], 'add these to the table in docs/runtime.md');
  });

  it('every import goes to its own folder or a layer its row lists', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const allowed = table.get(from);
      for (const target of importsOf(file)) {
        const relative = path.relative(runtimeDir, target);
        if (relative.startsWith('..')) {
          wrong.push(`${path.relative(runtimeDir, file)} imports ${path.relative(root, target)}, outside runtime/`);
          continue;
        }
        const to = layerOf(target);
        if (to === from || allowed === 'any' || allowed?.has(to)) continue;
        wrong.push(`${path.relative(runtimeDir, file)} (${from}) imports ${relative} (${to})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('finds an import against the table (the check can fail)', () => {
    // framing/ may not import envelope/: the rule above must see such an edge.
    const allowed = table.get('framing/');
    assert.ok(allowed !== 'any' && allowed !== undefined && !allowed.has('envelope/'));
    assert.ok(importsOf(path.join(runtimeDir, 'connection/message-link.ts')).some((target) => layerOf(target) === 'envelope/'));
  });

  it('no import cycle between runtime files outside rpc/', () => {
    assert.deepEqual(cyclesAmong(files.filter((file) => layerOf(file) !== 'rpc/')), []);
  });

  it('no import cycle between the files of rpc/', () => {
    assert.deepEqual(cyclesAmong(files.filter((file) => layerOf(file) === 'rpc/')), []);
  });
});
