/**
 * What `compareModels` reports: one change between two versions of a schema,
 * judged from the wire's point of view (see docs/compat.md for every rule).
 */
import type { SourceLocation } from '../model/model.ts';

/**
 * Every kind of change `compareModels` reports. A kind names what changed;
 * whether it breaks is decided per change (`CompatChange.breaking`), because
 * for some kinds it depends on the details (a removed param breaks only when
 * old callees required it).
 */
export const compatChangeKinds = [
  'service-added',
  'service-removed',
  'service-renamed',
  'namespace-changed',
  'member-added',
  'member-removed',
  'member-kind-changed',
  'param-added',
  'param-removed',
  'param-kind-changed',
  'param-now-required',
  'param-now-optional',
  'field-added',
  'field-removed',
  'field-now-required',
  'field-now-optional',
  'type-changed',
  'type-widened',
  'type-narrowed',
  'result-stream-changed',
  'enum-value-added',
  'enum-value-removed',
  'enum-value-renumbered',
  'enum-member-renamed',
  'union-variant-added',
  'union-variant-removed',
  'throws-added',
  'throws-removed',
  'auth-stricter',
  'auth-looser',
  'declaration-added',
  'declaration-removed',
  'const-value-changed',
  'const-type-changed',
  'default-changed',
] as const;

/** One kind of change; see {@link compatChangeKinds}. */
export type CompatChangeKind = (typeof compatChangeKinds)[number];

/** One change between an old and a new schema model. JSON-serialisable as is. */
export interface CompatChange {
  readonly kind: CompatChangeKind;
  /** True when some pairing of an old and a new peer stops understanding each other. */
  readonly breaking: boolean;
  /** One line for humans, naming the element by its schema names (`param 'limit' of Notes.list ...`). */
  readonly message: string;
  /** Which model {@link location} points into: `new`, or `old` for what the new schema no longer has. */
  readonly side: 'old' | 'new';
  /** Where in that model's schema (file relative to its entry schema's folder). */
  readonly location: SourceLocation;
}
