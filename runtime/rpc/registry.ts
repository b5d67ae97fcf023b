/**
 * What a peer can answer: handlers registered by namespace and target name
 * (PROTOCOL.md §7.1, §11). A registry is plain data and may be shared by
 * many peers, for example every connection a listener accepts; each peer
 * also has its own (see `Peer.export`).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { MessageId, Params, WireFormat } from '../envelope/message.ts';
import type { Peer } from './peer.ts';

/** The reserved system namespace (PROTOCOL.md E, IDL.md "The system service"). */
export const SYSTEM_NAMESPACE = '#sys';

/**
 * How the callee's proxy for a callback param calls back (PROTOCOL.md §7.8):
 * `notification` sends `n` and returns nothing; `request` sends `r` and
 * resolves with the caller's answer. The wire does not say which style a
 * callback is, so the side that calls it (the callee) decides; the caller
 * answers either.
 */
export type CallbackStyle = 'notification' | 'request';

/**
 * What a handler receives besides its params. One object per incoming call;
 * `signal` is created on first access so that handlers that never look at it
 * cost nothing.
 */
export interface CallContext {
  /** The peer the call arrived on: handlers may call back into their caller with it. */
  readonly peer: Peer;
  /**
   * Aborted when the caller cancels the call (`#sys.cancel`), when the
   * connection closes, or when the peer is closed. The reason is a
   * `SparrowError` (`aborted` or `connection-closed`).
   */
  readonly signal: AbortSignal;
  /** The target name as it arrived on the wire. */
  readonly target: string;
  /** The namespace ("" is the default namespace). */
  readonly namespace: string;
  /** The caller's request id; `undefined` for notifications. */
  readonly id: MessageId | undefined;
  /** The wire format the call arrived in (the response uses it too). */
  readonly format: WireFormat;
  /** Whatever `PeerOptions.callerIdentity` said about the other side (for example the authenticated user). */
  readonly callerIdentity: unknown;
}

/**
 * A handler: named params in, result out (a value or a promise).
 *
 * Callback params arrive as functions (see `ExportOptions.callbacks`),
 * iterable params as `AsyncIterable`s. A multipart handler returns an
 * `Iterable` or `AsyncIterable` (or a promise of one), each item becoming
 * one part. Throw `SparrowError('invalid-params', ...)` for bad params; any
 * other error reaches the caller as a callee error (see `toWireError`).
 */
export type Handler = (params: Params, ctx: CallContext) => unknown;

/** Options of one exported target. */
export interface ExportOptions {
  /** Wire namespace; default "" (the reference's default namespace). `#sys` is reserved. */
  namespace?: string;
  /** The handler returns an iterable whose items go out as a multipart response (`pm`…`pmt`, §7.7). */
  multipart?: boolean;
  /** Style of each callback param's proxy, by param name; default `notification` (what the reference's demos use). */
  callbacks?: Readonly<Record<string, CallbackStyle>>;
}

/** One exported target, as stored. */
export interface Registration {
  readonly namespace: string;
  readonly name: string;
  readonly handler: Handler;
  readonly multipart: boolean;
  readonly callbacks: Readonly<Record<string, CallbackStyle>> | undefined;
}

/** A set of exported targets, looked up by namespace then name. */
export interface Registry {
  /**
   * Registers `handler` as `name` in `options.namespace`.
   * Returns a function that removes the registration again.
   * @throws SparrowError `unsupported` for the reserved `#sys` namespace,
   *   `invalid-state` when the name is already exported in that namespace.
   */
  export(name: string, handler: Handler, options?: ExportOptions): () => void;
  /** The registration for a target, or `undefined`. */
  lookup(namespace: string, name: string): Registration | undefined;
  /** Every registration, in registration order per namespace. */
  entries(): IterableIterator<Registration>;
}

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
