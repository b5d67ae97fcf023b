/**
 * What a peer exports, read from its `#sys.describe` answer
 * (`{services, targets}`, see runtime/schema/descriptor.ts) and written the
 * way a schema writes it: the listing of `sparrowc call <url>` and the
 * definitions `--describe` prints. Pure functions of the answer; no I/O.
 */
import type { DeclDesc, MemberDesc, ParamDesc, ServiceDescriptor, TypeDesc, TypeTable } from 'sparrow-rpc';
import { formatPretty, formatResult } from './json-params.ts';
import { printTypeTerm, type TypeTerm } from '../model/print-type.ts';

/** One name the listing prints, with what it takes to call it. */
export interface ListedTarget {
  /** As printed: `notes.get`, `hello_world`, `maths.add`. */
  readonly printed: string;
  readonly namespace: string;
  /** The target name on the wire (it may contain dots). */
  readonly name: string;
  /** `call`, `notify` and `topic` come from a schema; `target` is exported without one. */
  readonly kind: 'call' | 'notify' | 'topic' | 'target';
  /** Answers with a multipart response (a stream result, a topic, a multipart schema-less target). */
  readonly stream: boolean;
  /** The schema member and its service, for targets a schema describes. */
  readonly member?: MemberDesc;
  readonly service?: ServiceDescriptor;
}

/** A `#sys.describe` answer this command understands. */
export interface PeerDescription {
  readonly services: readonly ServiceDescriptor[];
  readonly targets: readonly ListedTarget[];
  /** Every declared type of every service, by qualified name. */
  readonly types: TypeTable;
}

/**
 * Reads a `#sys.describe` answer; undefined for a shape this command does
 * not know (a newer peer's), which callers print as JSON instead.
 */
export function readDescription(answer: unknown): PeerDescription | undefined {
  const services = isRecord(answer) ? answer['services'] : undefined;
  if (!Array.isArray(services) || !services.every((s) => isRecord(s) && Array.isArray(s['methods']))) return undefined;
  const listed = new Map<string, ListedTarget>();
  const types: Record<string, DeclDesc> = {};
  for (const service of services as ServiceDescriptor[]) {
    const namespace = typeof service.namespace === 'string' ? service.namespace : '';
    if (isRecord(service.types)) Object.assign(types, service.types);
    for (const member of service.methods) {
      if (!isRecord(member) || typeof member.name !== 'string') continue;
      const printed = join(namespace, member.name);
      const stream = member.kind === 'topic' || (member.kind === 'call' && member.stream === true);
      listed.set(printed, { printed, namespace, name: member.name, kind: member.kind ?? 'call', stream, member, service });
    }
  }
  // Targets exported without a schema: the peer knows their names, not their params.
  const targets = (answer as { targets?: unknown }).targets;
  for (const target of Array.isArray(targets) ? targets : []) {
    if (!isRecord(target) || typeof target['name'] !== 'string') continue;
    const namespace = typeof target['namespace'] === 'string' ? target['namespace'] : '';
    const printed = join(namespace, target['name']);
    if (!listed.has(printed)) listed.set(printed, { printed, namespace, name: target['name'], kind: 'target', stream: target['multipart'] === true });
  }
  return { services: services as ServiceDescriptor[], targets: [...listed.values()], types };
}

/** `ns.name`, or `name` in the default namespace. */
export function join(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}.${name}`;
}

/**
 * Renders a `#sys.describe` answer: one line per member, written the way the
 * schema declares it (`notes.get(id: string) -> Note throws NotFound`,
 * `notify notes.log(line: string)`, `topic notes.changes: Note`), then the
 * targets exported without a schema. Any other shape is printed as indented
 * JSON, so a newer peer's answer is never lost.
 */
export function formatDescriptor(answer: unknown): string {
  const description = readDescription(answer);
  if (description === undefined) return `${formatPretty(answer)}\n`;
  const lines = description.targets.map((target) => listingLine(target, description.types));
  return lines.length === 0 ? '(the peer exports no methods)\n' : `${lines.join('\n')}\n`;
}

