// Bundles the client and vscode-languageclient into one CommonJS file (.cjs: the package is ESM, VS Code require()s its main), so the
// .vsix ships no node_modules (`vsce package --no-dependencies`).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
