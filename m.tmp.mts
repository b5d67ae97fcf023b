import { build } from 'esbuild';
const r = await build({ bundle: true, platform: 'browser', format: 'esm', target: 'es2022', conditions: ['source'], minify: true, write: false, entryPoints: [process.argv[2]!], external: ['*'] });
process.stdout.write(r.outputFiles[0]!.text);
