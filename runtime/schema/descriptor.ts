/**
 * Runtime descriptors: a compact, JSON-able description of a service and of
 * every declared type it uses, emitted by `sparrowc gen` as const data and
 * read by the schema glue (validation, typed clients, registration) and by
 * `#sys.describe`. Generated code stays thin: the wire rules live here.
 */

/** A builtin type name. */
export type PrimitiveName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'int'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'any'
  | 'void';

/**
 * A value type: a builtin name, a declared type's qualified name (a key of
 * {@link ServiceDescriptor.types}), or a composite written as a tuple.
 */
export type TypeDesc =
  | string
  | readonly ['list', TypeDesc]
  | readonly ['map', TypeDesc, TypeDesc]
  | readonly ['tuple', ...TypeDesc[]];

/** A struct or error field, or a plain value param. */
export interface FieldDesc {
  /** The key on the wire. */
  readonly name: string;
  /** The TypeScript property name, when it differs from `name`. */
  readonly ts?: string;
  readonly type: TypeDesc;
  /** The key may be absent (`name?:`). */
  readonly optional?: boolean;
  /** Used when the key is absent; in the model's JSON form (int64 as a decimal string, maps as objects). */
  readonly default?: unknown;
}

/** A method or notify param. `kind` is absent for plain values. */
export interface ParamDesc extends FieldDesc {
  /** `stream`: `type` is the item type; `callback`: see `params` and `result`. */
  readonly kind?: 'stream' | 'callback';
  /** A callback's own params. */
  readonly params?: readonly FieldDesc[];
  /** A callback's result: `void` for notification-style callbacks. */
  readonly result?: TypeDesc;
}

export interface StructDesc {
  readonly kind: 'struct' | 'error';
  /** The name as written in the schema (the wire `type` of an error, the `$type` of a union variant). */
  readonly name: string;
  readonly fields: readonly FieldDesc[];
}

export interface EnumDesc {
  readonly kind: 'enum';
  readonly name: string;
  /** Member name → integer value. */
  readonly values: Readonly<Record<string, number>>;
}

export interface UnionDesc {
  readonly kind: 'union';
  readonly name: string;
  /** `$type` tag → the variant struct's qualified name. */
  readonly variants: Readonly<Record<string, string>>;
}

export type DeclDesc = StructDesc | EnumDesc | UnionDesc;

/** Declared types by qualified name. */
export type TypeTable = Readonly<Record<string, DeclDesc>>;

interface MemberDescBase {
  /** The target name on the wire. */
  readonly name: string;
  /** The TypeScript member name, when it differs from `name`. */
  readonly ts?: string;
  /** `@auth` groups: the caller must be in one of them (fail closed). */
  readonly auth?: readonly string[];
}

export interface CallDesc extends MemberDescBase {
  readonly kind: 'call';
  readonly params: readonly ParamDesc[];
  /** The result type, or the item type when `stream` is set. */
  readonly result: TypeDesc;
  /** A multipart response of `result` items. */
  readonly stream?: boolean;
  /** Qualified names of the errors the call may raise. */
  readonly throws?: readonly string[];
}

export interface NotifyDesc extends MemberDescBase {
  readonly kind: 'notify';
  readonly params: readonly ParamDesc[];
}

export interface TopicDesc extends MemberDescBase {
  readonly kind: 'topic';
  readonly type: TypeDesc;
}

export type MemberDesc = CallDesc | NotifyDesc | TopicDesc;

/** One service: what `#sys.describe` answers for it, and what the glue reads. */
export interface ServiceDescriptor {
  /** The service name as written in the schema. */
  readonly name: string;
  /** The schema package, `""` when none. */
  readonly package: string;
  /** Wire namespace (`""` is the reference's default namespace). */
  readonly namespace: string;
  readonly methods: readonly MemberDesc[];
  /** Every declared type the members use, transitively, by qualified name. */
  readonly types: TypeTable;
}

/** The TypeScript key of a field, param or member. */
export function tsKey(desc: { readonly name: string; readonly ts?: string }): string {
  return desc.ts ?? desc.name;
}
