/**
 * The `#sys` namespace every peer answers (PROTOCOL.md §11 and section E;
 * docs/protocol-extensions.md): `ping` as the reference does, plus this
 * project's extensions. Looked up before any user registry, as the
 * reference looks up its system register first.
 *
 * A peer without the dispatcher (a client that exported nothing) answers
 * every request with not-found (`answerNotFound`), unless it has
 * `systemFeature`: then the same `ping`, `features` and `describe`
 * (nothing exported) as the dispatcher. A calling page needs neither the
 * dispatcher nor these answers, so it carries neither.
 */
import type { MessageId, RequestMessage } from '../envelope/message.ts';
import { defineFeature, type Incoming, type PeerCore } from './features.ts';
import { SYSTEM_NAMESPACE, attachedServiceDescriptors } from './map-registry.ts';
import { inGroups } from './guards.ts';
import { sendAck, type Outbox } from './outbox.ts';
import type { Identity, PeerFeature, Registration, Registry } from './types.ts';

/**
 * Extension names a peer with every part (`createPeer`) reports from
 * `#sys.features`. A remote peer may use an extension only after seeing its
 * name there (PROTOCOL.md decision 5); a peer without the streams part
 * reports only `cancel` and `describe`.
 */
export const PEER_FEATURES: readonly string[] = /* @__PURE__ */ Object.freeze(['batch', 'cancel', 'credit', 'describe']);

/** The peer internals the system handlers reach. */
export interface SystemHooks {
  /** `#sys.cancel {id}`: the caller abandons its request `id`. */
  cancel(id: MessageId): void;
  /**
   * `#sys.credit {id, n, [batch]}`: the caller of request `id` may take `n`
   * more multipart items; `batch: true` (feature `batch`) asks for the items
   * as lists, several per part.
   */
  credit(id: MessageId, n: number, batch: boolean): void;
  /** The registries the peer serves, its own exports first (for `#sys.describe`). */
  registries?(): readonly Registry[];
  /** The extension names to report (`#sys.features`), sorted; default `PEER_FEATURES`. */
  features?(): readonly string[];
  /** False: no `#sys.describe` (answered not-found). Default true. */
  describe?: boolean;
  /** Who the caller is: `#sys.describe` lists only what it may call. */
  identity?(): Identity | undefined;
}

/** A service descriptor without the members the caller may not call (descriptors are opaque here: only `methods[].auth` is read). */
function visibleService(descriptor: unknown, identity: Identity | undefined): unknown {
  const methods = (descriptor as { methods?: unknown }).methods;
  if (!Array.isArray(methods)) return descriptor;
  return { ...(descriptor as object), methods: methods.filter((member: { auth?: readonly string[] }) => inGroups(identity, member.auth)) };
}

/** Every exported target once (the first registry wins, as in lookup), sorted by namespace then name. */
function describeTargets(registries: readonly Registry[], identity: Identity | undefined): { namespace: string; name: string; multipart: boolean }[] {
  const seen = new Map<string, { namespace: string; name: string; multipart: boolean } | undefined>();
  for (const registry of registries) {
    for (const { namespace, name, multipart, auth } of registry.entries()) {
      const key = `${namespace}\u0000${name}`;
      // A hidden first registration still hides what it shadows.
      if (!seen.has(key)) seen.set(key, inGroups(identity, auth) ? { namespace, name, multipart } : undefined);
    }
  }
  const visible = [...seen.values()].filter((target) => target !== undefined);
  return visible.sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
}

function system(name: string, handler: Registration['handler']): [string, Registration] {
  return [name, { namespace: SYSTEM_NAMESPACE, name, handler, multipart: false, callbacks: undefined }];
}

