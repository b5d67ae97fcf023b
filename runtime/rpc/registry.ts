/**
 * What a peer can answer: handlers registered by namespace and target name
 * (PROTOCOL.md §7.1, §11). A registry is plain data and may be shared by
 * many peers, for example every connection a listener accepts; each peer
 * also has its own (see `Peer.export`).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { inGroups } from './guards.ts';
import type { CallContext, ExportOptions, Handler, Registration, Registry } from './types.ts';

export type { CallbackStyle, CallContext, ExportOptions, Handler, Registration, Registry } from './types.ts';

/** The reserved system namespace (PROTOCOL.md E, IDL.md "The system service"). */
export const SYSTEM_NAMESPACE = '#sys';

class MapRegistry implements Registry {
  // Nested maps rather than a joined "ns\0name" key: a lookup then allocates nothing.
  private readonly namespaces = new Map<string, Map<string, Registration>>();

  export(name: string, handler: Handler, options: ExportOptions = {}): () => void {
    const namespace = options.namespace ?? '';
    if (namespace === SYSTEM_NAMESPACE) {
      throw new SparrowError(ErrorCode.Unsupported, `the namespace ${SYSTEM_NAMESPACE} is reserved for the system service`);
    }
    let targets = this.namespaces.get(namespace);
    if (targets === undefined) {
      targets = new Map();
      this.namespaces.set(namespace, targets);
    }
    if (targets.has(name)) {
      throw new SparrowError(ErrorCode.InvalidState, `${describeTarget(namespace, name)} is already exported`);
    }
    const registration: Registration = {
      namespace,
      name,
      handler,
      multipart: options.multipart ?? false,
      callbacks: options.callbacks,
      // `auth` without a guard of its own is enforced, not only listed: fail closed.
      guard: options.guard ?? (options.auth === undefined ? undefined : groupGuard(describeTarget(namespace, name), options.auth)),
      decodeParams: options.decodeParams,
      auth: options.auth,
      features: options.features,
    };
    targets.set(name, registration);
    return () => {
      if (targets.get(name) === registration) targets.delete(name);
    };
  }

  lookup(namespace: string, name: string): Registration | undefined {
    return this.namespaces.get(namespace)?.get(name);
  }

  *entries(): IterableIterator<Registration> {
    for (const targets of this.namespaces.values()) yield* targets.values();
  }
}

/** Refuses a caller whose identity is in none of `groups` (`permission-denied`). */
function groupGuard(target: string, groups: readonly string[]): (ctx: CallContext) => void {
  return (ctx) => {
    if (!inGroups(ctx.identity, groups)) throw new SparrowError(ErrorCode.PermissionDenied, `${target} requires one of the groups: ${groups.join(', ')}`);
  };
}

/** Creates an empty registry, to share between peers via `PeerOptions.registry`. */
export function createRegistry(): Registry {
  return new MapRegistry();
}

/** `maths.add`, or `add` in the default namespace: for messages and logs. */
export function describeTarget(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}.${name}`;
}

// Service descriptors attached by `registerService` (runtime/schema), per peer
// or registry, so `#sys.describe` can answer what is exported. Weak: a
// dropped peer or registry takes its descriptors with it.
const serviceDescriptors = new WeakMap<object, unknown[]>();

/** Records `descriptor` as exported by `owner` (a peer or registry) for `#sys.describe`. Returns a detach function. */
export function attachServiceDescriptor(owner: object, descriptor: unknown): () => void {
  let list = serviceDescriptors.get(owner);
  if (list === undefined) serviceDescriptors.set(owner, (list = []));
  list.push(descriptor);
  return () => {
    const index = list.indexOf(descriptor);
    if (index >= 0) list.splice(index, 1);
  };
}

/** The descriptors attached to `owner`, in registration order. */
export function attachedServiceDescriptors(owner: object): readonly unknown[] {
  return serviceDescriptors.get(owner) ?? [];
}
