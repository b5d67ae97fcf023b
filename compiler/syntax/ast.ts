/**
 * The typed syntax tree of one `.sparrow` file. Every node has a `range`
 * (character offsets into its file). Names keep their spelling; nothing is
 * resolved here. Incomplete input yields fewer nodes, never partial ones
 * with holes: a node whose name is missing after error recovery is dropped.
 */
import type { TextRange } from '../source/source-file.ts';

/** A name as written, with its range. */
export interface Identifier {
  readonly text: string;
  readonly range: TextRange;
}

/** A dotted name such as `common.Id` or `demo.v1`. */
export interface QualifiedName {
  readonly parts: readonly Identifier[];
  /** The parts joined with `.`. */
  readonly text: string;
  readonly range: TextRange;
}

/** `@name(args)` before a declaration, member, field, param or enum member. */
export interface AttributeNode {
  readonly name: Identifier;
  readonly args: readonly ValueNode[];
  readonly range: TextRange;
}

/** A type expression. Built-in names (`list`, `int32`, `stream`…) are resolved by the checker. */
export type TypeNode = NamedTypeNode | CallbackTypeNode;

/** `Name` or `Name<Arg, ...>`. */
export interface NamedTypeNode {
  readonly kind: 'named';
  readonly name: QualifiedName;
  /** `undefined` when no `<...>` was written; `[]` for `Name<>`. */
  readonly args: readonly TypeNode[] | undefined;
  readonly range: TextRange;
}

/** `Name(params)` or `Name(params): Result`; only `callback` is meaningful. */
export interface CallbackTypeNode {
  readonly kind: 'callback';
  readonly name: QualifiedName;
  readonly params: readonly FieldNode[];
  readonly result: TypeNode | undefined;
  readonly range: TextRange;
}

/** A literal or a reference in a default, const or attribute argument. */
export type ValueNode =
  | { readonly kind: 'string'; readonly value: string; readonly range: TextRange }
  | { readonly kind: 'integer'; readonly value: bigint; readonly text: string; readonly range: TextRange }
  | { readonly kind: 'float'; readonly value: number; readonly text: string; readonly range: TextRange }
  | { readonly kind: 'bool'; readonly value: boolean; readonly range: TextRange }
  | { readonly kind: 'null'; readonly range: TextRange }
  | { readonly kind: 'list'; readonly items: readonly ValueNode[]; readonly range: TextRange }
  | { readonly kind: 'object'; readonly entries: readonly ObjectEntryNode[]; readonly range: TextRange }
  | { readonly kind: 'reference'; readonly name: QualifiedName; readonly range: TextRange };

/** `key: value` in an object literal; the key as written (a name, string or integer). */
export interface ObjectEntryNode {
  readonly key: Identifier;
  readonly value: ValueNode;
  readonly range: TextRange;
}

/** What every documentable node carries. */
interface Decorated {
  readonly attributes: readonly AttributeNode[];
  /** The `///` comment lines before the node, joined with `\n`, without the slashes. */
  readonly doc: string | undefined;
  readonly range: TextRange;
}

/** A struct/error field or a param: `name?: type = default`. */
export interface FieldNode extends Decorated {
  readonly name: Identifier;
  readonly optional: boolean;
  readonly type: TypeNode;
  readonly default: ValueNode | undefined;
}

export interface EnumMemberNode extends Decorated {
  readonly name: Identifier;
  readonly value: ValueNode | undefined;
}

export interface PackageNode extends Decorated {
  readonly kind: 'package';
  readonly name: QualifiedName;
}

export interface ImportNode extends Decorated {
  readonly kind: 'import';
  /** The path, unescaped. */
  readonly path: string;
  readonly pathRange: TextRange;
}

export interface ConstNode extends Decorated {
  readonly kind: 'const';
  readonly name: Identifier;
  readonly type: TypeNode;
  readonly value: ValueNode;
}

export interface EnumNode extends Decorated {
  readonly kind: 'enum';
  readonly name: Identifier;
  readonly members: readonly EnumMemberNode[];
}

export interface StructNode extends Decorated {
  readonly kind: 'struct' | 'error';
  readonly name: Identifier;
  readonly fields: readonly FieldNode[];
}

export interface UnionNode extends Decorated {
  readonly kind: 'union';
  readonly name: Identifier;
  readonly members: readonly QualifiedName[];
}

export interface ServiceNode extends Decorated {
  readonly kind: 'service';
  readonly name: Identifier;
  readonly members: readonly MemberNode[];
}

/** `name(params): result throws E, F` (result omitted means `void`). */
export interface MethodNode extends Decorated {
  readonly kind: 'method';
  readonly name: Identifier;
  readonly params: readonly FieldNode[];
  readonly result: TypeNode | undefined;
  readonly throws: readonly QualifiedName[];
}

/** `notify name(params)`. */
export interface NotifyNode extends Decorated {
  readonly kind: 'notify';
  readonly name: Identifier;
  readonly params: readonly FieldNode[];
}

/** `topic name: type`. */
export interface TopicNode extends Decorated {
  readonly kind: 'topic';
  readonly name: Identifier;
  readonly type: TypeNode;
}

export type MemberNode = MethodNode | NotifyNode | TopicNode;

/** Any top-level statement. */
export type StatementNode = PackageNode | ImportNode | ConstNode | EnumNode | StructNode | UnionNode | ServiceNode;

/** Declarations that introduce a name. */
export type DeclarationNode = ConstNode | EnumNode | StructNode | UnionNode | ServiceNode;

/** One parsed file. */
export interface SchemaFileNode {
  readonly statements: readonly StatementNode[];
}
