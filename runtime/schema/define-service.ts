/**
 * Service definitions written by hand: with every part of the glue, so any
 * member works. Generated code calls `defineServiceWith` (definition.ts)
 * with only the parts its schema uses.
 */
import type { PeerFeature } from '../rpc/types.ts';
import { installExactJson } from '../serialisation/json.ts';
import { exactJson } from '../serialisation/json-exact.ts';
import { valueCodec } from './compiled-codec.ts';
import type { ServiceDefinition, ServiceGlue } from './definition.ts';
import type { ServiceDescriptor } from './descriptor.ts';
import { callbackGlue } from './service-callbacks.ts';
import { typedErrorGlue } from './service-errors.ts';
import { streamGlue } from './service-streams.ts';
import { topicGlue } from './service-topics.ts';
import type { SchemaErrorClass } from './typed-error.ts';

/** Every part of the glue: what a hand-written definition gets. */
export const ALL_SERVICE_GLUE: ServiceGlue = { codec: valueCodec, json: exactJson, streams: streamGlue, topics: topicGlue, callbacks: callbackGlue, errors: typedErrorGlue };

/**
 * Builds a {@link ServiceDefinition} with every part of the glue, for
 * definitions written by hand; `features` are the peer parts its clients
 * install. Generated code calls `defineServiceWith` instead, so its
 * bundle carries only the parts its schema uses.
 */
export function defineService<C, I>(
  descriptor: ServiceDescriptor,
  errors: Readonly<Record<string, SchemaErrorClass>> = {},
  features: readonly PeerFeature[] = [],
): ServiceDefinition<C, I> {
  // Any value may travel, so JSON keeps every number exact (as defineServiceWith does for glue.json).
  installExactJson(exactJson);
  return Object.freeze({ descriptor, errors, features, glue: ALL_SERVICE_GLUE });
}

