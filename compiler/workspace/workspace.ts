/**
 * The compiler over documents held in memory, for the language server and
 * other tools: open, change and close documents (unsaved text wins over the
 * disk), then ask for diagnostics, symbols, definitions and references.
 * Each open document is compiled as its own entry (with everything it
 * imports); a file's parse is cached by its text, so an edit re-parses only
 * the edited file, and within it only the edited statement.
 */
import { readdirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { compileProgram, type CompiledProgram } from '../compile.ts';
import type { DeclSymbol } from '../check/resolve-names.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { readFileFromDisk, type ReadFile } from '../source/read-files.ts';
import type { LoadedFile } from '../source/load-files.ts';
import type { SourceFile, TextRange } from '../source/source-file.ts';
import type { DeclarationNode, FieldNode, Identifier, StatementNode } from '../syntax/ast.ts';
import { reparseSchema } from '../syntax/incremental.ts';
import { parseSchema, type ParseResult } from '../syntax/parse.ts';

/** A place in a file. */
export interface WorkspaceLocation {
  readonly path: string;
  readonly range: TextRange;
}

/** A named thing in a file's outline. */
export interface WorkspaceSymbol {
  readonly name: string;
  readonly kind: 'package' | 'const' | 'enum' | 'struct' | 'error' | 'union' | 'service' | 'method' | 'notify' | 'topic' | 'field' | 'enum member';
  /** The whole declaration. */
  readonly range: TextRange;
  /** Its name. */
  readonly selectionRange: TextRange;
  readonly children: readonly WorkspaceSymbol[];
}

/** What a position names: a declaration (and where it is used), or a member, field or param. */
export interface NamedTarget {
  /** The declaration's name, or the member's, field's or param's. */
  readonly name: Identifier;
  readonly file: LoadedFile;
  readonly declaration: DeclSymbol | undefined;
  /** The node that owns the name (for hover). */
  readonly node: StatementNode | FieldNode | { readonly kind: 'member'; readonly doc: string | undefined; readonly range: TextRange };
  /** The names beside it that a rename must not take (siblings, or declarations in scope). */
  readonly siblings: readonly string[];
  /** For an enum member, a struct or error field or a service member: its declaration and name (values elsewhere may name the first two). */
  readonly member?: { readonly owner: string; readonly name: string };
}

/** Documents in memory over a compiler. */
export interface Workspace {
  open(path: string, text: string): void;
  change(path: string, text: string): void;
  close(path: string): void;
  /** Open documents, by absolute path. */
  documents(): readonly string[];
  /** The text the compiler sees for `path`: the open document, else the disk. */
  text(path: string): string | undefined;
  /** Compiles `path` as an entry (cached until a document changes). */
  program(path: string): CompiledProgram;
  /** Diagnostics of the compilation of `path`, grouped by absolute file path (imports included). */
  diagnostics(path: string): Map<string, Diagnostic[]>;
  symbols(path: string): WorkspaceSymbol[];
  /** The declaration, member, field or param named at `offset`. */
  targetAt(path: string, offset: number): NamedTarget | undefined;
  definition(path: string, offset: number): WorkspaceLocation | undefined;
  /**
   * Every place naming what `offset` names (the declaration included), across
   * the compilations of the open documents and of every schema on disk under
   * the workspace folders.
   */
  references(path: string, offset: number): WorkspaceLocation[];
  /** The folders whose `.sparrow` files (open or not) references and rename search. */
  setFolders(folders: readonly string[]): void;
}

/** Options for {@link createWorkspace}. */
export interface WorkspaceOptions {
  /** Reads files that are not open. Defaults to disk. */
  readonly readFile?: ReadFile;
  /** Folder diagnostics are relative to. Defaults to `/`. */
  readonly root?: string;
  /** Workspace folders (see {@link Workspace.setFolders}). */
  readonly folders?: readonly string[];
  /** Lists the `.sparrow` files under a folder. Defaults to a walk of the disk. */
  readonly listSchemas?: (folder: string) => readonly string[];
}

/** Creates an empty workspace. */
export function createWorkspace(options: WorkspaceOptions = {}): Workspace {
  const readFile = options.readFile ?? readFileFromDisk;
  const root = options.root ?? path.parse(process.cwd()).root;
  const open = new Map<string, string>();
  const parses = new Map<string, { text: string; result: ParseResult }>();
  let programs = new Map<string, CompiledProgram>();
  let folders = (options.folders ?? []).map((f) => path.resolve(root, f));
  const listSchemas = options.listSchemas ?? listSchemasOnDisk;

  const parse = (source: SourceFile): ParseResult => {
    const cached = parses.get(source.absolutePath);
    if (cached !== undefined && cached.text === source.text) return cached.result;
    // After an edit only the edited statement is parsed again (syntax/incremental.ts).
    const result = cached === undefined ? parseSchema(source) : reparseSchema(cached.text, cached.result, source);
    parses.set(source.absolutePath, { text: source.text, result });
    return result;
  };
  const textOf = (p: string): string | undefined => open.get(p) ?? readFile(p);
  const program = (entry: string): CompiledProgram => {
    const absolute = path.resolve(root, entry);
    let compiled = programs.get(absolute);
    if (compiled === undefined) {
      compiled = compileProgram([absolute], { cwd: root, readFile: textOf, parse });
      programs.set(absolute, compiled);
    }
    return compiled;
  };
  const fileOf = (compiled: CompiledProgram, p: string): LoadedFile | undefined => compiled.files.find((f) => f.source.absolutePath === p);

  const targetAt = (p: string, offset: number): NamedTarget | undefined => {
    const compiled = program(p);
    const file = fileOf(compiled, path.resolve(root, p));
    if (file === undefined) return undefined;
    const inside = (r: TextRange): boolean => offset >= r.start && offset <= r.end;
    const memberUse = compiled.memberReferences.find((r) => r.file === file && inside(r.range));
    if (memberUse !== undefined) {
      const owner = compiled.files.flatMap((f) => f.ast.statements.map((s) => ({ f, s }))).find(({ f, s }) => s.kind !== 'package' && s.kind !== 'import' && qualify(f, s.name.text) === memberUse.owner);
      const part = owner === undefined || owner.s.kind === 'package' || owner.s.kind === 'import' ? undefined : partsOf(owner.s, memberUse.owner).find((x) => x.member?.name === memberUse.member);
      if (owner !== undefined && part !== undefined) return { name: part.name, file: owner.f, declaration: undefined, node: part.node, siblings: part.siblings, ...(part.member === undefined ? {} : { member: part.member }) };
    }
    const reference = compiled.references.find((r) => r.file === file && inside(r.range));
    const declarationNames = (f: LoadedFile): string[] => f.ast.statements.flatMap((s) => (s.kind === 'package' || s.kind === 'import' ? [] : [s.name.text]));
    if (reference !== undefined) {
      const symbol = reference.symbol;
      return { name: symbol.node.name, file: symbol.file, declaration: symbol, node: symbol.node, siblings: declarationNames(symbol.file) };
    }
    for (const statement of file.ast.statements) {
      if (statement.kind === 'package' || statement.kind === 'import') continue;
      const symbol = [...compiled.references.map((r) => r.symbol)].find((s) => s.node === statement) ?? findSymbol(compiled, statement);
      if (inside(statement.name.range)) return { name: statement.name, file, declaration: symbol, node: statement, siblings: declarationNames(file) };
      const parts = partsOf(statement, qualify(file, statement.name.text));
      for (const part of parts) {
        if (inside(part.name.range)) return { name: part.name, file, declaration: undefined, node: part.node, siblings: part.siblings, ...(part.member === undefined ? {} : { member: part.member }) };
      }
    }
    return undefined;
  };

  const referencesOf = (target: NamedTarget): WorkspaceLocation[] => {
    const out = new Map<string, WorkspaceLocation>();
    const add = (p: string, range: TextRange): void => void out.set(`${p}\u0000${range.start}`, { path: p, range });
    add(target.file.source.absolutePath, target.name.range);
    const entries = new Set([...open.keys(), target.file.source.absolutePath, ...folders.flatMap((f) => listSchemas(f))]);
    const member = target.member;
    if (member !== undefined) {
      for (const entry of entries) {
        for (const use of program(entry).memberReferences) {
          if (use.owner === member.owner && use.member === member.name) add(use.file.source.absolutePath, use.range);
        }
      }
    }
    if (target.declaration !== undefined) {
      const qualifiedName = target.declaration.qualifiedName;
      for (const entry of entries) {
        for (const reference of program(entry).references) {
          if (reference.symbol.qualifiedName !== qualifiedName || reference.symbol.file.source.absolutePath !== target.file.source.absolutePath) continue;
          // Point at the last part of a qualified name (`common.Id` → `Id`): that is what a rename replaces.
          add(reference.file.source.absolutePath, { start: reference.range.end - target.name.text.length, end: reference.range.end });
        }
      }
    }
    return [...out.values()];
  };

  return {
    open(p, text) {
      open.set(path.resolve(root, p), text);
      programs = new Map();
    },
    change(p, text) {
      open.set(path.resolve(root, p), text);
      programs = new Map();
    },
    close(p) {
      open.delete(path.resolve(root, p));
      programs = new Map();
    },
    setFolders(list) {
      folders = list.map((f) => path.resolve(root, f));
    },
    documents: () => [...open.keys()],
    text: (p) => textOf(path.resolve(root, p)),
    program,
    diagnostics(p) {
      const compiled = program(p);
      const byFile = new Map<string, Diagnostic[]>();
      for (const file of compiled.files) byFile.set(file.source.absolutePath, []);
      for (const diagnostic of compiled.diagnostics) {
        const absolute = path.resolve(root, diagnostic.file);
        byFile.set(absolute, [...(byFile.get(absolute) ?? []), diagnostic]);
      }
      return byFile;
    },
    symbols(p) {
      const file = fileOf(program(p), path.resolve(root, p));
      return file === undefined ? [] : outline(file);
    },
    targetAt,
    definition(p, offset) {
      const target = targetAt(p, offset);
      return target === undefined ? undefined : { path: target.file.source.absolutePath, range: target.name.range };
    },
    references(p, offset) {
      const target = targetAt(p, offset);
      return target === undefined ? [] : referencesOf(target);
    },
  };
}

function findSymbol(compiled: CompiledProgram, node: DeclarationNode): DeclSymbol | undefined {
  const file = compiled.files.find((f) => f.ast.statements.includes(node));
  if (file === undefined) return undefined;
  return { node, file, qualifiedName: file.packageName === '' ? node.name.text : `${file.packageName}.${node.name.text}`, deprecated: undefined };
}

const qualify = (file: LoadedFile, name: string): string => (file.packageName === '' ? name : `${file.packageName}.${name}`);

/** The `.sparrow` files under `folder` (node_modules, dist and hidden folders left out), at most 5,000. */
function listSchemasOnDisk(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= 5000) return;
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.sparrow')) found.push(full);
    }
  };
  walk(folder);
  return found.sort();
}

