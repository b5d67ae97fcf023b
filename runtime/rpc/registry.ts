/**
 * What a peer can answer: handlers registered by namespace and target name
 * (PROTOCOL.md §7.1, §11). A registry is plain data and may be shared by
 * many peers, for example every connection a listener accepts; each peer
 * also has its own (see `Peer.export`).
 */
import { dispatcherFeature } from './dispatcher.ts';
import { MapRegistry } from './map-registry.ts';
import type { Registry } from './types.ts';

export type { CallbackStyle, CallContext, ExportOptions, Handler, Registration, Registry } from './types.ts';
export { SYSTEM_NAMESPACE, attachServiceDescriptor, attachedServiceDescriptors, describeTarget } from './map-registry.ts';

/**
 * Creates an empty registry, to share between peers via
 * `PeerOptions.registry`. It carries the dispatcher (`Registry.dispatcher`),
 * so any peer given it can answer its targets.
 */
export function createRegistry(): Registry {
  const registry = new MapRegistry();
  registry.dispatcher = dispatcherFeature;
  return registry;
}
