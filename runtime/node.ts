// Node entry: everything in the browser-safe entry plus the Node transports.
// First: installs Node's platform (every serialiser by default, setImmediate, Buffer memory).
import './platform/node.ts';
// Then every part of the envelope codec: the `b` protocol and the fast framer.
import './envelope/node-parts.ts';
export * from './index.ts';
export { nodePlatform } from './platform/node.ts';
// Node bundles every serialiser anyway (and links default to all three).
export { msgpackSerialiser } from './serialisation/msgpack.ts';
export { cborSerialiser } from './serialisation/cbor.ts';
export { getSerialiser, allSerialisers } from './serialisation/registry.ts';
export { connect, listen } from './transport/node/url.ts';
export { connectTcp, listenTcp } from './transport/node/tcp.ts';
export { connectUnix, listenUnix } from './transport/node/unix.ts';
export { StreamTransport, createSocketTransport, type StreamTransportOptions } from './transport/node/stream.ts';
export { connectWs, listenWs, DEFAULT_MAX_MESSAGE_BYTES, type WsOptions } from './transport/node/ws.ts';
export { connectTls, listenTls } from './transport/node/tls.ts';
export { connectStdio, listenStdio, parseCommandLine, type StdioStreams } from './transport/node/stdio.ts';
export type { NodeConnectOptions, NodeListenOptions } from './transport/node/url.ts';
export { connectPeer, listenPeers, connectOptionsOf, openSessionPeer, DEFAULT_MAX_CONNECTIONS, type ConnectPeerOptions, type ListenPeersOptions, type PeerListener } from './connection/node-endpoints.ts';
export { spawnWorkerPeer, serveParent, type SpawnWorkerPeerOptions, type ServeParentOptions, type WorkerPeer } from './connection/worker-peers.ts';
export { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from './connection/worker-pool.ts';
