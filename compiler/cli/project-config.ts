/**
 * The `lint` section of the project's `sparrow.json` (found in the current
 * folder or the nearest parent), read by the project config's loader and
 * checked against its JSON Schema; the file may hold only this section.
 *
 * ```json
 * { "lint": { "rules": { "member-documented": false, "error-suffix": true },
 *             "memberCase": "snake_case",
 *             "ignore": ["schemas/legacy"],
 *             "ignoreOnly": { "service-no-any": ["schemas/sys.sparrow"] } } }
 * ```
 * Paths are relative to the folder of `sparrow.json`; a folder covers
 * everything below it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME, ConfigError, loadLintConfig, type LintConfig } from '../config/config.ts';
import { lintRuleIds } from '../lint/rules.ts';

/** The `lint` section and the folder its paths are relative to (`undefined` when no sparrow.json was found). */
export interface ProjectLintConfig extends LintConfig {
  readonly root: string | undefined;
}

/**
 * Reads the `lint` section of the nearest sparrow.json (this folder or a
 * parent), through the project config's loader and JSON Schema; defaults
 * when there is none. Rule ids the linter does not know are refused too.
 * @throws ConfigError
 */
export function readLintConfig(cwd: string): ProjectLintConfig {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, CONFIG_FILE_NAME);
    if (existsSync(file)) {
      const lint = loadLintConfig(file);
      const unknown = [...Object.keys(lint.rules), ...Object.keys(lint.ignoreOnly)].filter((id) => !lintRuleIds.has(id));
      if (unknown.length > 0) throw new ConfigError('invalid', unknown.map((id) => `${file}: unknown lint rule '${id}' (known: ${[...lintRuleIds].join(', ')})`));
      return { root: dir, ...lint };
    }
    if (path.dirname(dir) === dir) return { root: undefined, rules: {}, memberCase: 'snake_case', ignore: [], ignoreOnly: {} };
  }
}

/** True when `file` (absolute) is one of `paths` (relative to `root`) or below one of them. */
export function isUnder(root: string, paths: readonly string[], file: string): boolean {
  return paths.some((p) => {
    const target = path.resolve(root, p);
    return file === target || file.startsWith(`${target}${path.sep}`);
  });
}
