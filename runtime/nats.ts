// NATS entry (`sparrow-rpc/nats`): sessions and cluster topics over NATS. Needs the optional
// peer dependency @nats-io/transport-node. `connectPeer`/`listenPeers` of `sparrow-rpc/node`
// take nats:// URLs too (they load this transport on first use).
// First: installs Node's platform, as the Node entry does.
import './platform/node.ts';
export { connectNats, listenNats, type NatsConnectOptions } from './transport/nats/endpoints.ts';
export { NatsSession } from './transport/nats/session.ts';
export {
  parseNatsUrl,
  serviceSubject,
  topicSubject,
  DEFAULT_NATS_PORT,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_KEEPALIVE_MISSES,
  type NatsOptions,
  type NatsTlsOptions,
  type NatsTarget,
  type NatsTransportOptions,
} from './transport/nats/options.ts';
export { connectNatsTopic, type NatsTopic, type NatsTopicOptions } from './connection/nats-topic.ts';