type Part = { name: Identifier; node: NamedTarget['node']; siblings: string[]; member?: { owner: string; name: string } };

/** Members, fields, params and enum members of a declaration (`owner`, qualified), each with the names beside it. */
function partsOf(statement: DeclarationNode, owner: string): Part[] {
  const out: Part[] = [];
  const fields = (list: readonly FieldNode[], ofDeclaration: boolean): void => {
    const names = list.map((f) => f.name.text);
    for (const f of list) {
      out.push({ name: f.name, node: f, siblings: names, ...(ofDeclaration ? { member: { owner, name: f.name.text } } : {}) });
      if (f.type.kind === 'callback') fields(f.type.params, false);
    }
  };
  switch (statement.kind) {
    case 'struct':
    case 'error':
      fields(statement.fields, true);
      break;
    case 'enum': {
      const names = statement.members.map((m) => m.name.text);
      for (const m of statement.members) out.push({ name: m.name, node: { kind: 'member', doc: m.doc, range: m.range }, siblings: names, member: { owner, name: m.name.text } });
      break;
    }
    case 'service': {
      const names = statement.members.map((m) => m.name.text);
      for (const m of statement.members) {
        out.push({ name: m.name, node: { kind: 'member', doc: m.doc, range: m.range }, siblings: names, member: { owner, name: m.name.text } });
        if (m.kind !== 'topic') fields(m.params, false);
      }
      break;
    }
    default:
      break;
  }
  return out;
}

