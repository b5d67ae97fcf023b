/**
 * Streams, cancellation, callbacks, iterable params, nested calls, topics
 * and binary data end to end (issue 5): every transport (tcp, unix, ws,
 * nats through a nats-server of the test's own, stdio with a child
 * process, a worker thread over its MessagePort) × serialiser (j, m, c) ×
 * layout (0.1.2, next), in both directions where both sides are in this
 * process.
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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import type { ChainLayout, SerialiserCode } from '../../runtime/envelope/message.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { createPeer, type Peer } from '../../runtime/rpc/peer.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import type { Listener, Transport } from '../../runtime/transport/transport.ts';
import { spawnWorkerPeer } from '../../runtime/connection/worker-peers.ts';
import { fixtureStdioUrl } from '../helpers/fixture-process.ts';
import { SharedListener, openPeersAtOnce, type ConnectedPeers } from '../helpers/shared-peers.ts';
import { SCENARIOS, type ScenarioContext } from '../helpers/stream-scenarios.ts';
import { exportStreamTargets } from '../helpers/stream-targets.ts';
import { natsServerOrSkip, startNatsNode, type NatsNode } from '../helpers/nats-server.ts';

const SERIALISERS: SerialiserCode[] = ['j', 'm', 'c'];
const LAYOUTS: ChainLayout[] = ['0.1.2', 'next'];
const FIXTURE = fileURLToPath(new URL('../fixtures/streams-peer.ts', import.meta.url));
const TIMEOUT = { timeout: 30_000 };
/** A TypeScript worker on Node 20: the runtime's sources, and tsx registered inside the worker (see worker-peers.test.ts). */
const WORKER_BOOTSTRAP = new URL('../fixtures/tsx-worker.mjs', import.meta.url);

/** A peer over `transport` that exports the scenario targets too. */
function createTargetPeer(transport: Transport, serialiser: SerialiserCode, layout: ChainLayout): Peer {
  const peer = createPeer(createMessageLink(transport), { serialiser, layout, logger: silentLogger });
  exportStreamTargets(peer);
  return peer;
}

function describeScenarios(label: string, caller: () => Peer, context: () => ScenarioContext): void {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${label}: ${name}`, TIMEOUT, () => scenario(caller(), context()));
  }
}

describe('streams matrix', () => {
  const socketDir = mkdtempSync(join(tmpdir(), 'sparrow-streams-'));
  after(() => rmSync(socketDir, { recursive: true, force: true }));

  const transports: Record<string, () => string> = {
    tcp: () => 'tcp://127.0.0.1:0',
    unix: () => `unix:${join(socketDir, 'matrix.sock')}`,
    ws: () => 'ws://127.0.0.1:0/',
  };
  for (const [scheme, url] of Object.entries(transports)) describeTransport(scheme, url);

  // nats: a session through a real nats-server (skipped with a message outside CI when there is none).
  const nats = natsServerOrSkip();
  describe('nats', 'skip' in nats ? { skip: nats.skip } : {}, () => {
    let node: NatsNode | undefined;
    before(async () => {
      if ('path' in nats) node = await startNatsNode(nats.path);
    });
    describeTransport('nats', () => `nats://${node!.address}/matrix`);
    after(() => node?.stop());
  });

  function describeTransport(scheme: string, url: () => string): void {
    describe(scheme, () => {
      const shared = new SharedListener<Listener>();
      const registry = createRegistry();
      exportStreamTargets(registry);
      before(() => shared.start((onPeer) => listen(url(), (transport) => onPeer(createPeer(createMessageLink(transport), { registry, logger: silentLogger })))));
      const connectPair = (serialiser: SerialiserCode, layout: ChainLayout) =>
        shared.connect(async (address) => createTargetPeer(await connect(address), serialiser, layout));
      after(() => shared.listener.close());

      for (const serialiser of SERIALISERS) {
        for (const layout of LAYOUTS) {
          describe(`${serialiser} ${layout}`, { concurrency: true }, () => {
            let pair: ConnectedPeers;
            before(async () => {
              pair = await connectPair(serialiser, layout);
            });
            after(() => pair.connector.close());
            describeScenarios('connector → listener', () => pair.connector, () => ({
              connectAnother: async () => (await connectPair(serialiser, layout)).connector,
            }));
            describeScenarios('listener → connector', () => pair.accepted, () => ({}));
          });
        }
      }
    });
  }

  // The callee runs elsewhere (a child process, a worker thread): one peer per combination, all started at once
  // (their start-up, loading tsx, is the slow part), and the scenarios call it from here.
  const combinations = SERIALISERS.flatMap((serialiser) => LAYOUTS.map((layout) => ({ serialiser, layout })));
  const describeRemoteCallee = (title: string, label: string, open: (serialiser: SerialiserCode, layout: ChainLayout) => Promise<Peer>): void => {
    describe(title, () => {
      const callee = openPeersAtOnce(combinations, async ({ serialiser, layout }) => {
        const peer = await open(serialiser, layout);
        await peer.remoteFeatures();
        return peer;
      });
      for (const combination of combinations) {
        const { serialiser, layout } = combination;
        describe(`${serialiser} ${layout}`, { concurrency: true }, () => {
          let client: Peer;
          before(async () => {
            client = await callee(combination);
          });
          describeScenarios(label, () => client, () => ({}));
        });
      }
    });
  };

  describeRemoteCallee('stdio (child process)', 'connector → child listener', async (serialiser, layout) =>
    createTargetPeer(await connect(fixtureStdioUrl(FIXTURE, ['stdio'])), serialiser, layout));

  describeRemoteCallee('worker (worker thread)', 'parent → worker', async (serialiser, layout) => {
    const peer = await spawnWorkerPeer(WORKER_BOOTSTRAP, {
      serialiser,
      layout,
      logger: silentLogger,
      connectTimeoutMs: 30_000,
      worker: { execArgv: ['--conditions=source'], workerData: { entry: pathToFileURL(FIXTURE).href } },
    });
    // The worker calls back into the parent's targets too (callbacks, nested calls).
    exportStreamTargets(peer);
    return peer;
  });
});
