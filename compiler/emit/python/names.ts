/**
 * Python names for model elements: snake_case members, params and fields,
 * declarations as written, keywords and the builtins the generated code
 * uses as types escaped with a trailing `_`, collisions numbered.
 */
import type { SchemaFile } from '../../model/model.ts';

/** Python's keywords and soft keywords that would break or confuse generated code. */
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type',
]);

/**
 * Names generated code uses as types or helpers in the same scope as schema
 * names: a class member called `list` would shadow `list[...]` in the
 * annotations after it.
 */
const TYPE_NAMES = new Set([
  'list', 'dict', 'tuple', 'str', 'int', 'float', 'bool', 'bytes', 'object', 'self', 'cls',
  'Any', 'Awaitable', 'AsyncIterable', 'AsyncIterator', 'Callable', 'ClassVar', 'Final', 'Iterable', 'Iterator',
  'IntEnum', 'Protocol', 'TypeAlias', 'cast', 'annotations', 'FunctionRegister', 'ThreadedMsgChannel', 'AsyncMsgChannel',
  'to_wire', 'from_wire', 'NAMESPACE', 'TYPE',
]);

/** `helloWorld` → `hello_world`; `HTTPServer` → `http_server`; existing underscores stay. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** A safe Python identifier for `name` (already cased). */
export function escapeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return KEYWORDS.has(cleaned) || TYPE_NAMES.has(cleaned) ? `${cleaned}_` : cleaned;
}

/** A member, param or field name: snake_case, escaped. */
export function memberName(name: string): string {
  return escapeName(snakeCase(name));
}

/** Assigns names in one scope: a later name equal to an earlier one gets `_2`, `_3`… */
export class NameScope {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.taken.add(name);
  }

  pick(name: string): string {
    let candidate = name;
    for (let n = 2; this.taken.has(candidate); n++) candidate = `${name}_${n}`;
    this.taken.add(candidate);
    return candidate;
  }
}

/**
 * Top-level names a generated package must not take: a folder on the path
 * called `types` or `enum` would hide the standard library module (and
 * break Python itself), one called `sparrowrpc` the reference.
 */
const TOP_LEVEL_TAKEN = new Set([
  'abc', 'argparse', 'array', 'ast', 'asyncio', 'base64', 'binarychain', 'builtins', 'cbor2', 'code', 'codecs', 'collections',
  'contextlib', 'contextvars', 'copy', 'csv', 'dataclasses', 'datetime', 'decimal', 'email', 'enum', 'errno', 'functools',
  'gc', 'hashlib', 'heapq', 'html', 'http', 'inspect', 'io', 'ipaddress', 'itertools', 'json', 'logging', 'math', 'msgpack',
  'numbers', 'operator', 'os', 'pathlib', 'pickle', 'platform', 'queue', 'random', 're', 'select', 'selectors', 'shutil',
  'signal', 'site', 'socket', 'sparrowrpc', 'sparrowrpc_typed', 'ssl', 'stat', 'string', 'struct', 'subprocess', 'sys',
  'tempfile', 'test', 'threading', 'time', 'token', 'tokenize', 'traceback', 'types', 'typing', 'unittest', 'urllib',
  'uuid', 'warnings', 'weakref', 'websockets', 'xml', 'zipfile', 'zlib',
]);

/** The package folder of a schema package: `demo.v1` → `demo/v1`; `""` → the output root. */
export function packageDir(pkg: string): string[] {
  if (pkg === '') return [];
  return pkg.split('.').map((segment, i) => {
    const name = escapeName(segment);
    return i === 0 && TOP_LEVEL_TAKEN.has(name) ? `${name}_` : name;
  });
}

/** The module name of a schema file: `demo-common.sparrow` → `demo_common`. */
export function moduleName(file: SchemaFile): string {
  const base = file.path.split('/').pop() ?? file.path;
  const name = escapeName(snakeCase(base.replace(/\.sparrow$/, '')).replace(/^(\d)/, '_$1'));
  // A module without a package sits at the top level, beside the standard library.
  return name === '__init__' || (file.package === '' && TOP_LEVEL_TAKEN.has(name)) ? `${name}_` : name;
}

/** The dotted module path of a schema file: `demo.v1.demo`. */
export function modulePath(file: SchemaFile): string {
  return [...packageDir(file.package), moduleName(file)].join('.');
}

/** The local alias another module is imported under: `_demo_common`. */
export function moduleAlias(file: SchemaFile): string {
  return `_${[...packageDir(file.package), moduleName(file)].join('_')}`;
}
