/**
 * The checked schema model: the contract between the front end and every
 * consumer (code generation, runtime descriptors, `#sys.describe`).
 *
 * Properties of every model the checker returns:
 * - deeply frozen, and JSON-serialisable as is (`JSON.stringify(model)`):
 *   no cycles, no `bigint`, no `undefined` values (optional keys are absent);
 * - declarations refer to each other by qualified name (`demo.v1.Point`),
 *   looked up in {@link SchemaModel.declarations};
 * - deterministic: arrays keep source order, lookup tables are sorted by key,
 *   paths are relative with `/` separators.
 */

/** Bumped when the model's shape changes incompatibly. */
export const MODEL_FORMAT_VERSION = 1;

/** `package.Name` for a declaration, or just `Name` in a file without a package. */
export type QualifiedName = string;

/** Where something was declared: a file relative to the entry schema's folder, 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A value as it travels on the wire, in JSON form. Which JSON shape stands for
 * what is decided by the value's {@link TypeRef}:
 * - `int64`/`uint64`: a decimal **string** (exact beyond 2^53); other integers and floats: a number;
 * - enum: the member's integer value;
 * - struct/error: an object keyed by field **wire** names (only the fields written);
 * - map: an object keyed by the key as a string (integer keys in decimal);
 * - list/tuple: an array; `null`: absent/none; `any`: the JSON value as written.
 */
export type ModelValue = null | boolean | number | string | readonly ModelValue[] | { readonly [key: string]: ModelValue };

/** Integer type names, with their ranges in {@link IntType}. */
export type IntTypeName = 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'int' | 'int64' | 'uint64';

/** An integer type. */
export interface IntType {
  readonly kind: 'int';
  readonly name: IntTypeName;
  /** Inclusive bounds as decimal strings (`int64` bounds exceed `Number`). `int` is ±(2^53 − 1). */
  readonly min: string;
  readonly max: string;
  /** True for `int64`/`uint64`: represented as `bigint` in TypeScript. */
  readonly bigint: boolean;
}

/**
 * A resolved value type, a tagged union on `kind`. `stream<T>` and
 * `callback(...)` are not types here: they are kinds of result and param
 * (see {@link MethodResult} and {@link Param}).
 */
export type TypeRef =
  | { readonly kind: 'bool' }
  | IntType
  | { readonly kind: 'float'; readonly name: 'float32' | 'float64' }
  | { readonly kind: 'string' }
  | { readonly kind: 'bytes' }
  | { readonly kind: 'any' }
  /** Only as a method or callback result. */
  | { readonly kind: 'void' }
  | { readonly kind: 'list'; readonly element: TypeRef }
  /** `key` is `string` or an {@link IntType}; on the wire keys are always strings. */
  | { readonly kind: 'map'; readonly key: TypeRef; readonly value: TypeRef }
  | { readonly kind: 'tuple'; readonly elements: readonly TypeRef[] }
  /** A declared type; `target` is a key of {@link SchemaModel.declarations}. */
  | { readonly kind: 'ref'; readonly target: QualifiedName; readonly targetKind: 'struct' | 'error' | 'enum' | 'union' };

/** What every named model element carries. */
export interface Named {
  /** The name as written in the schema. */
  readonly name: string;
  /**
   * The TypeScript identifier: PascalCase for declarations, camelCase for
   * members, params and fields; a TS reserved word (or a clash with a global
   * the generated code uses) gets a `_` suffix; a later name that collides
   * with an earlier one in the same scope gets `_2`, `_3`… (warning
   * `ts-name-clash`). Enum members keep their spelling (plus the suffix rules).
   */
  readonly tsName: string;
  /** `///` doc comment text, lines joined with `\n`. */
  readonly doc?: string;
  /** Present when `@deprecated` is given; the reason, or `""`. */
  readonly deprecated?: string;
  readonly location: SourceLocation;
}

/** A struct or error field. */
export interface Field extends Named {
  /** The key on the wire: the schema name, or `@wire("...")`. */
  readonly wireName: string;
  readonly type: TypeRef;
  /** Written as `name?:`; the key may be absent. */
  readonly optional: boolean;
  /** The default used when the key is absent (present only if written). A field with a default may be omitted. */
  readonly default?: ModelValue;
}

/** A plain value param: `name?: type = default`. */
export interface ValueParam extends Named {
  readonly kind: 'value';
  /** The key in the params map on the wire (params travel by name). */
  readonly wireName: string;
  readonly type: TypeRef;
  readonly optional: boolean;
  readonly default?: ModelValue;
}

/** `name: stream<T>`: an iterable param the callee pulls items from. */
export interface StreamParam extends Named {
  readonly kind: 'stream';
  readonly wireName: string;
  readonly item: TypeRef;
  readonly optional: boolean;
}

/**
 * `name: callback(params)` (a notification, `result` is void) or
 * `name: callback(params): T` (a request answered with `T`).
 */