/** One line of the listing. */
export function listingLine(target: ListedTarget, types: TypeTable): string {
  const member = target.member;
  if (member === undefined) return `${target.printed}(…)  [${target.stream ? 'stream, ' : ''}no schema]`;
  const auth = Array.isArray(member.auth) ? `  @auth(${member.auth.map((g) => JSON.stringify(g)).join(', ')})` : '';
  switch (member.kind) {
    case 'topic':
      return `topic ${target.printed}: ${typeText(member.type)}${auth}`;
    case 'notify':
      return `notify ${target.printed}(${paramList(member.params, types)})${auth}`;
    default: {
      const result = typeText(member.result ?? 'void');
      const throws = Array.isArray(member.throws) && member.throws.length > 0 ? ` throws ${member.throws.join(', ')}` : '';
      return `${target.printed}(${paramList(member.params, types)}) -> ${member.stream === true ? `stream<${result}>` : result}${throws}${auth}`;
    }
  }
}

/** `name?: type = default`, `name: stream<T>`, `name: callback(p: T): R`. */
function paramList(params: readonly ParamDesc[] | undefined, types: TypeTable): string {
  if (!Array.isArray(params)) return '';
  return params
    .map((param) => {
      if (typeof param !== 'object' || param === null) return JSON.stringify(param);
      const name = `${param.name}${param.optional === true ? '?' : ''}`;
      if (param.kind === 'stream') return `${name}: stream<${typeText(param.type)}>`;
      if (param.kind === 'callback') {
        const result = param.result === undefined || param.result === 'void' ? '' : `: ${typeText(param.result)}`;
        return `${name}: callback(${paramList(param.params, types)})${result}`;
      }
      return `${name}: ${typeText(param.type)}${defaultText(param, types)}`;
    })
    .join(', ');
}

/** ` = <default>`: an enum's by its member name, as the schema writes it; anything else as JSON. */
function defaultText(field: { readonly type: TypeDesc; readonly default?: unknown }, types: TypeTable): string {
  if (!('default' in field)) return '';
  const decl = typeof field.type === 'string' ? types[field.type] : undefined;
  if (decl?.kind === 'enum') {
    const name = Object.entries(decl.values).find(([, value]) => value === field.default)?.[0];
    if (name !== undefined) return ` = ${name}`;
  }
  return ` = ${formatResult(field.default)}`;
}

/** A descriptor type (`"int32"`, `["list", T]`, `["map", K, V]`, `["tuple", …]`) as the schema writes it. */
export function typeText(type: unknown): string {
  // A peer's answer is data from the wire: anything that is not a type term prints as JSON.
  if (typeof type === 'string' || (Array.isArray(type) && typeof type[0] === 'string')) return printTypeTerm(type as TypeTerm);
  return formatResult(type);
}

/**
 * The definition of a declared type as the schema writes it, under its
 * qualified name: `struct demo.v1.Point { … }` (one field a line),
 * `enum demo.v1.Color { red = 1, … }`, `union demo.v1.Shape = A | B`.
 */
export function typeDefinition(qualifiedName: string, decl: DeclDesc, types: TypeTable): string {
  switch (decl.kind) {
    case 'enum':
      return `enum ${qualifiedName} { ${Object.entries(decl.values).map(([name, value]) => `${name} = ${value}`).join(', ')} }`;
    case 'union':
      return `union ${qualifiedName} = ${Object.values(decl.variants).join(' | ')}`;
    default: {
      const fields = decl.fields.map((f) => `  ${f.name}${f.optional === true ? '?' : ''}: ${typeText(f.type)}${defaultText(f, types)}`);
      return fields.length === 0 ? `${decl.kind} ${qualifiedName} {}` : `${decl.kind} ${qualifiedName} {\n${fields.join('\n')}\n}`;
    }
  }
}

/** The declared types a member's signature names directly, in order of appearance. */
export function typesUsedBy(member: MemberDesc, types: TypeTable): string[] {
  const used: string[] = [];
  const visit = (type: unknown): void => {
    if (typeof type === 'string') {
      if (types[type] !== undefined && !used.includes(type)) used.push(type);
    } else if (Array.isArray(type)) {
      for (const arg of type.slice(1)) visit(arg);
    }
  };
  const visitParams = (params: readonly ParamDesc[] | undefined): void => {
    for (const param of params ?? []) {
      visit(param.type);
      visitParams(param.params);
      if (param.result !== undefined) visit(param.result);
    }
  };
  if (member.kind === 'topic') visit(member.type);
  else {
    visitParams(member.params);
    if (member.kind === 'call') {
      visit(member.result);
      for (const error of member.throws ?? []) visit(error);
    }
  }
  return used;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
