/**
 * The `lint` section of the project's `sparrow.json` (found in the current
 * folder or the nearest parent). One small reader, so it can later be
 * pointed at the project-wide config loader.
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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MemberCase } from '../lint/rules.ts';
import { lintRuleIds } from '../lint/rules.ts';

/** The `lint` section, validated. */
export interface LintConfig {
  /** The folder holding sparrow.json (paths below are relative to it); `undefined` when there is none. */
  readonly root: string | undefined;
  readonly rules: Readonly<Record<string, boolean>>;
  readonly memberCase: MemberCase;
  readonly ignore: readonly string[];
  readonly ignoreOnly: Readonly<Record<string, readonly string[]>>;
}

/** A sparrow.json that cannot be used; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid-config' as const;
}

/** Reads the `lint` section of the nearest sparrow.json; defaults when there is none. Throws {@link ConfigError}. */
export function readLintConfig(cwd: string): LintConfig {
  const defaults: LintConfig = { root: undefined, rules: {}, memberCase: 'snake_case', ignore: [], ignoreOnly: {} };
  let dir = path.resolve(cwd);
  for (;;) {
    const file = path.join(dir, 'sparrow.json');
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) return parseLintSection(text, file, dir);
    const parent = path.dirname(dir);
    if (parent === dir) return defaults;
    dir = parent;
  }
}

function parseLintSection(text: string, file: string, root: string): LintConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const lint = isObject(json) ? json['lint'] : undefined;
  if (lint === undefined) return { root, rules: {}, memberCase: 'snake_case', ignore: [], ignoreOnly: {} };
  if (!isObject(lint)) throw new ConfigError(`${file}: "lint" must be an object`);
  const rules: Record<string, boolean> = {};
  for (const [id, on] of Object.entries(isObject(lint['rules']) ? lint['rules'] : {})) {
    if (!lintRuleIds.has(id)) throw new ConfigError(`${file}: unknown lint rule '${id}' (known: ${[...lintRuleIds].join(', ')})`);
    if (typeof on !== 'boolean') throw new ConfigError(`${file}: lint.rules.${id} must be true or false`);
    rules[id] = on;
  }
  const memberCase = lint['memberCase'] ?? 'snake_case';
  if (memberCase !== 'snake_case' && memberCase !== 'camelCase') throw new ConfigError(`${file}: lint.memberCase must be "snake_case" or "camelCase"`);
  const ignore = lint['ignore'] ?? [];
  if (!Array.isArray(ignore) || !ignore.every((p) => typeof p === 'string')) throw new ConfigError(`${file}: lint.ignore must be a list of paths`);
  const ignoreOnly: Record<string, string[]> = {};
  for (const [id, paths] of Object.entries(isObject(lint['ignoreOnly']) ? lint['ignoreOnly'] : {})) {
    if (!lintRuleIds.has(id)) throw new ConfigError(`${file}: unknown lint rule '${id}' in lint.ignoreOnly`);
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) throw new ConfigError(`${file}: lint.ignoreOnly.${id} must be a list of paths`);
    ignoreOnly[id] = paths;
  }
  return { root, rules, memberCase, ignore, ignoreOnly };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `file` (absolute) is one of `paths` (relative to `root`) or below one of them. */
export function isUnder(root: string, paths: readonly string[], file: string): boolean {
  return paths.some((p) => {
    const target = path.resolve(root, p);
    return file === target || file.startsWith(`${target}${path.sep}`);
  });
}