function outline(file: LoadedFile): WorkspaceSymbol[] {
  const symbol = (name: Identifier, kind: WorkspaceSymbol['kind'], range: TextRange, children: WorkspaceSymbol[] = []): WorkspaceSymbol => ({ name: name.text, kind, range, selectionRange: name.range, children });
  const fieldSymbols = (fields: readonly FieldNode[]): WorkspaceSymbol[] => fields.map((f) => symbol(f.name, 'field', f.range));
  const out: WorkspaceSymbol[] = [];
  for (const s of file.ast.statements) {
    switch (s.kind) {
      case 'package':
        out.push({ name: s.name.text, kind: 'package', range: s.range, selectionRange: s.name.range, children: [] });
        break;
      case 'import':
        break;
      case 'struct':
      case 'error':
        out.push(symbol(s.name, s.kind, s.range, fieldSymbols(s.fields)));
        break;
      case 'enum':
        out.push(symbol(s.name, 'enum', s.range, s.members.map((m) => symbol(m.name, 'enum member', m.range))));
        break;
      case 'service':
        out.push(symbol(s.name, 'service', s.range, s.members.map((m) => symbol(m.name, m.kind, m.range, m.kind === 'topic' ? [] : fieldSymbols(m.params)))));
        break;
      default:
        out.push(symbol(s.name, s.kind, s.range));
    }
  }
  return out;
}
