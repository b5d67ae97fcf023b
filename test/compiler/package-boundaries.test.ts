/**
 * Each package stands alone once published: no import reaches outside its
 * folder (the compiler reaches the runtime only as `sparrow-rpc/...`), and
 * every bare import is a declared dependency (or a Node built-in), so the
 * runtime never drags in the compiler's packages and nothing is missing
 * after `npm install`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../helpers/cli.ts';

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (['dist', 'node_modules', 'schemas', 'templates'].includes(entry.name)) return [];
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(file) : /\.(ts|js)$/.test(entry.name) ? [file] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) => (match[1] ?? match[2])!);
}

const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

for (const folder of ['runtime', 'compiler']) {
  describe(`the ${folder}/ package`, () => {
    const root = path.join(projectRoot, folder);
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; peerDependencies?: Record<string, string> };
    const files = sources(root);

    it('imports nothing outside its folder by path', () => {
      assert.ok(files.flatMap(importsOf).filter((s) => s.startsWith('./') || s.startsWith('../')).length > 50, 'the scan finds the relative imports');
      const escaping = files.flatMap((file) =>
        importsOf(file)
          .filter((specifier) => specifier.startsWith('.') && path.relative(root, path.resolve(path.dirname(file), specifier)).startsWith('..'))
          .map((specifier) => `${path.relative(projectRoot, file)}: ${specifier}`),
      );
      assert.deepEqual(escaping, []);
    });

    it('imports only its declared dependencies, itself and Node built-ins', () => {
      // bin/source-hooks.js runs the sources in a checkout, where esbuild is a devDependency of the repository.
      // A peer dependency is declared too (the runtime's optional NATS client, loaded only by sparrow-rpc/nats).
      const allowed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies ?? {}), manifest.name, ...(folder === 'compiler' ? ['esbuild'] : [])]);
      const undeclared = files.flatMap((file) =>
        importsOf(file)
          .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !allowed.has(packageOf(specifier)))
          .map((specifier) => `${path.relative(projectRoot, file)}: ${specifier}`),
      );
      assert.deepEqual(undeclared, []);
    });
  });
}
