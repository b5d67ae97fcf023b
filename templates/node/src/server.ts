// A server that offers the Greeter service on any Sparrow URL.
import { listenPeers, type PeerListener } from 'sparrow-rpc/node';
import { registerGreeter } from './gen/index.js';
import { greeter } from './greeter.js';

/** Listens on `url` (tcp://, unix:, ws://, tls://, stdio:); port 0 picks a free port. */
export async function startServer(url = 'tcp://127.0.0.1:0'): Promise<PeerListener> {
  const listener = await listenPeers(url);
  registerGreeter(listener.registry, greeter);
  return listener;
}
