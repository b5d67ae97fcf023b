/**
 * The table behind every registry: handlers by namespace and target name
 * (PROTOCOL.md §7.1, §11), the names every part uses for targets, and the
 * service descriptors `#sys.describe` reports. Plain data: the dispatcher
 * keeps one per peer for its own exports; `createRegistry` (registry.ts)
 * makes the shareable ones.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { inGroups } from './guards.ts';
import { clipText } from './log-limit.ts';
import type { CallContext, ExportOptions, Handler, PeerFeature, Registration, Registry } from './types.ts';

/** The reserved system namespace (PROTOCOL.md E, IDL.md "The system service"). */
export const SYSTEM_NAMESPACE = '#sys';

export class MapRegistry implements Registry {
  /** Set by `createRegistry` (see `Registry.dispatcher`). */
  dispatcher: PeerFeature | undefined = undefined;
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

/** `maths.add`, or `add` in the default namespace: for messages and logs. */
export function describeTarget(namespace: string, name: string): string {
  // The other side names targets: an unknown one is logged, so it is cut to a readable length.
  return clipText(namespace === '' ? name : `${namespace}.${name}`, MAX_TARGET_TEXT);
}

/** The longest target name a log line shows, in characters. */
const MAX_TARGET_TEXT = 200;

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
