import { build } from 'esbuild';
const r = await build({ bundle: true, platform: 'browser', format: 'esm', target: 'es2022', conditions: ['source'], minify: false, write: false, entryPoints: ['examples/browser/size/unary.ts'] });
process.stdout.write(r.outputFiles[0]!.text);
