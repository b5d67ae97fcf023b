/** Completion: keywords, types in scope (built-in and declared), attributes after `@`, and the members of an imported package after `pkg.`. */
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import { builtinTypeNames } from '../check/builtins.ts';
import type { Workspace } from '../workspace/workspace.ts';

const keywords = ['package', 'import', 'const', 'enum', 'struct', 'error', 'union', 'service', 'notify', 'topic', 'throws', 'true', 'false', 'null'];
const attributes = ['namespace', 'wire', 'auth', 'deprecated'];

export function completion(workspace: Workspace, p: string, offset: number): CompletionItem[] {
  const text = workspace.text(p) ?? '';
  const before = text.slice(0, offset);
  if (/@[A-Za-z_]*$/.test(before)) return attributes.map((label) => ({ label, kind: CompletionItemKind.Property }));
  const compiled = workspace.program(p);
  const file = compiled.files.find((f) => f.source.absolutePath === p);
  const qualifier = /([A-Za-z_][A-Za-z0-9_.]*)\.[A-Za-z_]*$/.exec(before)?.[1];
  if (qualifier !== undefined && file !== undefined) {
    // `common.` → the declarations of the imported files whose package is (or ends with) `common`.
    return file.imports
      .filter(({ file: imported }) => imported.packageName === qualifier || imported.packageName.endsWith(`.${qualifier}`))
      .flatMap(({ file: imported }) => imported.ast.statements.flatMap((s) => (s.kind === 'package' || s.kind === 'import' ? [] : [{ label: s.name.text, kind: kindOf(s.kind), detail: `${s.kind} ${imported.packageName}.${s.name.text}` }])));
  }
  const items: CompletionItem[] = keywords.map((label) => ({ label, kind: CompletionItemKind.Keyword }));
  for (const name of builtinTypeNames) items.push({ label: name, kind: CompletionItemKind.TypeParameter, detail: 'built-in type' });
  if (file !== undefined) {
    for (const visible of [file, ...file.imports.map((i) => i.file)]) {
      for (const s of visible.ast.statements) {
        if (s.kind === 'package' || s.kind === 'import') continue;
        items.push({ label: s.name.text, kind: kindOf(s.kind), detail: `${s.kind}${visible === file ? '' : ` from ${visible.source.displayPath}`}` });
      }
    }
  }
  return items;
}

function kindOf(kind: string): CompletionItemKind {
  switch (kind) {
    case 'enum':
      return CompletionItemKind.Enum;
    case 'service':
      return CompletionItemKind.Interface;
    case 'const':
      return CompletionItemKind.Constant;
    default:
      return CompletionItemKind.Struct;
  }
}
