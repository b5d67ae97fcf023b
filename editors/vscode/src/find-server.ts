/**
 * Where the extension finds `sparrowc`. Kept free of the `vscode` module so
 * the repository's tests can run it in plain Node.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** How to start the server: a JS file run by Node, or an executable. */
export type ServerLaunch =
  | { kind: 'module'; path: string; source: 'setting' | 'workspace' }
  | { kind: 'command'; path: string; source: 'setting' | 'workspace' };

const jsFile = /\.(?:c|m)?js$/;

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** A `.js` target (after following a symlink such as `node_modules/.bin/sparrowc`) runs as a module; anything else as a command. */
function launchOf(path: string, source: 'setting' | 'workspace'): ServerLaunch {
  const real = realpathSync(path);
  return jsFile.test(real) ? { kind: 'module', path: real, source } : { kind: 'command', path, source };
}

/**
 * Finds the `sparrowc` to start as `sparrowc lsp --stdio`.
 *
 * `configured` (the `sparrow.server.path` setting) wins when non-empty; a
 * relative value is resolved against the first workspace folder. Otherwise
 * each folder is searched for `node_modules/.bin/sparrowc` (`.cmd` on
 * Windows), then `node_modules/sparrowc/bin/sparrowc.js`.
 *
 * Returns `undefined` when nothing is found; throws an `Error` naming the
 * path when the configured path does not exist (a typo should not silently
 * fall back to another server).
 */
export function findServer(configured: string, workspaceFolders: readonly string[], platform: NodeJS.Platform = process.platform): ServerLaunch | undefined {
  const setting = configured.trim();
  if (setting !== '') {
    const base = workspaceFolders[0] ?? process.cwd();
    const path = isAbsolute(setting) ? setting : resolve(base, setting);
    if (!isFile(path)) throw new Error(`sparrow.server.path: no file at ${path}`);
    return launchOf(path, 'setting');
  }
  const shim = platform === 'win32' ? 'sparrowc.cmd' : 'sparrowc';
  for (const folder of workspaceFolders) {
    // On Windows the .cmd shim cannot be forked; the package's own JS entry is preferred there.
    const candidates = platform === 'win32'
      ? [join(folder, 'node_modules', 'sparrowc', 'bin', 'sparrowc.js'), join(folder, 'node_modules', '.bin', shim)]
      : [join(folder, 'node_modules', '.bin', shim), join(folder, 'node_modules', 'sparrowc', 'bin', 'sparrowc.js')];
    for (const candidate of candidates) {
      if (isFile(candidate)) return launchOf(candidate, 'workspace');
    }
  }
  return undefined;
}
