/**
 * Two connected peers in one process, over the in-memory transport: the way
 * to test a service without a socket (as connect-es's
 * `createRouterTransport` or tRPC's `createCaller` do), with the real
 * envelope encoding, serialisers and limits in between. Browser-safe.
 */
import { createMemoryTransportPair, type MemoryTransportOptions } from '../transport/memory.ts';
import type { Peer } from '../rpc/peer.ts';
import { openPeer, type OpenPeerOptions } from './open-peer.ts';

/** Options of {@link createMemoryPeers}; `client` and `server` apply to one side each. */
export interface MemoryPeersOptions extends MemoryTransportOptions {
  readonly client?: OpenPeerOptions;
  readonly server?: OpenPeerOptions;
}

/** The two ends. Either may call the other: the names only say who is who in a test. */
export interface MemoryPeers {
  readonly client: Peer;
  readonly server: Peer;
  /** Closes both peers; resolves once both have closed. */
  close(): Promise<void>;
}

/**
 * Creates two peers joined in memory. Register services on `server` (or
 * pass a shared `registry` in `server`), and call them through `client`:
 *
 * ```ts
 * const { client, server, close } = createMemoryPeers();
 * registerGreeter(server, { hello: ({ name }) => `hi ${name}` });
 * await createGreeterClient(client).hello({ name: 'test' });
 * await close();
 * ```
 * @throws SparrowError `unsupported` when a side's `serialiser` is not among its `serialisers`.
 */
export function createMemoryPeers(options: MemoryPeersOptions = {}): MemoryPeers {
  const [clientTransport, serverTransport] = createMemoryTransportPair(options.chunk === undefined ? {} : { chunk: options.chunk });
  const server = openPeer(serverTransport, options.server);
  const client = openPeer(clientTransport, options.client);
  const close = async (): Promise<void> => {
    client.close();
    server.close();
    await Promise.all([client.closed, server.closed]);
  };
  return { client, server, close };
}
