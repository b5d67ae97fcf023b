/**
 * Hover: the declaration as written, its doc comment, the TypeScript name it
 * becomes and the TypeScript it becomes, as `sparrowc gen` writes it (the
 * declaration's block, or the line of a field, enum member or method).
 */
import type { Hover } from 'vscode-languageserver';
import type { CompiledProgram } from '../compile.ts';
import { emitTypeScript, type EmittedFile } from '../emit/typescript.ts';
import { toCamelCase, toPascalCase } from '../emit/names.ts';
import type { SchemaModel } from '../model/model.ts';
import type { NamedTarget, Workspace } from '../workspace/workspace.ts';

// The generated TypeScript of a compilation, made on the first hover: a program is replaced (not changed) on every edit.
const emitted = new WeakMap<CompiledProgram, readonly EmittedFile[]>();

function generated(program: CompiledProgram, model: SchemaModel): readonly EmittedFile[] {
  let files = emitted.get(program);
  if (files === undefined) {
    files = emitTypeScript(model, { version: 'hover' });
    emitted.set(program, files);
  }
  return files;
}

/** The generated code of declaration `qualifiedName`: its first block after the JSDoc that names it. */
function declarationBlock(files: readonly EmittedFile[], kind: string, qualifiedName: string): string | undefined {
  const marker = ` * @generated from ${kind} ${qualifiedName} (`;
  for (const file of files) {
    const at = file.content.indexOf(marker);
    if (at < 0) continue;
    const start = file.content.indexOf('*/\n', at);
    if (start < 0) return undefined;
    const end = file.content.indexOf('\n\n', start);
    return file.content.slice(start + 3, end < 0 ? undefined : end).trim();
  }
  return undefined;
}

/** The TS name of a member and the kind of its declaration, from the model. */
function memberOf(model: SchemaModel, member: NonNullable<NamedTarget['member']>): { tsName: string; kind: string } | undefined {
  const d = model.declarations[member.owner];
  if (d === undefined) return undefined;
  const list: readonly { name: string; tsName: string }[] = d.kind === 'struct' || d.kind === 'error' ? d.fields : d.kind === 'enum' ? d.members : d.kind === 'service' ? d.members : [];
  const found = list.find((m) => m.name === member.name);
  return found === undefined ? undefined : { tsName: found.tsName, kind: d.kind };
}

/** The generated TypeScript for `target`, when the compilation has a model. */
function typeScriptOf(program: CompiledProgram, target: NamedTarget): string | undefined {
  const model = program.model;
  if (model === undefined) return undefined;
  const files = generated(program, model);
  if (target.declaration !== undefined) {
    const d = model.declarations[target.declaration.qualifiedName];
    return d === undefined ? undefined : declarationBlock(files, d.kind, d.qualifiedName);
  }
  if (target.member === undefined) return undefined;
  const member = memberOf(model, target.member);
  if (member === undefined) return undefined;
  const block = declarationBlock(files, member.kind, target.member.owner);
  const escaped = member.tsName.replace(/[$]/g, '\\$&');
  // A field `name?: T;`, an enum member `name: 1,`, a method `name(args…): R;` (quoted names included).
  const line = block?.split('\n').find((l) => new RegExp(`^\\s*(?:${escaped}|"${escaped}")\\??[:(]`).test(l));
  return line?.trim();
}

export function hover(workspace: Workspace, p: string, offset: number): Hover | null {
  const target = workspace.targetAt(p, offset);
  if (target === undefined) return null;
  const text = target.file.source.text;
  const node = target.node;
  // The declaration's first line as written (attributes and body left out).
  const firstLine = text.slice(node.range.start, node.range.end).split(/\r?\n/)[0]?.replace(/\s*\{.*$/, '').trim() ?? target.name.text;
  const program = workspace.program(p);
  const model = program.model;
  const tsName =
    target.declaration !== undefined
      ? (model?.declarations[target.declaration.qualifiedName]?.tsName ?? toPascalCase(target.name.text))
      : ((target.member !== undefined && model !== undefined ? memberOf(model, target.member)?.tsName : undefined) ?? toCamelCase(target.name.text));
  const doc = 'doc' in node ? node.doc : undefined;
  const parts = ['```sparrow', firstLine, '```'];
  if (doc !== undefined) parts.push('', doc);
  parts.push('', `TypeScript: \`${tsName}\``);
  const typeScript = typeScriptOf(program, target);
  if (typeScript !== undefined) parts.push('', '```typescript', typeScript, '```');
  return { contents: { kind: 'markdown', value: parts.join('\n') } };
}
