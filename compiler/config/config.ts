/**
 * The project file, `sparrow.json`: which schemas to compile and what to
 * generate from them (the role of `buf.gen.yaml` or `tspconfig.yaml`). Its
 * shape is defined once, by schemas/sparrow-config.schema.json; this module
 * reads a file, checks it against that schema and resolves its paths.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkJsonSchema, type JsonSchema } from './json-schema-check.ts';
import { JsonSyntaxError, formatJsonPath, parseJsonWithLocations } from './json-locations.ts';

/** The file `sparrowc gen` looks for in the current folder. */
export const CONFIG_FILE_NAME = 'sparrow.json';

/** What `generate[].target` may name. */
export const TARGET_NAMES = ['ts', 'js', 'descriptor', 'python'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** `generate[].options`. Each target reads the options it knows. */
export interface TargetOptions {
  readonly runtimeImport?: string;
  readonly importExtension?: 'js' | 'ts' | 'none';
}

/** One `generate` entry, `out` resolved to an absolute path. */
export interface GenerateEntry {
  readonly target: TargetName;
  readonly out: string;
  readonly options: TargetOptions;
}

/** `lint`, for `sparrowc lint`; paths as written (relative to the config's folder). */
export interface LintConfig {
  /** A rule on (true) or off (false), by id. */
  readonly rules: Readonly<Record<string, boolean>>;
  readonly memberCase: 'snake_case' | 'camelCase';
  readonly ignore: readonly string[];
  readonly ignoreOnly: Readonly<Record<string, readonly string[]>>;
}

/** A checked config; every path is absolute. */
export interface SparrowConfig {
  /** The config file itself. */
  readonly file: string;
  readonly inputs: readonly string[];
  readonly generate: readonly GenerateEntry[];
  readonly lint: LintConfig;
}

/** Why a config could not be used. */
export type ConfigErrorCode = 'not-found' | 'unreadable' | 'invalid-json' | 'invalid';

/**
 * A config that cannot be read or breaks the schema. `problems` holds one
 * line per problem: `file:line:col: message`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly problems: readonly string[];
  constructor(code: ConfigErrorCode, problems: readonly string[]) {
    super(problems.join('\n'));
    this.code = code;
    this.problems = problems;
  }
}

let schema: JsonSchema | undefined;

/** The config's JSON Schema; `../../schemas` is the repository's folder from source and the package's copy from the build. */
function configSchema(): JsonSchema {
  schema ??= JSON.parse(readFileSync(new URL('../../schemas/sparrow-config.schema.json', import.meta.url), 'utf8')) as JsonSchema;
  return schema;
}

/**
 * Reads `file` and checks it against `schema`; returns the parsed value.
 * @throws ConfigError as {@link loadConfig} describes
 */
function readChecked(file: string, name: string, checkedAgainst: JsonSchema): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'not-found' : 'unreadable', [`${name}: ${code === 'ENOENT' ? 'no such file' : String(error)}`]);
  }
  let parsed;
  try {
    parsed = parseJsonWithLocations(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new ConfigError('invalid-json', [`${name}:${error.location.line}:${error.location.column}: ${error.message}`]);
  }
  const problems = checkJsonSchema(checkedAgainst, parsed.value);
  if (problems.length > 0) {
    throw new ConfigError(
      'invalid',
      problems.map(({ path: at, message }) => {
        const { line, column } = parsed.locationOf(at);
        return `${name}:${line}:${column}: ${formatJsonPath(at)} ${message}`;
      }),
    );
  }
  return parsed.value;
}

type RawLint = Partial<{ -readonly [K in keyof LintConfig]: LintConfig[K] }>;

function lintOf(raw: RawLint | undefined): LintConfig {
  return { rules: raw?.rules ?? {}, memberCase: raw?.memberCase ?? 'snake_case', ignore: raw?.ignore ?? [], ignoreOnly: raw?.ignoreOnly ?? {} };
}

/**
 * Reads and checks the config at `file` (relative paths in it resolve
 * against its folder); messages name it `displayName` (default: `file`).
 * @throws ConfigError `not-found`, `unreadable`, `invalid-json` (with
 * line:col) or `invalid` (every schema violation, each with its JSON path and
 * line:col; unknown keys included).
 */
export function loadConfig(file: string, displayName: string = file): SparrowConfig {
  const absolute = path.resolve(file);
  // Checked against the schema, so the cast only names what it guarantees.
  const raw = readChecked(absolute, displayName, configSchema()) as { inputs: string[]; generate: { target: TargetName; out: string; options?: TargetOptions }[]; lint?: RawLint };
  const dir = path.dirname(absolute);
  return {
    file: absolute,
    inputs: raw.inputs.map((input) => path.resolve(dir, input)),
    generate: raw.generate.map((entry) => ({ target: entry.target, out: path.resolve(dir, entry.out), options: entry.options ?? {} })),
    lint: lintOf(raw.lint),
  };
}

/**
 * The `lint` section of the config at `file`, checked against the same
 * schema; the file may hold only that section (`inputs` and `generate` are
 * what `gen` needs, not `lint`). Defaults where the section is absent.
 * @throws ConfigError as {@link loadConfig}
 */
export function loadLintConfig(file: string, displayName: string = file): LintConfig {
  const { required: _required, ...anySection } = configSchema();
  const raw = readChecked(path.resolve(file), displayName, anySection) as { lint?: RawLint };
  return lintOf(raw.lint);
}
