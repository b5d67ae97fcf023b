// The bench's processes load TypeScript through these hooks
// (compiler/bin/source-hooks.js: types stripped by esbuild, cached by
// content), not through tsx. tsx transforms with esbuild's `keepNames`,
// which wraps every function made at run time in
// `Object.defineProperty(fn, 'name', …)`: each closure then costs a property
// store and 256 bytes of its own, which the JavaScript users run (tsc's
// build) never pays.
import { register } from 'node:module';

register(new URL('../../compiler/bin/source-hooks.js', import.meta.url));
