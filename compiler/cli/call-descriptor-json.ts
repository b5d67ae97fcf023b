/**
 * A peer's `#sys.describe` answer rewritten in the JSON descriptor format
 * (docs/descriptor.md, schemas/descriptor.schema.json) for
 * `sparrowc call --format json`, so one reader serves both a schema's
 * descriptor and a live peer's.
 *
 * A peer sends no source positions, docs, or names as written apart from
 * the wire names: a rebuilt descriptor has no `location` or `doc`, `files`
 * is empty, `name` equals `wireName`, and the targets exported without a
 * schema are listed under the optional `targets` key.
 */
import { scalarTypes } from '../check/builtins.ts';
import { DESCRIPTOR_FORMAT_VERSION, DESCRIPTOR_SCHEMA_ID } from '../emit/descriptor.ts';
import type { DeclDesc, FieldDesc, MemberDesc, ParamDesc, ServiceDescriptor, TypeDesc, TypeTable } from 'sparrow-rpc';
import type { PeerDescription } from './call-listing.ts';

/** The model's format the rebuilt declarations follow. */
const MODEL_FORMAT_VERSION = 1;

/** The whole description as a descriptor document (keys sorted, as `sparrowc gen --target descriptor` writes them). */
export function descriptorDocument(description: PeerDescription): Record<string, unknown> {
  const declarations: Record<string, unknown> = {};
  for (const service of description.services) declarations[qualified(service.package, service.name)] = serviceDeclaration(service, description.types);
  for (const [name, decl] of Object.entries(description.types)) declarations[name] = typeDeclaration(name, decl, description.types);
  const document: Record<string, unknown> = {
    $schema: DESCRIPTOR_SCHEMA_ID,
    formatVersion: DESCRIPTOR_FORMAT_VERSION,
    modelFormatVersion: MODEL_FORMAT_VERSION,
    files: [],
    declarations,
  };
  const bare = description.targets.filter((t) => t.kind === 'target');
  if (bare.length > 0) document['targets'] = bare.map((t) => ({ namespace: t.namespace, name: t.name, multipart: t.stream }));
  return sortedKeys(document) as Record<string, unknown>;
}

/** One service as a `service` declaration. */
export function serviceDeclaration(service: ServiceDescriptor, types: TypeTable): Record<string, unknown> {
  return sortedKeys({
    kind: 'service',
    name: service.name,
    qualifiedName: qualified(service.package, service.name),
    package: service.package,
    namespace: service.namespace,
    members: service.methods.map((member) => memberJson(member, types)),
  }) as Record<string, unknown>;
}

/** A member (`call`, `notify`, `topic`). */
export function memberJson(member: MemberDesc, types: TypeTable): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: member.kind, name: member.name, wireName: member.name };
  if (member.auth !== undefined) out['auth'] = [...member.auth];
  switch (member.kind) {
    case 'topic':
      out['type'] = typeJson(member.type, types);
      break;
    case 'notify':
      out['params'] = member.params.map((p) => paramJson(p, types));
      break;
    default:
      out['params'] = member.params.map((p) => paramJson(p, types));
      out['result'] = member.stream === true ? { kind: 'stream', item: typeJson(member.result, types) } : { kind: 'value', type: typeJson(member.result, types) };
      out['throws'] = [...(member.throws ?? [])];
  }
  return sortedKeys(out) as Record<string, unknown>;
}

/** A declared type as its declaration. */
export function typeDeclaration(qualifiedName: string, decl: DeclDesc, types: TypeTable): Record<string, unknown> {
  const pkg = qualifiedName.endsWith(`.${decl.name}`) ? qualifiedName.slice(0, -decl.name.length - 1) : '';
  const head = { kind: decl.kind, name: decl.name, qualifiedName, package: pkg };
  switch (decl.kind) {
    case 'enum':
      return sortedKeys({ ...head, members: Object.entries(decl.values).map(([name, value]) => ({ name, value })) }) as Record<string, unknown>;
    case 'union':
      return sortedKeys({ ...head, variants: Object.entries(decl.variants).map(([tag, type]) => ({ type, tag })) }) as Record<string, unknown>;
    default:
      return sortedKeys({ ...head, fields: decl.fields.map((f) => fieldJson(f, types)) }) as Record<string, unknown>;
  }
}

function paramJson(param: ParamDesc, types: TypeTable): Record<string, unknown> {
  const head = { name: param.name, wireName: param.name, optional: param.optional === true };
  if (param.kind === 'stream') return { kind: 'stream', ...head, item: typeJson(param.type, types) };
  if (param.kind === 'callback') {
    return { kind: 'callback', ...head, params: (param.params ?? []).map((p) => ({ kind: 'value', ...fieldJson(p, types) })), result: typeJson(param.result ?? 'void', types) };
  }
  return { kind: 'value', ...fieldJson(param, types) };
}

function fieldJson(field: FieldDesc, types: TypeTable): Record<string, unknown> {
  const out: Record<string, unknown> = { name: field.name, wireName: field.name, type: typeJson(field.type, types), optional: field.optional === true };
  if ('default' in field) out['default'] = field.default;
  return out;
}

/** A runtime type (`"int32"`, a qualified name, `["list", T]`, …) as a descriptor `typeRef`. */
function typeJson(type: TypeDesc, types: TypeTable): Record<string, unknown> {
  if (typeof type === 'string') {
    const scalar = scalarTypes.get(type);
    if (scalar !== undefined) {
      // `bigint` is TypeScript's business, left out of descriptors (docs/descriptor.md, decision 1).
      const { bigint: _bigint, ...rest } = scalar as { bigint?: boolean };
      return rest;
    }
    return { kind: 'ref', target: type, targetKind: types[type]?.kind ?? 'struct' };
  }
  const [constructor, ...args] = type;
  switch (constructor) {
    case 'list':
      return { kind: 'list', element: typeJson(args[0]!, types) };
    case 'map':
      return { kind: 'map', key: typeJson(args[0]!, types), value: typeJson(args[1]!, types) };
    default:
      return { kind: 'tuple', elements: args.map((arg) => typeJson(arg, types)) };
  }
}

function qualified(pkg: string, name: string): string {
  return pkg === '' ? name : `${pkg}.${name}`;
}

/** A copy with every object's keys sorted; no prototype, so a `__proto__` key in a default stays data. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return out;
}
