/**
 * Compares two versions of a schema from the wire's point of view: which
 * changes still let every pairing of an old and a new peer understand each
 * other, and which do not. The rules, with their reasons, are in
 * docs/compat.md; this file implements them one function per model element.
 *
 * Identity is what travels: services by namespace, members by wire name,
 * params and fields by wire name, enum members by value, union variants by
 * `$type` tag, errors by name. Declared types are compared structurally where
 * they are used (a struct's name never travels), each pair once.
 */
import { servicesOf } from '../model/lookup.ts';
import type {
  CallbackParam,
  Declaration,
  EnumDeclaration,
  ErrorDeclaration,
  Field,
  ModelValue,
  Param,
  SchemaModel,
  ServiceDeclaration,
  ServiceMember,
  SourceLocation,
  TypeRef,
  UnionDeclaration,
  ValueParam,
} from '../model/model.ts';
import { printType } from '../model/print-type.ts';
import type { CompatChange, CompatChangeKind } from './compat-change.ts';

/** How a type at one position changed: nothing, only to accept more, only to accept less, or otherwise. */
type TypeVerdict = 'same' | 'widened' | 'narrowed' | 'changed';

/**
 * Every change from `oldModel` to `newModel`, sorted: changes located in the
 * new schema first (by file, line, column), then removals located in the old
 * schema. Pure: reads the two frozen models only.
 */
