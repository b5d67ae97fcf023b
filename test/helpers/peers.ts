/**
 * Two peers over an in-memory message link pair, with a logger that records
 * instead of printing, for the peer tests.
 */
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { createPeer, type Peer, type PeerOptions } from '../../runtime/rpc/peer.ts';
import type { Logger } from '../../runtime/rpc/logger.ts';
import { createMessageLinkPair, type TestLink } from './message-links.ts';

/** A logger that keeps every line, by level. */
export interface RecordingLogger extends Logger {
  readonly lines: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string }>;
}

export function createRecordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    debug: (message) => void lines.push({ level: 'debug', message }),
    info: (message) => void lines.push({ level: 'info', message }),
    warn: (message) => void lines.push({ level: 'warn', message }),
    error: (message) => void lines.push({ level: 'error', message }),
  };
}

export interface PeerPair {
  /** The connecting side. */
  client: Peer;
  /** The accepting side. */
  server: Peer;
  clientLink: TestLink;
  serverLink: TestLink;
  clientLog: RecordingLogger;
  serverLog: RecordingLogger;
}

/** Creates a connected client/server peer pair (options apply to both unless given per side). */
export function createPeerPair(
  options: { client?: PeerOptions; server?: PeerOptions } = {},
): PeerPair {
  const [clientLink, serverLink] = createMessageLinkPair();
  const clientLog = createRecordingLogger();
  const serverLog = createRecordingLogger();
  const client = createPeer(clientLink, { logger: clientLog, ...options.client });
  const server = createPeer(serverLink, { logger: serverLog, ...options.server });
  return { client, server, clientLink, serverLink, clientLog, serverLog };
}
