/**
 * What generated code hands the service glue: a service's descriptor, its
 * generated error classes and the peer parts its members need.
 */
import type { PeerFeature } from '../rpc/types.ts';
import type { ServiceDescriptor } from './descriptor.ts';
import type { SchemaErrorClass } from './typed-error.ts';

/**
 * A service as generated code hands it to the glue: the JSON-able
 * descriptor plus the generated error classes (by qualified name). `C` and
 * `I` are the generated client and implementation types (phantom).
 */
export interface ServiceDefinition<C = unknown, I = unknown> {
  readonly descriptor: ServiceDescriptor;
  readonly errors: Readonly<Record<string, SchemaErrorClass>>;
  /**
   * The peer parts the service's members need (`streamsFeature` for stream
   * results and topics, `callbacksFeature` for callback and stream params):
   * generated code lists only what the schema uses, so a bundle carries
   * only those. `createClient` installs them on its peer, `registerService`
   * on every peer that calls a member.
   */
  readonly features: readonly PeerFeature[];
  /** Type-level only; never set. */
  readonly types?: { readonly client: C; readonly implementation: I };
}

/** Builds a {@link ServiceDefinition}; used by generated code. */
export function defineService<C, I>(
  descriptor: ServiceDescriptor,
  errors: Readonly<Record<string, SchemaErrorClass>> = {},
  features: readonly PeerFeature[] = [],
): ServiceDefinition<C, I> {
  return Object.freeze({ descriptor, errors, features });
}