export interface CallbackParam extends Named {
  readonly kind: 'callback';
  readonly wireName: string;
  /** The callback's own params: plain values only. */
  readonly params: readonly ValueParam[];
  readonly result: TypeRef;
  readonly optional: boolean;
}

/** A method or notify param, in declaration order. */
export type Param = ValueParam | StreamParam | CallbackParam;

/** A call's result: one value (`void` included) or a multipart stream of items. */
export type MethodResult = { readonly kind: 'value'; readonly type: TypeRef } | { readonly kind: 'stream'; readonly item: TypeRef };

/** What every service member carries. */
export interface MemberBase extends Named {
  /** The target name on the wire: the schema name, or `@wire("...")`. */
  readonly wireName: string;
  /**
   * Groups allowed to use the member (`@auth`): the member's own `@auth`, else
   * the service's; absent when neither says. Enforced fail-closed at run time.
   */
  readonly auth?: readonly string[];
}

/** `name(params): result throws E` — request/response (or multipart). */
export interface CallMember extends MemberBase {
  readonly kind: 'call';
  readonly params: readonly Param[];
  readonly result: MethodResult;
  /** Error declarations the call may raise (keys of {@link SchemaModel.declarations}, each an {@link ErrorDeclaration}). */
  readonly throws: readonly QualifiedName[];
}

/** `notify name(params)` — one-way, never answered; params are plain values. */
export interface NotifyMember extends MemberBase {
  readonly kind: 'notify';
  readonly params: readonly ValueParam[];
}

/** `topic name: T` — publish/subscribe of `T` values. */
export interface TopicMember extends MemberBase {
  readonly kind: 'topic';
  readonly type: TypeRef;
}

export type ServiceMember = CallMember | NotifyMember | TopicMember;

/** What every declaration carries. */
export interface DeclarationBase extends Named {
  readonly qualifiedName: QualifiedName;
  /** The declaring file's package, `""` when it has none. */
  readonly package: string;
}

export interface ConstDeclaration extends DeclarationBase {
  readonly kind: 'const';
  readonly type: TypeRef;
  readonly value: ModelValue;
}

export interface EnumMember extends Named {
  readonly value: number;
}

/** An integer-valued enum (values fit int32); on the wire the integer. */
export interface EnumDeclaration extends DeclarationBase {
  readonly kind: 'enum';
  readonly members: readonly EnumMember[];
}

/** A record; on the wire a map keyed by field wire names. */
export interface StructDeclaration extends DeclarationBase {
  readonly kind: 'struct';
  readonly fields: readonly Field[];
}

/** A typed error; on the wire an exception with `type: name` and `data:` the fields map. */
export interface ErrorDeclaration extends DeclarationBase {
  readonly kind: 'error';
  readonly fields: readonly Field[];
}

/** One alternative of a union. */
export interface UnionVariant {
  /** The struct declaration. */
  readonly type: QualifiedName;
  /** The `$type` value on the wire: the struct's name as written. */
  readonly tag: string;
}

/** A tagged union of structs; on the wire the struct's map plus `"$type": tag`. */
export interface UnionDeclaration extends DeclarationBase {
  readonly kind: 'union';
  readonly variants: readonly UnionVariant[];
}

/** A set of targets one peer exports and another calls. */
export interface ServiceDeclaration extends DeclarationBase {
  readonly kind: 'service';
  /** Wire namespace: `@namespace("...")`, else the service name. `""` is the reference's default namespace. */
  readonly namespace: string;
  /** The service's own `@auth` groups, if any (already folded into each member's `auth`). */
  readonly auth?: readonly string[];
  readonly members: readonly ServiceMember[];
}

export type Declaration = ConstDeclaration | EnumDeclaration | StructDeclaration | ErrorDeclaration | UnionDeclaration | ServiceDeclaration;

/** One schema file of the compilation. */
export interface SchemaFile {
  /** Relative to the (first) entry schema's folder, `/`-separated. */
  readonly path: string;
  /** The package name, `""` when none. */
  readonly package: string;
  /** The doc comment on `package`, if any. */
  readonly doc?: string;
  /** Imported files' `path`s, in source order. */
  readonly imports: readonly string[];
  /** The file's declarations in source order (keys of {@link SchemaModel.declarations}). */
  readonly declarations: readonly QualifiedName[];
  /** True for the entry files the caller named. */
  readonly entry: boolean;
  /** True for the system schema (`schemas/sys.sparrow`), the one allowed to use `#sys`. */
  readonly system: boolean;
}

/** The whole checked compilation. */
export interface SchemaModel {
  readonly formatVersion: typeof MODEL_FORMAT_VERSION;
  /** Every file, entries first in the order given, then imports in discovery order. */
  readonly files: readonly SchemaFile[];
  /** Every declaration of every file, by qualified name (keys sorted). */
  readonly declarations: { readonly [name: QualifiedName]: Declaration };
}