export function compareModels(oldModel: SchemaModel, newModel: SchemaModel): CompatChange[] {
  const changes: CompatChange[] = [];
  const comparedPairs = new Set<string>();

  const add = (kind: CompatChangeKind, breaking: boolean, message: string, side: 'old' | 'new', location: SourceLocation): void => {
    changes.push({ kind, breaking, message, side, location });
  };

  // ---- types ----------------------------------------------------------------

  /** Judges a type change at one position; declared types found on the way are compared as pairs. */
  const typeVerdict = (oldType: TypeRef, newType: TypeRef): TypeVerdict => {
    if (oldType.kind === 'any' || newType.kind === 'any') {
      if (oldType.kind === newType.kind) return 'same';
      if (oldType.kind === 'void' || newType.kind === 'void') return 'changed';
      return newType.kind === 'any' ? 'widened' : 'narrowed';
    }
    switch (oldType.kind) {
      case 'int': {
        if (newType.kind !== 'int') return 'changed';
        if (oldType.name === newType.name) return 'same';
        const [oldMin, oldMax, newMin, newMax] = [BigInt(oldType.min), BigInt(oldType.max), BigInt(newType.min), BigInt(newType.max)];
        if (newMin <= oldMin && newMax >= oldMax) return 'widened';
        if (newMin >= oldMin && newMax <= oldMax) return 'narrowed';
        return 'changed';
      }
      case 'float':
        if (newType.kind !== 'float') return 'changed';
        if (oldType.name === newType.name) return 'same';
        return newType.name === 'float64' ? 'widened' : 'narrowed';
      case 'list':
        return newType.kind === 'list' ? typeVerdict(oldType.element, newType.element) : 'changed';
      case 'map':
        return newType.kind === 'map' ? combine([typeVerdict(oldType.key, newType.key), typeVerdict(oldType.value, newType.value)]) : 'changed';
      case 'tuple':
        if (newType.kind !== 'tuple' || newType.elements.length !== oldType.elements.length) return 'changed';
        return combine(oldType.elements.map((element, i) => typeVerdict(element, newType.elements[i] as TypeRef)));
      case 'ref': {
        if (newType.kind !== 'ref' || newType.targetKind !== oldType.targetKind) return 'changed';
        const oldDeclaration = oldModel.declarations[oldType.target];
        const newDeclaration = newModel.declarations[newType.target];
        if (oldDeclaration !== undefined && newDeclaration !== undefined) compareDeclarations(oldDeclaration, newDeclaration);
        // What changed inside is reported at the declaration's own members.
        return 'same';
      }
      default:
        return oldType.kind === newType.kind ? 'same' : 'changed';
    }
  };

  /** Reports the type change of one position (`what` names it), if any. */
  const compareTypes = (oldType: TypeRef, newType: TypeRef, what: string, location: SourceLocation): void => {
    const verdict = typeVerdict(oldType, newType);
    const change = `${what} changed type from ${formatType(oldType)} to ${formatType(newType)}`;
    if (verdict === 'widened') {
      add('type-widened', false, `${change} (wider: every old value still fits; values only the new type holds are new, like a new enum value)`, 'new', location);
    } else if (verdict === 'narrowed') {
      add('type-narrowed', true, `${change} (narrower: new readers reject values old writers may send)`, 'new', location);
    } else if (verdict === 'changed') {
      add('type-changed', true, change, 'new', location);
    }
  };

  // ---- declarations ---------------------------------------------------------

  const compareDeclarations = (oldDeclaration: Declaration, newDeclaration: Declaration): void => {
    const key = `${oldDeclaration.qualifiedName}\u0000${newDeclaration.qualifiedName}`;
    // Marked before recursing, so recursive types terminate.
    if (comparedPairs.has(key)) return;
    comparedPairs.add(key);
    if ((oldDeclaration.kind === 'struct' || oldDeclaration.kind === 'error') && oldDeclaration.kind === newDeclaration.kind) {
      compareFields(oldDeclaration.fields, (newDeclaration as typeof oldDeclaration).fields, `${newDeclaration.kind} ${newDeclaration.name}`);
    } else if (oldDeclaration.kind === 'enum' && newDeclaration.kind === 'enum') {
      compareEnums(oldDeclaration, newDeclaration);
    } else if (oldDeclaration.kind === 'union' && newDeclaration.kind === 'union') {
      compareUnions(oldDeclaration, newDeclaration);
    } else if (oldDeclaration.kind === 'const' && newDeclaration.kind === 'const') {
      if (formatType(oldDeclaration.type) !== formatType(newDeclaration.type)) {
        // One message: the value's JSON form follows the type (int64 is a string), so it would differ too.
        add('const-type-changed', false, `const ${newDeclaration.name} changed type from ${formatType(oldDeclaration.type)} to ${formatType(newDeclaration.type)} (consts never travel)`, 'new', newDeclaration.location);
      } else if (JSON.stringify(oldDeclaration.value) !== JSON.stringify(newDeclaration.value)) {
        add('const-value-changed', false, `const ${newDeclaration.name} changed value from ${formatValue(oldDeclaration.value)} to ${formatValue(newDeclaration.value)} (consts never travel; check defaults that use it)`, 'new', newDeclaration.location);
      }
    }
  };

  const compareFields = (oldFields: readonly Field[], newFields: readonly Field[], owner: string): void => {
    const oldByWire = new Map(oldFields.map((f) => [f.wireName, f]));
    const newWires = new Set(newFields.map((f) => f.wireName));
    for (const field of newFields) {
      const what = `field '${field.wireName}' of ${owner}`;
      const old = oldByWire.get(field.wireName);
      if (old === undefined) {
        if (omittable(field)) add('field-added', false, `${what} added (${field.optional ? 'optional' : 'with a default'})`, 'new', field.location);
        else add('field-added', true, `${what} added as required with no default: old writers don't send it`, 'new', field.location);
        continue;
      }
      compareTypes(old.type, field.type, what, field.location);
      compareOptionality(old, field, what, 'field');
    }
    for (const field of oldFields) {
      if (newWires.has(field.wireName)) continue;
      const what = `field '${field.wireName}' of ${owner}`;
      if (omittable(field)) add('field-removed', false, `${what} removed (old readers don't need it; new readers ignore it)`, 'old', field.location);
      else add('field-removed', true, `${what} removed, but old readers require it (no default) and new writers no longer send it`, 'old', field.location);
    }
  };

  /** Omittability and defaults of a field or value param. */
  const compareOptionality = (old: Field | ValueParam, next: Field | ValueParam, what: string, noun: 'field' | 'param'): void => {
    if (omittable(old) && !omittable(next)) {
      add(noun === 'field' ? 'field-now-required' : 'param-now-required', true, `${what} is now required: old ${noun === 'field' ? 'writers' : 'callers'} may omit it`, 'new', next.location);
    } else if (!omittable(old) && omittable(next)) {
      add(noun === 'field' ? 'field-now-optional' : 'param-now-optional', true, `${what} may now be omitted, but old ${noun === 'field' ? 'readers' : 'callees'} require it`, 'new', next.location);
    } else if (old.default !== undefined && next.default !== undefined && formatType(old.type) === formatType(next.type) && JSON.stringify(old.default) !== JSON.stringify(next.default)) {
      add('default-changed', false, `${what} changed default from ${formatValue(old.default)} to ${formatValue(next.default)} (old and new readers fill in different values)`, 'new', next.location);
    }
  };

  const compareEnums = (oldEnum: EnumDeclaration, newEnum: EnumDeclaration): void => {
    const newByValue = new Map(newEnum.members.map((m) => [m.value, m]));
    const newByName = new Map(newEnum.members.map((m) => [m.name, m]));
    const oldValues = new Set(oldEnum.members.map((m) => m.value));
    const renumbered = new Set<number>();
    for (const old of oldEnum.members) {
      const sameName = newByName.get(old.name);
      if (sameName !== undefined && sameName.value !== old.value) {
        renumbered.add(old.value).add(sameName.value);
        add('enum-value-renumbered', true, `enum ${newEnum.name} member '${old.name}' changed value from ${old.value} to ${sameName.value}: its integer is what travels`, 'new', sameName.location);
      }
    }
    for (const old of oldEnum.members) {
      const next = newByValue.get(old.value);
      if (next === undefined) {
        if (!renumbered.has(old.value)) add('enum-value-removed', true, `enum ${oldEnum.name} value ${old.name} = ${old.value} removed: old writers may still send it`, 'old', old.location);
      } else if (next.name !== old.name && !renumbered.has(old.value)) {
        add('enum-member-renamed', false, `enum ${newEnum.name} value ${old.value} renamed from '${old.name}' to '${next.name}' (only the integer travels)`, 'new', next.location);
      }
    }
    for (const next of newEnum.members) {
      if (!oldValues.has(next.value) && !renumbered.has(next.value)) {
        add('enum-value-added', false, `enum ${newEnum.name} value ${next.name} = ${next.value} added (old readers reject it only when a new writer sends it)`, 'new', next.location);
      }
    }
  };

  const compareUnions = (oldUnion: UnionDeclaration, newUnion: UnionDeclaration): void => {
    const newByTag = new Map(newUnion.variants.map((v) => [v.tag, v]));
    const oldTags = new Set(oldUnion.variants.map((v) => v.tag));
    for (const old of oldUnion.variants) {
      const next = newByTag.get(old.tag);
      if (next === undefined) {
        add('union-variant-removed', true, `union ${oldUnion.name} variant '${old.tag}' removed: old writers may still send it`, 'old', oldUnion.location);
        continue;
      }
      const oldStruct = oldModel.declarations[old.type];
      const newStruct = newModel.declarations[next.type];
      if (oldStruct !== undefined && newStruct !== undefined) compareDeclarations(oldStruct, newStruct);
    }
    for (const next of newUnion.variants) {
      if (!oldTags.has(next.tag)) add('union-variant-added', false, `union ${newUnion.name} variant '${next.tag}' added (old readers reject it only when a new writer sends it)`, 'new', newUnion.location);
    }
  };

  // ---- services -------------------------------------------------------------

  const compareParams = (oldParams: readonly Param[], newParams: readonly Param[], owner: string): void => {
    const oldByWire = new Map(oldParams.map((p) => [p.wireName, p]));
    const newWires = new Set(newParams.map((p) => p.wireName));
    for (const param of newParams) {
      const what = `param '${param.wireName}' of ${owner}`;
      const old = oldByWire.get(param.wireName);
      if (old === undefined) {
        if (omittable(param)) add('param-added', false, `${what} added (${param.optional ? 'optional' : 'with a default'}; old callees ignore it)`, 'new', param.location);
        else add('param-added', true, `${what} added as required with no default: old callers don't send it`, 'new', param.location);
        continue;
      }
      if (old.kind !== param.kind) {
        add('param-kind-changed', true, `${what} changed from a ${paramKindName(old)} to a ${paramKindName(param)}`, 'new', param.location);
        continue;
      }
      if (old.kind === 'value' && param.kind === 'value') {
        compareTypes(old.type, param.type, what, param.location);
        compareOptionality(old, param, what, 'param');
        continue;
      }
      if (old.optional !== param.optional) {
        if (param.optional) add('param-now-optional', true, `${what} may now be omitted, but old callees require it`, 'new', param.location);
        else add('param-now-required', true, `${what} is now required: old callers may omit it`, 'new', param.location);
      }
      if (old.kind === 'stream' && param.kind === 'stream') {
        compareTypes(old.item, param.item, `items of ${what}`, param.location);
      } else if (old.kind === 'callback' && param.kind === 'callback') {
        compareCallbacks(old, param, what);
      }
    }
    for (const param of oldParams) {
      if (newWires.has(param.wireName)) continue;
      const what = `param '${param.wireName}' of ${owner}`;
      if (omittable(param)) add('param-removed', false, `${what} removed (new callees ignore it when old callers send it; old callees don't need it)`, 'old', param.location);
      else add('param-removed', true, `${what} removed, but old callees require it (no default) and new callers no longer send it`, 'old', param.location);
    }
  };

  // A callback swaps the roles (the callee calls it), but the rules are symmetric.
  const compareCallbacks = (old: CallbackParam, next: CallbackParam, what: string): void => {
    compareParams(old.params, next.params, `callback ${what}`);
    compareTypes(old.result, next.result, `result of callback ${what}`, next.location);
  };

  const compareAuth = (old: ServiceMember, next: ServiceMember, what: string): void => {
    const oldGroups = old.auth;
    const newGroups = next.auth;
    if (oldGroups === undefined && newGroups === undefined) return;
    if (oldGroups === undefined) {
      add('auth-stricter', true, `${what} now requires @auth(${formatGroups(newGroups ?? [])}): callers that were let in are refused`, 'new', next.location);
      return;
    }
    if (newGroups === undefined) {
      add('auth-looser', false, `${what} no longer requires @auth(${formatGroups(oldGroups)})`, 'new', next.location);
      return;
    }
    const lost = oldGroups.filter((g) => !newGroups.includes(g));
    const gained = newGroups.filter((g) => !oldGroups.includes(g));
    if (lost.length > 0) add('auth-stricter', true, `${what} no longer admits @auth group${lost.length === 1 ? '' : 's'} ${formatGroups(lost)}`, 'new', next.location);
    else if (gained.length > 0) add('auth-looser', false, `${what} also admits @auth group${gained.length === 1 ? '' : 's'} ${formatGroups(gained)}`, 'new', next.location);
  };

  const compareThrows = (oldThrows: readonly string[], newThrows: readonly string[], what: string, location: SourceLocation): void => {
    // On the wire an error is known by its name as written (`type:`), not its package.
    const errorsOf = (model: SchemaModel, names: readonly string[]): Map<string, ErrorDeclaration> => {
      const byName = new Map<string, ErrorDeclaration>();
      for (const name of names) {
        const declaration = model.declarations[name];
        if (declaration?.kind === 'error') byName.set(declaration.name, declaration);
      }
      return byName;
    };
    const oldErrors = errorsOf(oldModel, oldThrows);
    const newErrors = errorsOf(newModel, newThrows);
    for (const [name, next] of newErrors) {
      const old = oldErrors.get(name);
      if (old === undefined) add('throws-added', false, `${what} may now throw ${name} (old callers see it as an untyped remote error)`, 'new', location);
      else compareDeclarations(old, next);
    }
    for (const name of oldErrors.keys()) {
      if (!newErrors.has(name)) add('throws-removed', false, `${what} no longer throws ${name} (old callees may still raise it; new callers see it as an untyped remote error)`, 'new', location);
    }
  };

  const compareMembers = (oldService: ServiceDeclaration, newService: ServiceDeclaration): void => {
    const oldByWire = new Map(oldService.members.map((m) => [m.wireName, m]));
    const newWires = new Set(newService.members.map((m) => m.wireName));
    for (const member of newService.members) {
      const what = `${memberKindName(member)} ${newService.name}.${member.wireName}`;
      const old = oldByWire.get(member.wireName);
      if (old === undefined) {
        add('member-added', false, `${what} added (old peers never call it; calling it on an old peer fails with method-not-found)`, 'new', member.location);
        continue;
      }
      if (old.kind !== member.kind) {
        add('member-kind-changed', true, `${newService.name}.${member.wireName} changed from a ${memberKindName(old)} to a ${memberKindName(member)}`, 'new', member.location);
        continue;
      }
      if (old.kind === 'call' && member.kind === 'call') {
        compareParams(old.params, member.params, `${newService.name}.${member.wireName}`);
        if (old.result.kind !== member.result.kind) {
          add('result-stream-changed', true, `result of ${newService.name}.${member.wireName} changed from ${formatResult(old.result)} to ${formatResult(member.result)}`, 'new', member.location);
        } else {
          const oldType = old.result.kind === 'value' ? old.result.type : old.result.item;
          const newType = member.result.kind === 'value' ? member.result.type : member.result.item;
          compareTypes(oldType, newType, `${member.result.kind === 'stream' ? 'stream items' : 'result'} of ${newService.name}.${member.wireName}`, member.location);
        }
        compareThrows(old.throws, member.throws, `${newService.name}.${member.wireName}`, member.location);
      } else if (old.kind === 'notify' && member.kind === 'notify') {
        compareParams(old.params, member.params, `${newService.name}.${member.wireName}`);
      } else if (old.kind === 'topic' && member.kind === 'topic') {
        compareTypes(old.type, member.type, `topic ${newService.name}.${member.wireName}`, member.location);
      }
      compareAuth(old, member, what);
    }
    for (const member of oldService.members) {
      if (newWires.has(member.wireName)) continue;
      const use = member.kind === 'topic' ? 'subscribe to' : 'call';
      add('member-removed', true, `${memberKindName(member)} ${oldService.name}.${member.wireName} removed: old peers still ${use} it`, 'old', member.location);
    }
  };

  const compareServices = (): void => {
    const oldServices = servicesOf(oldModel);
    const newServices = servicesOf(newModel);
    const unmatchedNew = new Set(newServices);
    const pairs: Array<[ServiceDeclaration, ServiceDeclaration]> = [];
    const unmatchedOld: ServiceDeclaration[] = [];
    for (const old of oldServices) {
      const next = [...unmatchedNew].find((s) => s.namespace === old.namespace);
      if (next === undefined) {
        unmatchedOld.push(old);
        continue;
      }
      unmatchedNew.delete(next);
      pairs.push([old, next]);
    }
    for (const old of unmatchedOld) {
      // Same declaration, another namespace: one clear message instead of a removal plus an addition.
      const next = [...unmatchedNew].find((s) => s.qualifiedName === old.qualifiedName);
      if (next !== undefined) {
        unmatchedNew.delete(next);
        add('namespace-changed', true, `service ${next.name} changed namespace from ${JSON.stringify(old.namespace)} to ${JSON.stringify(next.namespace)}: old peers address the old one`, 'new', next.location);
      } else {
        add('service-removed', true, `service ${old.name} (namespace ${JSON.stringify(old.namespace)}) removed: old peers still call it`, 'old', old.location);
      }
    }
    for (const next of unmatchedNew) {
      add('service-added', false, `service ${next.name} (namespace ${JSON.stringify(next.namespace)}) added`, 'new', next.location);
    }
    for (const [old, next] of pairs) {
      if (old.name !== next.name) add('service-renamed', false, `service ${old.name} renamed to ${next.name} (namespace ${JSON.stringify(next.namespace)} unchanged; TypeScript names only)`, 'new', next.location);
      compareMembers(old, next);
    }
  };

  // ---- the whole models -----------------------------------------------------

  compareServices();
  // Declarations kept under the same name are compared too, even when no
  // service uses them (other tools may); pairs already compared are skipped.
  // A package rename (`notes.v1` → `notes.v2`) changes no wire name, so a
  // declaration not found by qualified name is matched by its plain name.
  const oldRest = Object.values(oldModel.declarations).filter((d) => d.kind !== 'service');
  const newRest = new Set(Object.values(newModel.declarations).filter((d) => d.kind !== 'service'));
  const unmatchedOld: Declaration[] = [];
  for (const old of oldRest) {
    const next = newModel.declarations[old.qualifiedName];
    if (next !== undefined && next.kind === old.kind && newRest.has(next)) {
      newRest.delete(next);
      compareDeclarations(old, next);
    } else {
      unmatchedOld.push(old);
    }
  }
  for (const old of unmatchedOld) {
    const next = [...newRest].find((d) => d.name === old.name && d.kind === old.kind);
    if (next !== undefined) {
      newRest.delete(next);
      compareDeclarations(old, next);
    } else {
      add('declaration-removed', false, `${old.kind} ${old.qualifiedName} removed (what used it is reported where it changed)`, 'old', old.location);
    }
  }
  for (const next of newRest) add('declaration-added', false, `${next.kind} ${next.qualifiedName} added`, 'new', next.location);

  return sortChanges(changes);
}

