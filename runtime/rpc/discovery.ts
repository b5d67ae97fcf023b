/**
 * `discoveryFeature`: what this side learns of the other side's extensions
 * (`Peer.remoteFeatures()`, one `#sys.features` per connection) and the
 * core's one use of them, `#sys.cancel` for a request this side gave up.
 * A part: `createCorePeer`, `createPeer`, the Node endpoints, the streams
 * (credit, batches) and the session part bring it; a calling page that
 * never asks leaves it out, and never sends a cancel (which needs the
 * other side to have listed `cancel`).
 */
import { defineFeature, type DiscoveryPart, type PeerCore } from './features.ts';
import { SYSTEM_NAMESPACE } from './map-registry.ts';
import type { CallOptions, PeerFeature } from './types.ts';

const SYSTEM: CallOptions = { namespace: SYSTEM_NAMESPACE };

function createDiscovery(core: PeerCore): DiscoveryPart {
  let asked: Promise<ReadonlySet<string>> | undefined;
  let listed: ReadonlySet<string> = new Set();
  // A request this side gave up (timeout, abort, a stream no longer read): `#sys.cancel` to a peer
  // that supports it. `{id}` always encodes and fits; should it not go out, the late answer is dropped as unknown.
  core.calls.onCancel = (entry) => {
    if (listed.has('cancel') && !core.isClosed) core.outbox.attempt({ kind: 'notification', target: 'cancel', namespace: SYSTEM_NAMESPACE, params: { id: entry.id } }, core.format, '#sys.cancel');
  };
  return {
    features: () =>
      (asked ??= core.peer.call('features', undefined, SYSTEM).then(
        (list) => (listed = new Set(Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [])),
        (): ReadonlySet<string> => new Set<string>(),
      )),
    has: (extension) => listed.has(extension),
  };
}

/**
 * The other side's extensions (`Peer.remoteFeatures()`) and `#sys.cancel`
 * for what this side gives up. Without it `remoteFeatures()` rejects with
 * `unsupported`, and a peer never sends a cancel.
 */
export const discoveryFeature: PeerFeature = /* @__PURE__ */ defineFeature('discovery', [], createDiscovery);
