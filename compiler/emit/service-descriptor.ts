/**
 * The service descriptors generated modules embed (the JSON data of
 * `runtime/schema/descriptor.ts`): members with wire and TS names, params,
 * results and the closure of types a service uses.
 */
import type { Field, Param, SchemaModel, ServiceDeclaration, ServiceMember, TypeRef, ValueParam } from '../model/model.ts';
import { typeTerm } from '../model/print-type.ts';


function fieldDesc(f: Field | ValueParam): Record<string, unknown> {
  const d: Record<string, unknown> = { name: f.wireName };
  if (f.tsName !== f.wireName) d['ts'] = f.tsName;
  d['type'] = typeTerm(f.type);
  if (f.optional) d['optional'] = true;
  if (f.default !== undefined) d['default'] = f.default;
  return d;
}

function paramDesc(p: Param): Record<string, unknown> {
  if (p.kind === 'value') return fieldDesc(p);
  const d: Record<string, unknown> = { name: p.wireName };
  if (p.tsName !== p.wireName) d['ts'] = p.tsName;
  d['kind'] = p.kind;
  if (p.kind === 'stream') d['type'] = typeTerm(p.item);
  else {
    d['type'] = typeTerm(p.result);
    d['params'] = p.params.map(fieldDesc);
    d['result'] = typeTerm(p.result);
  }
  if (p.optional) d['optional'] = true;
  return d;
}

/** A member's descriptor. */
export function memberDesc(m: ServiceMember): Record<string, unknown> {
  const d: Record<string, unknown> = { kind: m.kind, name: m.wireName };
  if (m.tsName !== m.wireName) d['ts'] = m.tsName;
  if (m.kind === 'topic') d['type'] = typeTerm(m.type);
  else {
    d['params'] = m.params.map(paramDesc);
    if (m.kind === 'call') {
      d['result'] = typeTerm(m.result.kind === 'stream' ? m.result.item : m.result.type);
      if (m.result.kind === 'stream') d['stream'] = true;
      if (m.throws.length > 0) d['throws'] = m.throws;
    }
  }
  if (m.auth !== undefined) d['auth'] = m.auth;
  return d;
}

/** The descriptor of declaration `q` (a struct, error, enum or union). */
export function declDesc(model: SchemaModel, q: string): unknown {
  const d = model.declarations[q];
  switch (d?.kind) {
    case 'struct':
    case 'error':
      return { kind: d.kind, name: d.name, fields: d.fields.map(fieldDesc) };
    case 'enum':
      return { kind: 'enum', name: d.name, values: Object.fromEntries(d.members.map((m) => [m.name, m.value])) };
    case 'union':
      return { kind: 'union', name: d.name, variants: Object.fromEntries(d.variants.map((v) => [v.tag, v.type])) };
    default:
      return undefined;
  }
}

/** Every declared type a service uses (params, results, callbacks, topics, throws), transitively, sorted. */
export function typeClosure(model: SchemaModel, s: ServiceDeclaration): string[] {
  const seen = new Set<string>();
  const visitType = (t: TypeRef): void => {
    switch (t.kind) {
      case 'list':
        visitType(t.element);
        return;
      case 'map':
        visitType(t.key);
        visitType(t.value);
        return;
      case 'tuple':
        t.elements.forEach(visitType);
        return;
      case 'ref':
        visitDecl(t.target);
        return;
      default:
        return;
    }
  };
  const visitDecl = (q: string): void => {
    if (seen.has(q)) return;
    seen.add(q);
    const d = model.declarations[q];
    if (d === undefined) return;
    if (d.kind === 'struct' || d.kind === 'error') d.fields.forEach((f) => visitType(f.type));
    else if (d.kind === 'union') d.variants.forEach((v) => visitDecl(v.type));
  };
  const visitParams = (params: readonly Param[]): void => {
    for (const p of params) {
      if (p.kind === 'value') visitType(p.type);
      else if (p.kind === 'stream') visitType(p.item);
      else {
        p.params.forEach((q) => visitType(q.type));
        visitType(p.result);
      }
    }
  };
  for (const m of s.members) {
    if (m.kind === 'topic') visitType(m.type);
    else {
      visitParams(m.params);
      if (m.kind === 'call') {
        visitType(m.result.kind === 'stream' ? m.result.item : m.result.type);
        m.throws.forEach(visitDecl);
      }
    }
  }
  return [...seen].sort();
}

/** The runtime's peer features a service's members need: streams for stream results and topics, callbacks for callback and stream params. */
export function peerFeatures(members: readonly ServiceMember[]): string[] {
  const streams = members.some((m) => m.kind === 'topic' || (m.kind === 'call' && m.result.kind === 'stream'));
  const callbacks = members.some((m) => m.kind !== 'topic' && m.params.some((p) => p.kind === 'callback' || p.kind === 'stream'));
  return [...(streams ? ['streamsFeature'] : []), ...(callbacks ? ['callbacksFeature'] : [])];
}
