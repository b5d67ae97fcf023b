/**
 * Attribute checking: which attributes exist, where each may stand, and what
 * arguments it takes. Known: `@namespace("x")` (service), `@wire("x")`
 * (service member, field, param), `@auth("group", ...)` (service or member),
 * `@deprecated` / `@deprecated("why")` (anything that has a name).
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SourceFile, TextRange } from '../source/source-file.ts';
import type { AttributeNode, ValueNode } from '../syntax/ast.ts';

/** What an attribute is attached to. */
export type AttributeTarget = 'package' | 'import' | 'const' | 'enum' | 'struct' | 'error' | 'union' | 'service' | 'call' | 'notify' | 'topic' | 'field' | 'param' | 'enum member';

/** The checked attribute values of one target; a key is present only when the attribute was given and valid. */
export interface AttributeValues {
  namespace?: { readonly value: string; readonly range: TextRange };
  wire?: string;
  auth?: string[];
  deprecated?: string;
}

const placement: Record<string, { readonly targets: readonly AttributeTarget[]; readonly allowed: string }> = {
  namespace: { targets: ['service'], allowed: 'services' },
  wire: { targets: ['call', 'notify', 'topic', 'field', 'param'], allowed: 'service members, fields and params' },
  auth: { targets: ['service', 'call', 'notify', 'topic'], allowed: 'services and service members' },
  deprecated: {
    targets: ['const', 'enum', 'struct', 'error', 'union', 'service', 'call', 'notify', 'topic', 'field', 'param', 'enum member'],
    allowed: 'declarations, members, fields, params and enum members',
  },
};

/** Namespaces are plain names; `#` marks the reserved system ones. */
const namespacePattern = /^#?[A-Za-z0-9_.-]*$/;

/**
 * Checks the attributes on one target. Diagnostics: unknown-attribute,
 * invalid-attribute-target, invalid-attribute-argument, duplicate-attribute,
 * auth-without-groups, reserved-namespace, invalid-namespace.
 */
export function readAttributes(attributes: readonly AttributeNode[], target: AttributeTarget, source: SourceFile, systemSchema: boolean, report: (d: Diagnostic) => void): AttributeValues {
  const values: AttributeValues = {};
  const seen = new Set<string>();
  for (const attribute of attributes) {
    const name = attribute.name.text;
    const at = { source, range: attribute.range };
    const rule = placement[name];
    if (rule === undefined) {
      report(createDiagnostic('unknown-attribute', { source, range: { start: attribute.range.start, end: attribute.name.range.end } }, { name }));
      continue;
    }
    if (!rule.targets.includes(target)) {
      report(createDiagnostic('invalid-attribute-target', at, { name, target: `a ${target}`, allowed: rule.allowed }));
      continue;
    }
    if (seen.has(name)) {
      report(createDiagnostic('duplicate-attribute', at, { name }));
      continue;
    }
    seen.add(name);
    const strings = attribute.args.map(stringArg);
    const allStrings = strings.every((s) => s !== undefined);
    switch (name) {
      case 'namespace': {
        const value = strings[0];
        if (strings.length !== 1 || value === undefined) {
          report(createDiagnostic('invalid-attribute-argument', at, { name, expected: 'one string, e.g. @namespace("chat") or @namespace("")' }));
        } else if (value.startsWith('#') && !systemSchema) {
          report(createDiagnostic('reserved-namespace', { source, range: attribute.args[0]?.range ?? attribute.range }, { namespace: value }));
        } else if (!namespacePattern.test(value)) {
          report(createDiagnostic('invalid-namespace', { source, range: attribute.args[0]?.range ?? attribute.range }, { namespace: value }));
        } else {
          values.namespace = { value, range: attribute.range };
        }
        break;
      }
      case 'wire': {
        const value = strings[0];
        if (strings.length !== 1 || value === undefined || value === '') report(createDiagnostic('invalid-attribute-argument', at, { name, expected: 'one non-empty string, e.g. @wire("legacy_name")' }));
        else values.wire = value;
        break;
      }
      case 'auth': {
        if (attribute.args.length === 0) report(createDiagnostic('auth-without-groups', at));
        else if (!allStrings || strings.some((s) => s === '')) report(createDiagnostic('invalid-attribute-argument', at, { name, expected: 'one or more non-empty group names as strings' }));
        else values.auth = [...new Set(strings as string[])];
        break;
      }
      case 'deprecated': {
        if (strings.length > 1 || !allStrings) report(createDiagnostic('invalid-attribute-argument', at, { name, expected: 'no argument or one string (the reason)' }));
        else values.deprecated = strings[0] ?? '';
        break;
      }
    }
  }
  return values;
}

function stringArg(value: ValueNode): string | undefined {
  return value.kind === 'string' ? value.value : undefined;
}
