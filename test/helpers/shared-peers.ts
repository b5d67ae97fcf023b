/**
 * Peers shared by the tests of a suite: one listener whose accepted peers
 * are handed out one connect at a time, and peers opened all at once before
 * a suite (child processes, whose start-up is the slow part) and closed
 * after it.
 */
import { after, before } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import type { Peer } from '../../runtime/rpc/peer.ts';

/** Both ends of one connection to a `SharedListener`. */
export interface ConnectedPeers {
  /** The peer that connected. */
  connector: Peer;
  /** The peer the listener accepted for it. */
  accepted: Peer;
}

/**
 * A listener whose accepted peers are handed out one connect at a time, so
 * each connector meets its own accepted side.
 */
export class SharedListener<L extends { readonly url: string; close(): Promise<void> }> {
  listener!: L;
  private expecting: ((peer: Peer) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** Starts the listener; `listen` must pass every peer it accepts to `onPeer`. */
  async start(listen: (onPeer: (peer: Peer) => void) => Promise<L>): Promise<void> {
    this.listener = await listen((peer) => {
      const expecting = this.expecting;
      this.expecting = undefined;
      expecting?.(peer);
    });
  }

  /**
   * Connects with `open(url)`; resolves with both ends once each knows the
   * other's features. The connector calls first, so the listener adopts its
   * format (PROTOCOL.md §8); then each learns the other's extensions.
   */
  connect(open: (url: string) => Promise<Peer>): Promise<ConnectedPeers> {
    const next = this.queue.then(async () => {
      const acceptedP = new Promise<Peer>((resolve) => (this.expecting = resolve));
      const connector = await open(this.listener.url);
      const accepted = await acceptedP;
      await connector.remoteFeatures();
      await accepted.remoteFeatures();
      return { connector, accepted };
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * Registers suite hooks that open one peer per key at once (`before`) and
 * close them all, waiting for each to close (`after`); returns the peer of a
 * key. A peer that failed to open rejects where it is asked for, not in the
 * hook that started it.
 */
export function openPeersAtOnce<K>(keys: readonly K[], open: (key: K) => Promise<Peer>): (key: K) => Promise<Peer> {
  const opened = new Map<K, Promise<Peer>>();
  before(() => {
    for (const key of keys) {
      const peer = open(key);
      // Surfaced when the suite awaits it; this only keeps it from being unhandled meanwhile.
      peer.catch(() => undefined);
      opened.set(key, peer);
    }
  });
  after(async () => {
    for (const peer of opened.values()) {
      const open = await peer.catch(() => undefined);
      open?.close();
      await open?.closed;
    }
  });
  return (key) => opened.get(key)!;
}
