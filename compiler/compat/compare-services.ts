/**
 * Comparing services by namespace, members by wire name, and their params, results, callbacks, auth and throws.
 */
import type { CallbackParam, ErrorDeclaration, Param, SchemaModel, ServiceDeclaration, ServiceMember, SourceLocation } from '../model/model.ts';
import { compareTypes } from './compare-types.ts';
import { servicesOf } from '../model/lookup.ts';
import { compareFields, compareOptionality } from './compare-declarations.ts';
import { formatGroups, formatResult, memberKindName, omittable, paramKindName, type Comparison } from './comparison.ts';

/** Compares params by wire name, kind and type. */
export function compareParams(c: Comparison, oldParams: readonly Param[], newParams: readonly Param[], owner: string): void {
  const oldByWire = new Map(oldParams.map((p) => [p.wireName, p]));
  const newWires = new Set(newParams.map((p) => p.wireName));
  for (const param of newParams) {
    const what = `param '${param.wireName}' of ${owner}`;
    const old = oldByWire.get(param.wireName);
    if (old === undefined) {
      if (omittable(param)) c.add('param-added', false, `${what} added (${param.optional ? 'optional' : 'with a default'}; old callees ignore it)`, 'new', param.location);
      else c.add('param-added', true, `${what} added as required with no default: old callers don't send it`, 'new', param.location);
      continue;
    }
    if (old.kind !== param.kind) {
      c.add('param-kind-changed', true, `${what} changed from a ${paramKindName(old)} to a ${paramKindName(param)}`, 'new', param.location);
      continue;
    }
    if (old.kind === 'value' && param.kind === 'value') {
      compareTypes(c, old.type, param.type, what, param.location);
      compareOptionality(c, old, param, what, 'param');
      continue;
    }
    if (old.optional !== param.optional) {
      if (param.optional) c.add('param-now-optional', true, `${what} may now be omitted, but old callees require it`, 'new', param.location);
      else c.add('param-now-required', true, `${what} is now required: old callers may omit it`, 'new', param.location);
    }
    if (old.kind === 'stream' && param.kind === 'stream') {
      compareTypes(c, old.item, param.item, `items of ${what}`, param.location);
    } else if (old.kind === 'callback' && param.kind === 'callback') {
      compareCallbacks(c, old, param, what);
    }
  }
  for (const param of oldParams) {
    if (newWires.has(param.wireName)) continue;
    const what = `param '${param.wireName}' of ${owner}`;
    if (omittable(param)) c.add('param-removed', false, `${what} removed (new callees ignore it when old callers send it; old callees don't need it)`, 'old', param.location);
    else c.add('param-removed', true, `${what} removed, but old callees require it (no default) and new callers no longer send it`, 'old', param.location);
  }
}

/** Compares a callback param's own params and result. */
export function compareCallbacks(c: Comparison, old: CallbackParam, next: CallbackParam, what: string): void {
  compareParams(c, old.params, next.params, `callback ${what}`);
  compareTypes(c, old.result, next.result, `result of callback ${what}`, next.location);
}

/** Reports a member's auth groups changing. */
export function compareAuth(c: Comparison, old: ServiceMember, next: ServiceMember, what: string): void {
  const oldGroups = old.auth;
  const newGroups = next.auth;
  if (oldGroups === undefined && newGroups === undefined) return;
  if (oldGroups === undefined) {
    c.add('auth-stricter', true, `${what} now requires @auth(${formatGroups(newGroups ?? [])}): callers that were let in are refused`, 'new', next.location);
    return;
  }
  if (newGroups === undefined) {
    c.add('auth-looser', false, `${what} no longer requires @auth(${formatGroups(oldGroups)})`, 'new', next.location);
    return;
  }
  const lost = oldGroups.filter((g) => !newGroups.includes(g));
  const gained = newGroups.filter((g) => !oldGroups.includes(g));
  if (lost.length > 0) c.add('auth-stricter', true, `${what} no longer admits @auth group${lost.length === 1 ? '' : 's'} ${formatGroups(lost)}`, 'new', next.location);
  else if (gained.length > 0) c.add('auth-looser', false, `${what} also admits @auth group${gained.length === 1 ? '' : 's'} ${formatGroups(gained)}`, 'new', next.location);
}

