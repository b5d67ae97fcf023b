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

/**
 * The parts of the runtime's service glue a service needs, as `[slot, export]`
 * pairs for `defineServiceWith`: the value codec when a value is not a
 * scalar (lists, maps, tuples, declared types, int64), the scalar codec
 * when a value is a number (bool, string, bytes, any and void need none), the stream, topic and
 * callback parts when a member uses them, typed errors when it declares any,
 * JSON's exact numbers when a value anywhere in it (fields and items too)
 * is an integer, a float or `any`. Generated code imports only these, so a
 * bundle carries only these.
 */
export function serviceGlue(model: SchemaModel, s: ServiceDeclaration): [string, string][] {
  const members = s.members;
  const closure = typeClosure(model, s);
  const glue: [string, string][] = [];
  const types = valueTypes(model, members, closure);
  const codec = valueCodecOf(types);
  if (codec !== undefined) glue.push(['codec', codec]);
  if (members.some((m) => m.kind === 'call' && m.result.kind === 'stream')) glue.push(['streams', 'streamGlue']);
  if (members.some((m) => m.kind === 'topic')) glue.push(['topics', 'topicGlue']);
  if (members.some((m) => m.kind !== 'topic' && m.params.some((p) => p.kind !== 'value'))) glue.push(['callbacks', 'callbackGlue']);
  if (closure.some((q) => model.declarations[q]?.kind === 'error')) glue.push(['errors', 'typedErrorGlue']);
  if (needsExactJson(model, types, closure)) glue.push(['json', 'exactJson']);
  return glue;
}

/** A scalar travels as it is (or as a marked float): every other type needs the value codec. */
function isScalar(t: TypeRef): boolean {
  switch (t.kind) {
    case 'int':
      return !t.bigint;
    case 'list':
    case 'map':
    case 'tuple':
    case 'ref':
      return false;
    default:
      return true;
  }
}

/** A number travels under its range or as a marked float: the scalar codec's. */
function isNumber(t: TypeRef): boolean {
  return t.kind === 'int' || t.kind === 'float';
}

/** The types of the service's values: params, results, callbacks' params and results, topics, and declared errors' fields. */
function valueTypes(model: SchemaModel, members: readonly ServiceMember[], closure: readonly string[]): TypeRef[] {
  const types: TypeRef[] = [];
  for (const m of members) {
    if (m.kind === 'topic') {
      types.push(m.type);
      continue;
    }
    for (const p of m.params) {
      if (p.kind === 'value') types.push(p.type);
      else if (p.kind === 'stream') types.push(p.item);
      else types.push(p.result, ...p.params.map((q) => q.type));
    }
    if (m.kind === 'call') types.push(m.result.kind === 'stream' ? m.result.item : m.result.type);
  }
  // Declared errors are decoded field by field: their fields count, not the error itself.
  for (const q of closure) {
    const d = model.declarations[q];
    if (d?.kind === 'error') types.push(...d.fields.map((f) => f.type));
  }
  return types;
}

/** The codec the service's values need: `valueCodec`, `scalarCodec`, or none (the glue's plain codec). */
function valueCodecOf(types: readonly TypeRef[]): string | undefined {
  if (!types.every(isScalar)) return 'valueCodec';
  return types.some(isNumber) ? 'scalarCodec' : undefined;
}

/**
 * Whether a value may be a number JSON.parse/JSON.stringify get wrong (int64
 * beyond 2^53, NaN, ±Infinity, −0, an integral float): an integer, a float or
 * `any` in `types`, their items, or a field of a declared type they use.
 * (Enum values are int32: exact in plain JSON.)
 */
function needsExactJson(model: SchemaModel, types: readonly TypeRef[], closure: readonly string[]): boolean {
  // Errors' fields are in `types` already.
  const fields = closure.flatMap((q) => {
    const d = model.declarations[q];
    return d?.kind === 'struct' ? d.fields.map((f) => f.type) : [];
  });
  return [...types, ...fields].some(holdsNumberOrAny);
}

/** An integer, a float or `any`, or a list, map or tuple of one (declared types are looked at through the closure). */
function holdsNumberOrAny(t: TypeRef): boolean {
  switch (t.kind) {
    case 'int':
    case 'float':
    case 'any':
      return true;
    case 'list':
      return holdsNumberOrAny(t.element);
    case 'map':
      return holdsNumberOrAny(t.key) || holdsNumberOrAny(t.value);
    case 'tuple':
      return t.elements.some(holdsNumberOrAny);
    default:
      return false;
  }
}
