/**
 * Judging a type change at one position (wider, narrower, other); declared types met on the way are compared as pairs.
 */
import type { SourceLocation, TypeRef } from '../model/model.ts';
import { combine, formatType, type Comparison, type TypeVerdict } from './comparison.ts';

/** Judges a type change at one position; declared types found on the way are compared as pairs. */
export function typeVerdict(c: Comparison, oldType: TypeRef, newType: TypeRef): TypeVerdict {
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
      return newType.kind === 'list' ? typeVerdict(c, oldType.element, newType.element) : 'changed';
    case 'map':
      return newType.kind === 'map' ? combine([typeVerdict(c, oldType.key, newType.key), typeVerdict(c, oldType.value, newType.value)]) : 'changed';
    case 'tuple':
      if (newType.kind !== 'tuple' || newType.elements.length !== oldType.elements.length) return 'changed';
      return combine(oldType.elements.map((element, i) => typeVerdict(c, element, newType.elements[i] as TypeRef)));
    case 'ref': {
      if (newType.kind !== 'ref' || newType.targetKind !== oldType.targetKind) return 'changed';
      const oldDeclaration = c.oldModel.declarations[oldType.target];
      const newDeclaration = c.newModel.declarations[newType.target];
      if (oldDeclaration !== undefined && newDeclaration !== undefined) c.compareDeclarations(oldDeclaration, newDeclaration);
      // What changed inside is reported at the declaration's own members.
      return 'same';
    }
    default:
      return oldType.kind === newType.kind ? 'same' : 'changed';
  }
}

/** Reports the type change of one position (`what` names it), if any. */
export function compareTypes(c: Comparison, oldType: TypeRef, newType: TypeRef, what: string, location: SourceLocation): void {
  const verdict = typeVerdict(c, oldType, newType);
  const change = `${what} changed type from ${formatType(oldType)} to ${formatType(newType)}`;
  if (verdict === 'widened') {
    c.add('type-widened', false, `${change} (wider: every old value still fits; values only the new type holds are new, like a new enum value)`, 'new', location);
  } else if (verdict === 'narrowed') {
    c.add('type-narrowed', true, `${change} (narrower: new readers reject values old writers may send)`, 'new', location);
  } else if (verdict === 'changed') {
    c.add('type-changed', true, change, 'new', location);
  }
}