/** Reports errors a method may throw being added, removed or changed. */
export function compareThrows(c: Comparison, oldThrows: readonly string[], newThrows: readonly string[], what: string, location: SourceLocation): void {
  // On the wire an error is known by its name as written (`type:`), not its package.
  const errorsOf = (model: SchemaModel, names: readonly string[]): Map<string, ErrorDeclaration> => {
    const byName = new Map<string, ErrorDeclaration>();
    for (const name of names) {
      const declaration = model.declarations[name];
      if (declaration?.kind === 'error') byName.set(declaration.name, declaration);
    }
    return byName;
  };
  const oldErrors = errorsOf(c.oldModel, oldThrows);
  const newErrors = errorsOf(c.newModel, newThrows);
  for (const [name, next] of newErrors) {
    const old = oldErrors.get(name);
    if (old === undefined) c.add('throws-added', false, `${what} may now throw ${name} (old callers see it as an untyped remote error)`, 'new', location);
    else c.compareDeclarations(old, next);
  }
  for (const name of oldErrors.keys()) {
    if (!newErrors.has(name)) c.add('throws-removed', false, `${what} no longer throws ${name} (old callees may still raise it; new callers see it as an untyped remote error)`, 'new', location);
  }
}

/** Compares the members of two versions of a service, by wire name. */
export function compareMembers(c: Comparison, oldService: ServiceDeclaration, newService: ServiceDeclaration): void {
  const oldByWire = new Map(oldService.members.map((m) => [m.wireName, m]));
  const newWires = new Set(newService.members.map((m) => m.wireName));
  for (const member of newService.members) {
    const what = `${memberKindName(member)} ${newService.name}.${member.wireName}`;
    const old = oldByWire.get(member.wireName);
    if (old === undefined) {
      c.add('member-added', false, `${what} added (old peers never call it; calling it on an old peer fails with method-not-found)`, 'new', member.location);
      continue;
    }
    if (old.kind !== member.kind) {
      c.add('member-kind-changed', true, `${newService.name}.${member.wireName} changed from a ${memberKindName(old)} to a ${memberKindName(member)}`, 'new', member.location);
      continue;
    }
    if (old.kind === 'call' && member.kind === 'call') {
      compareParams(c, old.params, member.params, `${newService.name}.${member.wireName}`);
      if (old.result.kind !== member.result.kind) {
        c.add('result-stream-changed', true, `result of ${newService.name}.${member.wireName} changed from ${formatResult(old.result)} to ${formatResult(member.result)}`, 'new', member.location);
      } else {
        const oldType = old.result.kind === 'value' ? old.result.type : old.result.item;
        const newType = member.result.kind === 'value' ? member.result.type : member.result.item;
        compareTypes(c, oldType, newType, `${member.result.kind === 'stream' ? 'stream items' : 'result'} of ${newService.name}.${member.wireName}`, member.location);
      }
      compareThrows(c, old.throws, member.throws, `${newService.name}.${member.wireName}`, member.location);
    } else if (old.kind === 'notify' && member.kind === 'notify') {
      compareParams(c, old.params, member.params, `${newService.name}.${member.wireName}`);
    } else if (old.kind === 'topic' && member.kind === 'topic') {
      compareTypes(c, old.type, member.type, `topic ${newService.name}.${member.wireName}`, member.location);
    }
    compareAuth(c, old, member, what);
  }
  for (const member of oldService.members) {
    if (newWires.has(member.wireName)) continue;
    const use = member.kind === 'topic' ? 'subscribe to' : 'call';
    c.add('member-removed', true, `${memberKindName(member)} ${oldService.name}.${member.wireName} removed: old peers still ${use} it`, 'old', member.location);
  }
}

/** Matches services by namespace and compares each pair. */
export function compareServices(c: Comparison): void {
  const oldServices = servicesOf(c.oldModel);
  const newServices = servicesOf(c.newModel);
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
      c.add('namespace-changed', true, `service ${next.name} changed namespace from ${JSON.stringify(old.namespace)} to ${JSON.stringify(next.namespace)}: old peers address the old one`, 'new', next.location);
    } else {
      c.add('service-removed', true, `service ${old.name} (namespace ${JSON.stringify(old.namespace)}) removed: old peers still call it`, 'old', old.location);
    }
  }
  for (const next of unmatchedNew) {
    c.add('service-added', false, `service ${next.name} (namespace ${JSON.stringify(next.namespace)}) added`, 'new', next.location);
  }
  for (const [old, next] of pairs) {
    if (old.name !== next.name) c.add('service-renamed', false, `service ${old.name} renamed to ${next.name} (namespace ${JSON.stringify(next.namespace)} unchanged; TypeScript names only)`, 'new', next.location);
    compareMembers(c, old, next);
  }
}
