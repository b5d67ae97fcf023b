// Browser-safe runtime entry: re-exports only. Nothing here may import Node built-ins.
export * from './errors.ts';
export { installPlatform, neutralPlatform, type Platform } from './platform/platform.ts';
export type * from './envelope/message.ts';
export type * from './transport/transport.ts';
// Framing and the envelope codec are internals (the link uses them): only the link's limits are public.
export { DEFAULT_CHAIN_LIMITS, type ChainLimits } from './framing/chain-decoder.ts';
export type * from './serialisation/serialiser.ts';
export { DEFAULT_MAX_DEPTH, isSerialiserCode } from './serialisation/serialiser.ts';
// The JSON text helpers (`$bytes`, 64-bit integers) are what sparrowc call reads and prints params with.
export { installExactJson, jsonSerialiser, parseJson, stringifyJson, type ExactJson } from './serialisation/json.ts';
// JSON's exact numbers (int64, NaN, ±Infinity, −0, floats as floats): a part, installed by the Node entry and by generated code whose schema has numbers or any.
export { exactJson } from './serialisation/json-exact.ts';
// msgpack and CBOR are separate entries (`sparrow-rpc/msgpack`, `sparrow-rpc/cbor`),
// so a page that uses only JSON bundles neither msgpackr nor cbor-x.
export {
  connectWebSocket,
  createWebSocketTransport,
  openWebSocketTransport,
  type ConnectWebSocketOptions,
  type WebSocketConstructor,
  type WebSocketEventLike,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './transport/websocket.ts';
export {
  acceptMessagePort,
  connectMessagePort,
  DEFAULT_TRANSFER_THRESHOLD,
  type ConnectMessagePortOptions,
  type MessagePortLike,
  type MessagePortTransportOptions,
} from './transport/message-port.ts';
export * from './rpc/peer.ts';
export * from './rpc/registry.ts';
export * from './rpc/logger.ts';
export type { CallStream, Identity, Authenticate, AuthenticateRequest, CallContext, InterceptedCall, InterceptedKind, Interceptor, InterceptorNext } from './rpc/types.ts';
export { sessionFeature, SESSION_EXTENSIONS, CloseCode } from './rpc/session.ts';
export type { ConnectionFacts, PeerCertificate, UpgradeRequest, CertificateName } from './wire.ts';
export { ResponseKindError } from './rpc/pending-call.ts';
export type { ParamKind, NotifyCallback, RequestCallback } from './rpc/callbacks.ts';
export { PEER_FEATURES } from './rpc/system-service.ts';
export { createMessageLink, createBareMessageLink, type MessageLinkOptions } from './connection/message-link.ts';
// Budgets and deadlines of a connection (docs/runtime.md, "Budgets and limits").
export { createSharedBudget, LISTENER_LINK_DEFAULTS, DEFAULT_GLOBAL_INPUT_BYTES, DEFAULT_PARTIAL_CHAIN_TIMEOUT_MS, type LinkLimitOptions, type SharedBudget } from './connection/link-limits.ts';
export type { ConnectionClose, ConnectionCloseCode } from './connection/connection-close.ts';
export { DEFAULT_MAX_ELEMENTS } from './serialisation/budget.ts';
export { createLogLimiter, CONNECTION_LOG_LINES, LISTENER_LOG_LINES, LOG_WINDOW_MS, type LogLimiter } from './rpc/log-limit.ts';
export { createTopic, type Topic, type TopicOptions } from './rpc/topic.ts';
export { openPeer, connectWebSocketPeer, type OpenPeerOptions, type ConnectWebSocketPeerOptions } from './connection/open-peer.ts';
export {
  createReconnectingPeer,
  reconnecting,
  type ReconnectPolicy,
  type ReconnectEvents,
  type ReconnectOptions,
  type ReconnectingPeer,
  type ReconnectingPeerOptions,
} from './connection/reconnecting-peer.ts';
export { createMemoryPeers, type MemoryPeers, type MemoryPeersOptions } from './connection/memory-peers.ts';
export { connectPortPeer, servePort, type ConnectPortPeerOptions, type ServePortOptions } from './connection/port-peers.ts';
export { createMemoryTransportPair, type MemoryTransportOptions } from './transport/memory.ts';
// The integer ranges the schema's int types allow; the compiler checks constants against the same table.
export { INT_RANGES } from './schema/int-ranges.ts';
export * from './schema/descriptor.ts';
export { decodeValue, decodeFields, encodeValue, encodeFields, modelValue, type DecodeOptions } from './schema/codec.ts';
export { WireFloat } from './values.ts';
export { SchemaError, type SchemaErrorClass, type SchemaErrorOptions } from './schema/typed-error.ts';
// The parts of the service glue generated code passes to defineServiceWith, each only when its schema uses it.
export { valueCodec } from './schema/compiled-codec.ts';
export { type ValueCodec } from './schema/codec-core.ts';
export { scalarCodec } from './schema/codec-scalars.ts';
export { streamGlue } from './schema/service-streams.ts';
export { topicGlue } from './schema/service-topics.ts';
export { callbackGlue } from './schema/service-callbacks.ts';
export { typedErrorGlue } from './schema/service-errors.ts';
export {
  ALL_SERVICE_GLUE,
  createClient,
  defineService,
  defineServiceWith,
  registerService,
  type ServiceGlue,
  type ClientCallOptions,
  type ClientOptions,
  type ExportTarget,
  type RegisterOptions,
  type ServiceDefinition,
  type ServiceRegistration,
  type TopicPublisher,
  type TopicSubscriber,
} from './schema/service.ts';