/** True when a writer may leave the key out: optional, or with a default. */
function omittable(element: Field | Param): boolean {
  // Stream and callback params take no default.
  return element.optional || ('default' in element && element.default !== undefined);
}

function combine(verdicts: readonly TypeVerdict[]): TypeVerdict {
  if (verdicts.includes('changed')) return 'changed';
  const widened = verdicts.includes('widened');
  const narrowed = verdicts.includes('narrowed');
  if (widened && narrowed) return 'changed';
  return narrowed ? 'narrowed' : widened ? 'widened' : 'same';
}

/** A type as written in a schema, with declared types by their plain name. */
function formatType(type: TypeRef): string {
  return printType(type, { refs: 'plain' });
}

function formatResult(result: { readonly kind: 'value'; readonly type: TypeRef } | { readonly kind: 'stream'; readonly item: TypeRef }): string {
  return result.kind === 'value' ? formatType(result.type) : `stream<${formatType(result.item)}>`;
}

function formatValue(value: ModelValue): string {
  return JSON.stringify(value);
}

function formatGroups(groups: readonly string[]): string {
  return groups.map((g) => JSON.stringify(g)).join(', ');
}

function paramKindName(param: Param): string {
  return param.kind === 'value' ? 'value param' : param.kind === 'stream' ? 'stream param' : 'callback param';
}

function memberKindName(member: ServiceMember): string {
  return member.kind === 'call' ? 'method' : member.kind;
}

function sortChanges(changes: readonly CompatChange[]): CompatChange[] {
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const seen = new Set<string>();
  return [...changes]
    .sort(
      (a, b) =>
        (a.side === b.side ? 0 : a.side === 'new' ? -1 : 1) ||
        compare(a.location.file, b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column ||
        compare(a.kind, b.kind) ||
        compare(a.message, b.message),
    )
    .filter((c) => {
      const key = `${c.side}\u0000${c.location.file}:${c.location.line}:${c.location.column}\u0000${c.kind}\u0000${c.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
