// Node entry: everything in the browser-safe entry plus the Node transports.
export * from './index.ts';
export { connect, listen } from './transport/node/url.ts';
export { connectTcp, listenTcp } from './transport/node/tcp.ts';
export { connectUnix, listenUnix } from './transport/node/unix.ts';
export { StreamTransport, createSocketTransport, type StreamTransportOptions } from './transport/node/stream.ts';
