/**
 * `sparrowc call <url> --describe [symbol]` and `--format json`: a method's,
 * service's or type's definition as the schema writes it, or as JSON in
 * the descriptor format. Pure rendering of a peer's description.
 */
import type { DeclDesc, ServiceDescriptor } from 'sparrow-rpc';
import { descriptorDocument, memberJson, serviceDeclaration, typeDeclaration } from './call-descriptor-json.ts';
import { join, listingLine, typeDefinition, typesUsedBy, type ListedTarget, type PeerDescription } from './call-listing.ts';
import { didYouMean, printedNames, resolveTarget } from './call-resolve.ts';
import { formatPretty } from './json-params.ts';

export type DescribeFormat = 'text' | 'json';

/** What `--describe` prints, or why it cannot. */
export type DescribeOutput = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string };

/** What a symbol names. */
type Found =
  | { readonly kind: 'target'; readonly target: ListedTarget }
  | { readonly kind: 'service'; readonly service: ServiceDescriptor }
  | { readonly kind: 'type'; readonly name: string; readonly decl: DeclDesc };

/**
 * Renders the whole description (no symbol) or one symbol: a name the
 * listing prints (`notes.get`), a service (`demo.v1.Notes` or `Notes`), or
 * a declared type (`demo.v1.Note`, or `Note` when only one type has that name).
 */
export function renderDescribe(description: PeerDescription, symbol: string | undefined, namespace: string, format: DescribeFormat): DescribeOutput {
  if (symbol === undefined) {
    if (format === 'json') return { ok: true, text: `${formatPretty(descriptorDocument(description))}\n` };
    const blocks = [description.targets.map((t) => listingLine(t, description.types)).join('\n')];
    for (const [name, decl] of sortedTypes(description)) blocks.push(typeDefinition(name, decl, description.types));
    return { ok: true, text: `${blocks.filter((b) => b !== '').join('\n\n')}\n` };
  }
  const found = find(description, symbol, namespace);
  if (found === undefined) {
    const candidates = [...printedNames(description), ...Object.keys(description.types), ...description.services.map((s) => qualifiedName(s))];
    return { ok: false, text: `the peer describes no method, service or type named ${symbol}${didYouMean(symbol, candidates)}` };
  }
  return { ok: true, text: `${format === 'json' ? formatPretty(foundJson(found, description)) : foundText(found, description)}\n` };
}

function find(description: PeerDescription, symbol: string, namespace: string): Found | undefined {
  const resolved = resolveTarget(symbol, namespace, description);
  if (resolved.listed !== undefined) return { kind: 'target', target: resolved.listed };
  const decl = description.types[symbol];
  if (decl !== undefined) return { kind: 'type', name: symbol, decl };
  const service = description.services.find((s) => qualifiedName(s) === symbol) ?? unique(description.services.filter((s) => s.name === symbol));
  if (service !== undefined) return { kind: 'service', service };
  const byShortName = unique(Object.entries(description.types).filter(([, d]) => d.name === symbol));
  return byShortName === undefined ? undefined : { kind: 'type', name: byShortName[0], decl: byShortName[1] };
}

function foundText(found: Found, description: PeerDescription): string {
  const types = description.types;
  switch (found.kind) {
    case 'type':
      return typeDefinition(found.name, found.decl, types);
    case 'service': {
      const lines = found.service.methods.map((m) => `  ${listingLine({ printed: join(found.service.namespace, m.name), namespace: found.service.namespace, name: m.name, kind: m.kind, stream: false, member: m }, types)}`);
      return `service ${qualifiedName(found.service)} (namespace ${JSON.stringify(found.service.namespace)}) {\n${lines.join('\n')}\n}`;
    }
    case 'target': {
      const { target } = found;
      const blocks = [listingLine(target, types)];
      if (target.service !== undefined) blocks[0] += `\n  in service ${qualifiedName(target.service)} (namespace ${JSON.stringify(target.namespace)})`;
      if (target.member !== undefined) for (const name of typesUsedBy(target.member, types)) blocks.push(typeDefinition(name, types[name]!, types));
      return blocks.join('\n\n');
    }
  }
}

function foundJson(found: Found, description: PeerDescription): unknown {
  switch (found.kind) {
    case 'type':
      return typeDeclaration(found.name, found.decl, description.types);
    case 'service':
      return serviceDeclaration(found.service, description.types);
    case 'target':
      return found.target.member !== undefined
        ? memberJson(found.target.member, description.types)
        : { multipart: found.target.stream, name: found.target.name, namespace: found.target.namespace };
  }
}

function sortedTypes(description: PeerDescription): [string, DeclDesc][] {
  return Object.entries(description.types).sort(([a], [b]) => (a < b ? -1 : 1));
}

function qualifiedName(service: ServiceDescriptor): string {
  return service.package === '' ? service.name : `${service.package}.${service.name}`;
}

function unique<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
