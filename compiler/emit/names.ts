/**
 * Schema names → TypeScript names, deterministically: PascalCase for
 * declarations, camelCase for members, params and fields, a `_` suffix where
 * a name can't be used as written, and `_2`, `_3`… for later names that
 * collide in one scope.
 *
 * Only bindings (declarations and constants: `export const X`, `export
 * interface X`) need reserved words escaped. Members, params, fields and enum
 * members are property names, where `get`, `delete` or `if` are legal, so
 * they keep their spelling unless every object already has a property of
 * that name (`constructor`, `toString`, `__proto__`…).
 */

/** Words TypeScript reserves, or that generated code can't use as a binding. */
const reservedWords = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return ' +
    'super switch this throw true try typeof var void while with as implements interface let package private protected public static yield any boolean ' +
    'constructor declare get module require number set string symbol type from of await async undefined NaN Infinity arguments eval bigint never unknown object ' +
    'keyof readonly infer is asserts unique satisfies accessor out override abstract global namespace __proto__ prototype toString valueOf hasOwnProperty'
  ).split(' '),
);

/**
 * Properties every object inherits: a member so named would be shadowed by
 * (or, for `__proto__`, set) the prototype's, and an implementation that
 * leaves it out would seem to have it.
 */
const inheritedProperties = new Set(
  'constructor __proto__ toString toLocaleString valueOf hasOwnProperty isPrototypeOf propertyIsEnumerable __defineGetter__ __defineSetter__ __lookupGetter__ __lookupSetter__'.split(' '),
);

/** Globals the generated declarations may refer to; a schema type named like one is renamed. */
const reservedTypeNames = new Set(
  (
    'Array Map Set WeakMap Promise Error Record Object String Number Boolean Symbol BigInt Date Uint8Array ArrayBuffer AsyncIterable AsyncIterator Iterable ' +
    'Iterator Function Partial Required Readonly Pick Omit Exclude Extract ReturnType Parameters JSON Math RegExp AbortSignal AbortController Awaited ' +
    'PromiseLike NonNullable globalThis'
  ).split(' '),
);

function words(name: string): { leading: string; parts: string[] } {
  const leading = /^_*/.exec(name)?.[0] ?? '';
  return { leading, parts: name.slice(leading.length).split('_').filter((p) => p !== '') };
}

/** `hello_world` → `HelloWorld`; `point` → `Point`; casing inside words is kept. */
export function toPascalCase(name: string): string {
  const { leading, parts } = words(name);
  return leading + parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** `hello_world` → `helloWorld`; `HelloWorld` → `helloWorld`; `HTTPServer` → `httpServer`; `URL` → `url`. */
export function toCamelCase(name: string): string {
  const pascal = toPascalCase(name);
  const leading = /^_*/.exec(pascal)?.[0] ?? '';
  const rest = pascal.slice(leading.length);
  const upperRun = /^[A-Z]+/.exec(rest)?.[0] ?? '';
  if (upperRun.length <= 1 || upperRun.length === rest.length) return leading + rest.charAt(0).toLowerCase() + (upperRun.length === rest.length ? rest.slice(1).toLowerCase() : rest.slice(1));
  // Keep the last capital of a run when it starts the next word: HTTPServer → httpServer.
  const next = rest.charAt(upperRun.length);
  const lowerCount = /[a-z]/.test(next) ? upperRun.length - 1 : upperRun.length;
  return leading + rest.slice(0, lowerCount).toLowerCase() + rest.slice(lowerCount);
}

/**
 * Which naming rule applies. Constants and enum members keep their spelling:
 * `MAX_ITEMS` is already how TypeScript code names a constant.
 */
export type TsNameStyle = 'type' | 'member' | 'enum-member' | 'constant';

// Every check names every declaration, member and param again (a language server: on every edit), from few distinct names.
const tsNameCache = new Map<string, string>();
const TS_NAME_CACHE_LIMIT = 100_000;

/** Applies the case rule and the reserved-word suffix (no clash handling). */
export function toTsName(name: string, style: TsNameStyle): string {
  const key = `${style}\u0000${name}`;
  const cached = tsNameCache.get(key);
  if (cached !== undefined) return cached;
  if (tsNameCache.size >= TS_NAME_CACHE_LIMIT) tsNameCache.clear();
  const tsName = computeTsName(name, style);
  tsNameCache.set(key, tsName);
  return tsName;
}

function computeTsName(name: string, style: TsNameStyle): string {
  const converted = style === 'type' ? toPascalCase(name) : style === 'member' ? toCamelCase(name) : name;
  // 'constant' and 'enum-member' keep the schema's spelling.
  const safe = converted === '' ? '_' : converted;
  const binding = style === 'type' || style === 'constant';
  if (binding ? reservedWords.has(safe) || (style === 'type' && reservedTypeNames.has(safe)) : inheritedProperties.has(safe)) return `${safe}_`;
  return safe;
}

/** Hands out unique TS names within one scope, in call order. */
export interface TsNameScope {
  /** The TS name for `name`, and the earlier schema name it clashed with (if renamed). */
  allocate(name: string, style?: TsNameStyle): { tsName: string; clashedWith?: string; wanted: string };
}

/** Creates a naming scope (a service's members, a struct's fields, a file's declarations…). */
export function createTsNameScope(style: TsNameStyle): TsNameScope {
  const taken = new Map<string, string>();
  return {
    allocate(name, override) {
      const wanted = toTsName(name, override ?? style);
      const owner = taken.get(wanted);
      if (owner === undefined) {
        taken.set(wanted, name);
        return { tsName: wanted, wanted };
      }
      let n = 2;
      while (taken.has(`${wanted}_${n}`)) n++;
      const tsName = `${wanted}_${n}`;
      taken.set(tsName, name);
      return { tsName, clashedWith: owner, wanted };
    },
  };
}
