import { measure, contributors } from './scripts/bundle-size.ts';
const m = await measure('unary-json'); for (const [f, b] of contributors(m.metafile)) console.log(String(b).padStart(6), f); console.log(m.minified, m.gzipped);
