/**
 * `sparrowc init [dir] [--template node|browser]`: scaffolds a project from
 * templates/ (text only): `common/`, then the template's own folder over it.
 * After it, `npm install && npm run gen && npm start` runs the project.
 * Refuses a folder that is not empty, so nothing of the user's is overwritten.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilerVersion } from './version.ts';

/** The templates `init` knows; the first is the default. */
export const TEMPLATE_NAMES = ['node', 'browser'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Options parsed by commander. */
export interface InitCommandOptions {
  readonly template: TemplateName;
}

/** Where the command writes; a seam for tests. */
export interface InitIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
}

/** templates/ of the repository from source, the package's copy from the build. */
const templatesDir = new URL('../../templates/', import.meta.url);

/** Files whose text gets `{{name}}` and `{{version}}` filled in. */
const FILLED = new Set(['package.json']);

/** A name npm accepts, from the folder's name. */
function packageName(dir: string): string {
  const name = path.basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return name === '' ? 'sparrow-app' : name;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** Runs the command; resolves to the exit code (2: the folder is not empty). */
export function runInit(dir: string | undefined, options: InitCommandOptions, io: InitIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): number {
  const target = path.resolve(io.cwd, dir ?? '.');
  if (existsSync(target) && readdirSync(target).length > 0) {
    io.stderr.write(`sparrowc init: ${path.relative(io.cwd, target) || '.'} is not empty; give a new or empty folder (sparrowc init <dir>)\n`);
    return 2;
  }
  mkdirSync(target, { recursive: true });
  const written = new Set<string>();
  for (const layer of ['common', options.template]) {
    const source = new URL(`${layer}/`, templatesDir);
    cpSync(source, target, { recursive: true });
    for (const file of listFiles(fileURLToPath(source))) written.add(file);
  }
  const fill = { name: packageName(target), version: compilerVersion() };
  for (const file of written) {
    if (!FILLED.has(path.basename(file))) continue;
    const absolute = path.join(target, file);
    writeFileSync(absolute, readFileSync(absolute, 'utf8').replace(/\{\{(name|version)\}\}/g, (_, key: 'name' | 'version') => fill[key]));
  }
  renameSync(path.join(target, 'gitignore'), path.join(target, '.gitignore'));
  const shown = path.relative(io.cwd, target);
  io.stdout.write(
    [
      `sparrowc init: a ${options.template} project in ${shown === '' ? 'this folder' : shown}:`,
      ...[...written].map((file) => (file === 'gitignore' ? '.gitignore' : file)).sort().map((file) => `  ${file}`),
      '',
      'Next:',
      ...(shown === '' ? [] : [`  cd ${shown}`]),
      '  npm install && npm run gen && npm start',
      '',
    ].join('\n'),
  );
  return 0;
}