/** The `#sys` targets of one peer, by name. */
export function createSystemTargets(hooks: SystemHooks): ReadonlyMap<string, Registration> {
  const targets = new Map([
    // {r: "ping", s: "#sys"} → "pong"
    system('ping', () => 'pong'),
    // {r: "features", s: "#sys"} → ["batch", "cancel", "credit", "describe"]
    system('features', () => [...(hooks.features?.() ?? PEER_FEATURES)]),
    // {r: "describe", s: "#sys"} → {services: [<descriptor>, ...], targets: [{namespace, name, multipart}, ...]}
    // `services`: what registerService attached to this peer and its registries;
    // `targets`: every exported target, schema or not, so tools can list a schema-less peer too.
    system('describe', (_params, ctx) => {
      const registries = hooks.registries?.() ?? [];
      const identity = hooks.identity?.();
      const services = [...attachedServiceDescriptors(ctx.peer), ...registries.flatMap((r) => attachedServiceDescriptors(r))];
      return {
        services: services.map((descriptor) => visibleService(descriptor, identity)),
        targets: describeTargets(registries, identity),
      };
    }),
    // {n: "cancel", s: "#sys"} [{id: N}]: unknown or finished ids are ignored
    system('cancel', (params) => {
      const id = params['id'];
      if (typeof id === 'number' || typeof id === 'string') hooks.cancel(id);
      return undefined;
    }),
    // {n: "credit", s: "#sys"} [{id: N, n: K, [batch: true]}]: K ≥ 1 more items of the multipart answer to N
    system('credit', (params) => {
      const id = params['id'];
      const n = params['n'];
      // A non-integer or absurd grant is ignored rather than trusted (2^31: more than any window).
      if ((typeof id === 'number' || typeof id === 'string') && typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0x7fffffff) {
        hooks.credit(id, n, params['batch'] === true);
      }
      return undefined;
    }),
  ]);
  if (hooks.describe === false) targets.delete('describe');
  return targets;
}

/**
 * {x: N} `TargetNotFound` for a request nothing here answers: a target that
 * is not exported (the namespace is named when there is one; the default
 * namespace keeps the reference vectors' wording), or a callback (`c`)
 * that no pending request of this side declared.
 */
export function answerNotFound(outbox: Outbox, message: Incoming<RequestMessage>): void {
  const { target, namespace, callbackOf } = message;
  const msg =
    callbackOf === undefined
      ? `target ${target} not found${namespace ? ` in namespace ${namespace}` : ''}`
      : `callback ${target} not found: request ${callbackOf} is not pending or did not declare it`;
  outbox.sendException(message.id, { cat: 'r', type: 'TargetNotFound', msg }, message.format);
}

/** `#sys.features`: the core's extensions (`cancel`, and `describe` unless turned off) plus the installed parts', sorted. */
export function peerExtensions(core: PeerCore): string[] {
  const names = core.options.describe === false ? ['cancel'] : ['cancel', 'describe'];
  for (const feature of core.installed) names.push(...feature.extensions);
  return [...new Set(names)].sort();
}

/**
 * A request to a peer that serves nothing (no dispatcher part, or no
 * callbacks part for a request with `c`): `#sys.ping`, `#sys.features` and
 * `#sys.describe` are answered as the dispatcher would (with nothing
 * exported), anything else with `answerNotFound`. Notifications need no
 * fallback: they are never answered, and `#sys.cancel`/`#sys.credit` have
 * nothing to act on.
 */
function answerUnserved(core: PeerCore, message: Incoming<RequestMessage>): void {
  const name = message.target;
  let result: unknown;
  if (message.callbackOf === undefined && message.namespace === SYSTEM_NAMESPACE) {
    if (name === 'ping') result = 'pong';
    else if (name === 'features') result = peerExtensions(core);
    else if (name === 'describe' && core.options.describe !== false) result = { services: [], targets: [] };
  }
  const { outbox } = core;
  const format = message.format;
  if (result === undefined) return answerNotFound(outbox, message);
  if (message.ack) sendAck(outbox, message.id, format);
  // Quiet and silent requests get their response without a result (§7.4). Nothing here can be too big or fail to encode.
  outbox.attempt({ kind: 'response', to: message.id, multipart: false, ack: false, hasResult: message.requestType === 'normal', result }, format);
}

/**
 * The `#sys` basics (`ping`, `features`, `describe` with nothing exported)
 * for a peer without the dispatcher, which otherwise answers every request
 * not-found. `createCorePeer` has it; `createPeer` and the Node endpoints'
 * peers have the dispatcher, which answers them itself.
 */
export const systemFeature: PeerFeature = /* @__PURE__ */ defineFeature('system', [], (core) => ({ onRequest: (message) => answerUnserved(core, message) }));
