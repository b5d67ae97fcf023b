/**
 * Name resolution, the checker's first step: every declaration by qualified
 * name, each file's scope (its own declarations plus those of the files it
 * imports), and the lookup of plain and package-qualified names. Every
 * successful lookup is recorded as a reference, which is what editors need
 * for go-to-definition, find-references and rename.
 */
import type { TextRange } from '../source/source-file.ts';
import type { LoadedFile } from '../source/load-files.ts';
import type { DeclarationNode, QualifiedName } from '../syntax/ast.ts';
import { builtinTypeNames } from './builtins.ts';

/** A declaration found in some file. */
export interface DeclSymbol {
  readonly node: DeclarationNode;
  readonly file: LoadedFile;
  readonly qualifiedName: string;
  /** The `@deprecated` reason (`''` without one); `undefined` when not deprecated. */
  readonly deprecated: string | undefined;
}

/** A name in some file that resolved to a declaration. */
export interface NameReference {
  readonly file: LoadedFile;
  /** The whole written name (`common.Id`). */
  readonly range: TextRange;
  readonly symbol: DeclSymbol;
}

/**
 * A use of a member of a declaration: an enum member named in a value
 * (`Kind.low`), or a struct or error field named as a key of an object value
 * (`{ id: 1 }` typed as a struct). For editors: references and rename of members.
 */
export interface MemberReference {
  readonly file: LoadedFile;
  /** The member's name as written (the last part of `Kind.low`, the key of `{ id: 1 }`). */
  readonly range: TextRange;
  /** The qualified name of the enum, struct or error. */
  readonly owner: string;
  /** The member's name in the schema. */
  readonly member: string;
}

/** The findings name resolution reports. */
export type ReportName = (
  code: 'reserved-name' | 'duplicate-name' | 'import-name-clash',
  file: LoadedFile,
  range: TextRange,
  params: { name: string; kind?: string; other?: string },
) => void;

/** The declarations of a compilation and how names resolve in each file. */
export interface NameTable {
  /** Every declaration by qualified name (the first one wins on duplicates). */
  readonly symbols: ReadonlyMap<string, DeclSymbol>;
  /** `name` qualified with `file`'s package. */
  qualify(file: LoadedFile, name: string): string;
  /** Resolves a plain (`Id`) or package-qualified (`common.Id`) name as seen from `file`, recording the reference. */
  lookup(file: LoadedFile, name: QualifiedName): DeclSymbol | undefined;
  /** The references recorded so far, each written name once. */
  references(): NameReference[];
}

/**
 * Collects declarations and builds scopes. Reports reserved-name,
 * duplicate-name (declarations) and import-name-clash.
 */
export function resolveNames(files: readonly LoadedFile[], report: ReportName): NameTable {
  const symbols = new Map<string, DeclSymbol>();
  const byFile = new Map<LoadedFile, DeclSymbol[]>();
  const qualify = (file: LoadedFile, name: string): string => (file.packageName === '' ? name : `${file.packageName}.${name}`);

  for (const file of files) {
    const own: DeclSymbol[] = [];
    byFile.set(file, own);
    for (const statement of file.ast.statements) {
      if (statement.kind === 'package' || statement.kind === 'import') continue;
      const name = statement.name.text;
      if (builtinTypeNames.has(name)) report('reserved-name', file, statement.name.range, { name });
      const qualifiedName = qualify(file, name);
      if (symbols.has(qualifiedName)) {
        report('duplicate-name', file, statement.name.range, { kind: 'declaration', name: qualifiedName });
        continue;
      }
      const deprecated = statement.attributes.find((a) => a.name.text === 'deprecated');
      const reason = deprecated?.args[0];
      const symbol: DeclSymbol = { node: statement, file, qualifiedName, deprecated: deprecated === undefined ? undefined : reason?.kind === 'string' ? reason.value : '' };
      symbols.set(qualifiedName, symbol);
      own.push(symbol);
    }
  }

  const scopes = new Map<LoadedFile, Map<string, DeclSymbol>>();
  for (const file of files) {
    const scope = new Map<string, DeclSymbol>();
    for (const symbol of byFile.get(file) ?? []) scope.set(symbol.node.name.text, symbol);
    for (const { node, file: imported } of file.imports) {
      if (imported === file) continue;
      for (const symbol of byFile.get(imported) ?? []) {
        const name = symbol.node.name.text;
        const existing = scope.get(name);
        if (existing === undefined) scope.set(name, symbol);
        else if (existing !== symbol) {
          const other = existing.file === file ? 'a declaration in this file' : `'${existing.qualifiedName}' from ${existing.file.source.displayPath}`;
          report('import-name-clash', file, node.pathRange, { name, other });
        }
      }
    }
    scopes.set(file, scope);
  }

  const references = new Map<string, NameReference>();
  const find = (file: LoadedFile, name: QualifiedName): DeclSymbol | undefined => {
    if (name.parts.length === 1) return scopes.get(file)?.get(name.text);
    const last = name.parts.at(-1)?.text ?? '';
    const prefix = name.parts.slice(0, -1).map((p) => p.text).join('.');
    // As in protobuf, a qualifier is tried inside the current package first and
    // then in each enclosing one: from `demo.v1`, `common.Id` may be
    // `demo.v1.common.Id`, `demo.common.Id` or `common.Id`.
    const enclosing = file.packageName === '' ? [] : file.packageName.split('.');
    for (let depth = enclosing.length; depth >= 0; depth--) {
      const packageName = [...enclosing.slice(0, depth), prefix].join('.');
      const symbol = symbols.get(`${packageName}.${last}`);
      if (symbol !== undefined && (symbol.file === file || file.imports.some((i) => i.file === symbol.file))) return symbol;
    }
    return undefined;
  };

  return {
    symbols,
    qualify,
    lookup(file, name) {
      const symbol = find(file, name);
      if (symbol !== undefined) references.set(`${file.source.absolutePath}\u0000${name.range.start}`, { file, range: name.range, symbol });
      return symbol;
    },
    references: () => [...references.values()],
  };
}
