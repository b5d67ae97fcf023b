/**
 * Streams, cancellation, callbacks, iterable params, nested calls, topics
 * and binary data end to end (issue 5): every transport (tcp, unix, ws,
 * stdio with a child process) × serialiser (j, m, c) × layout (0.1.2,
 * next), in both directions where both sides are in this process.
 *
 * One listener per transport serves every combination; the scenarios of a
 * combination share its connection and run concurrently (which also makes
 * streams, calls and callbacks interleave on it). Combinations run one
 * after another: all at once they would only share one event loop, and
 * every call would wait behind every other combination's MiB payloads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { ChainLayout, SerialiserCode } from '../../runtime/envelope/message.ts';
import { createMessageLink } from '../../runtime/envelope/message-link.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { createPeer, type Peer } from '../../runtime/rpc/peer.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Listener } from '../../runtime/transport/transport.ts';
import { SCENARIOS, type ScenarioContext } from '../helpers/stream-scenarios.ts';
import { exportStreamTargets } from '../helpers/stream-targets.ts';

const SERIALISERS: SerialiserCode[] = ['j', 'm', 'c'];
const LAYOUTS: ChainLayout[] = ['0.1.2', 'next'];
const FIXTURE = fileURLToPath(new URL('../fixtures/streams-peer.ts', import.meta.url));
const TIMEOUT = { timeout: 30_000 };

/** A listener whose accepted peers are handed out one connect at a time, so each connector meets its own accepted side. */
class SharedListener {
  listener!: Listener;
  private expecting: ((peer: Peer) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  async start(url: string): Promise<void> {
    const registry = createRegistry();
    exportStreamTargets(registry);
    this.listener = await listen(url, (transport) => {
      const peer = createPeer(createMessageLink(transport), { registry, logger: silentLogger });
      const expecting = this.expecting;
      this.expecting = undefined;
      expecting?.(peer);
    });
  }

  /** Connects a peer that exports the targets too; resolves with both ends once each knows the other's features. */
  connect(serialiser: SerialiserCode, layout: ChainLayout): Promise<{ client: Peer; server: Peer }> {
    const next = this.queue.then(async () => {
      const accepted = new Promise<Peer>((resolve) => (this.expecting = resolve));
      const client = createPeer(createMessageLink(await connect(this.listener.url)), { serialiser, layout, logger: silentLogger });
      exportStreamTargets(client);
      const server = await accepted;
      // The connector calls first, so the listener adopts its format (§8); then each learns the other's extensions.
      await client.remoteFeatures();
      await server.remoteFeatures();
      return { client, server };
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function describeScenarios(label: string, caller: () => Peer, context: () => ScenarioContext): void {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${label}: ${name}`, TIMEOUT, () => scenario(caller(), context()));
  }
}

describe('streams matrix', () => {
  const socketDir = mkdtempSync(join(tmpdir(), 'sparrow-streams-'));
  after(() => rmSync(socketDir, { recursive: true, force: true }));

  const transports: Record<string, string> = {
    tcp: 'tcp://127.0.0.1:0',
    unix: `unix:${join(socketDir, 'matrix.sock')}`,
    ws: 'ws://127.0.0.1:0/',
  };

  for (const [scheme, url] of Object.entries(transports)) {
    describe(scheme, () => {
      const shared = new SharedListener();
      before(() => shared.start(url));
      after(() => shared.listener.close());

      for (const serialiser of SERIALISERS) {
        for (const layout of LAYOUTS) {
          describe(`${serialiser} ${layout}`, { concurrency: true }, () => {
            let pair: { client: Peer; server: Peer };
            before(async () => {
              pair = await shared.connect(serialiser, layout);
            });
            after(() => pair.client.close());
            describeScenarios('connector → listener', () => pair.client, () => ({
              connectAnother: async () => (await shared.connect(serialiser, layout)).client,
            }));
            describeScenarios('listener → connector', () => pair.server, () => ({}));
          });
        }
      }
    });
  }

  describe('stdio (child process)', () => {
    // Start every child at once: their start-up (loading tsx) is the slow part.
    const children = new Map<string, Promise<Peer>>();
    before(() => {
      for (const serialiser of SERIALISERS) {
        for (const layout of LAYOUTS) {
          const opened = (async () => {
            const transport = await connect(`stdio:${process.execPath} --conditions=source --import tsx ${FIXTURE} stdio`);
            const peer = createPeer(createMessageLink(transport), { serialiser, layout, logger: silentLogger });
            exportStreamTargets(peer);
            await peer.remoteFeatures();
            return peer;
          })();
          opened.catch(() => undefined);
          children.set(`${serialiser} ${layout}`, opened);
        }
      }
    });
    after(async () => {
      for (const opened of children.values()) {
        const peer = await opened.catch(() => undefined);
        peer?.close();
        await peer?.closed;
      }
    });
    for (const serialiser of SERIALISERS) {
      for (const layout of LAYOUTS) {
        describe(`${serialiser} ${layout}`, { concurrency: true }, () => {
          let client: Peer;
          before(async () => {
            client = await children.get(`${serialiser} ${layout}`)!;
          });
          describeScenarios('connector → child listener', () => client, () => ({}));
        });
      }
    }
  });
});
