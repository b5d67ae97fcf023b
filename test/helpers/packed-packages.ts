/**
 * The two packages as a user gets them: `npm pack` of runtime/ and
 * compiler/ (their prepack builds dist/), made once per content of the
 * sources and shared by every test process of a run (pack-install, init).
 * Also: running npm in a temp project, as a user would.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { projectRoot } from './cli.ts';

const run = promisify(execFile);

/** Paths of the two tarballs. */
export interface PackedPackages {
  readonly runtime: string;
  readonly compiler: string;
}

/** What goes into a package: its sources, package.json, the assets the compiler copies in, the compiler options. */
function fingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'dist' || name === 'node_modules' || (dir === path.join(projectRoot, 'compiler') && (name === 'schemas' || name === 'templates'))) continue;
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else hash.update(`${path.relative(projectRoot, file)}\0`).update(readFileSync(file));
    }
  };
  for (const dir of ['runtime', 'compiler', 'schemas', 'templates']) walk(path.join(projectRoot, dir));
  hash.update(readFileSync(path.join(projectRoot, 'tsconfig.json')));
  return hash.digest('hex').slice(0, 16);
}

/** Runs npm with `args` in `cwd`; rejects with its output on failure. */
export async function npm(args: readonly string[], cwd: string, timeoutMs = 240_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', [...args], { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** How long a process waits for another one that is packing (the build runs under load). */
const WAIT_FOR_PACK_MS = 240_000;

/**
 * Packs both packages into a temp folder named after the sources' content,
 * or returns the tarballs an earlier (or concurrent) test process made.
 */
export async function packedPackages(): Promise<PackedPackages> {
  const dir = path.join(tmpdir(), `sparrow-packed-${fingerprint()}`);
  const done = path.join(dir, 'done.json');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + WAIT_FOR_PACK_MS;
  while (!existsSync(done)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another process packs: wait for it (a lock left by a crash goes stale).
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no test runs)`);
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > WAIT_FOR_PACK_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const { stdout } = await npm(['pack', '--workspace', 'runtime', '--workspace', 'compiler', '--pack-destination', dir, '--json', '--loglevel=error'], projectRoot);
      const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { name: string; filename: string }[];
      const file = (name: string): string => path.join(dir, packed.find((p) => p.name === name)!.filename);
      writeFileSync(done, JSON.stringify({ runtime: file('sparrow-rpc'), compiler: file('sparrowc') }));
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return JSON.parse(readFileSync(done, 'utf8')) as PackedPackages;
}
