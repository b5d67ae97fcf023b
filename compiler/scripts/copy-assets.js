// Copies the repository's top-level assets the compiler reads at run time
// (the #sys schema, the JSON Schemas, the project templates) into this
// package, so the published package holds them. Code finds them at
// `../../schemas` and `../../templates` from both compiler/<stage>/ (the
// repository's folders, run from source) and compiler/dist/<stage>/ (these
// copies, run from the build).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = (name) => fileURLToPath(new URL(`../../${name}`, import.meta.url));
const to = (name) => fileURLToPath(new URL(`../${name}`, import.meta.url));

rmSync(to('schemas'), { recursive: true, force: true });
mkdirSync(to('schemas'));
for (const file of ['sys.sparrow', 'descriptor.schema.json', 'sparrow-config.schema.json']) cpSync(from(`schemas/${file}`), to(`schemas/${file}`));
rmSync(to('templates'), { recursive: true, force: true });
cpSync(from('templates'), to('templates'), { recursive: true });
