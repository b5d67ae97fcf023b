/**
 * A service spread over a three-node NATS cluster (issue 14): three
 * nats-server processes joined by routes on loopback, three Sparrow member
 * processes each attached to a different node, and clients in this process
 * attached to every node. Checks that sessions spread over the members,
 * that a topic published on one member reaches subscribers on all three,
 * that a SIGKILLed member's callers fail with connection-closed and then
 * get through the others, and that killing one NATS node loses no session
 * attached to the other two. Outcomes and their order only, never durations.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isSparrowError } from '../../runtime/errors.ts';
import { connectPeer } from '../../runtime/connection/node-endpoints.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import type { Peer } from '../../runtime/rpc/types.ts';
import { take } from '../helpers/async-waits.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { natsServerOrSkip, startNatsCluster, type NatsNode } from '../helpers/nats-server.ts';

const MEMBER = fileURLToPath(new URL('../fixtures/nats-member.ts', import.meta.url));
const TIMEOUT = { timeout: 90_000 };
// 36 sessions over 3 members: the chance that random queue-group picks miss one is about 3 × (2/3)^36 ≈ 1e-6.
const SESSIONS_PER_NODE = 12;
const nats = natsServerOrSkip();

/** A client session and where it is attached. */
interface Session {
  peer: Peer;
  /** Index of the NATS node the client is attached to. */
  via: number;
  /** The member that answered. */
  member: string;
}

describe('a service on a three-node NATS cluster', 'skip' in nats ? { skip: nats.skip } : {}, () => {
  let nodes: NatsNode[] = [];
  const members = new Map<string, ChildProcess>();
  const sessions: Session[] = [];
  const serviceVia = (i: number): string => `nats://${nodes[i]!.address}/cluster`;

  const openSession = async (via: number): Promise<Session> => {
    const peer = await connectPeer(serviceVia(via), { logger: silentLogger, timeoutMs: 60_000 });
    const member = await peer.call<string>('whoami');
    const session = { peer, via, member };
    sessions.push(session);
    return session;
  };

  before(async () => {
    if (!('path' in nats)) return;
    nodes = await startNatsCluster(nats.path, 3);
    // Routes up: a subscription on one node is seen by the others (the members' queue group needs it).
    const started = [0, 1, 2].map((i) => {
      const name = `m${i + 1}`;
      const child = spawnFixture(MEMBER, [serviceVia(i), name], { stdio: ['ignore', 'pipe', 'inherit'] });
      members.set(name, child);
      return readStdoutLines(child, 1, 60_000);
    });
    assert.deepEqual(await Promise.all(started), [['ready'], ['ready'], ['ready']]);
  });

  after(async () => {
    for (const { peer } of sessions) peer.close();
    for (const child of members.values()) child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.kill()));
  });

  it('spreads sessions from clients on every node over all three members (counted)', TIMEOUT, async (t) => {
    for (let via = 0; via < 3; via++) {
      for (let i = 0; i < SESSIONS_PER_NODE; i++) await openSession(via);
    }
    const counts = new Map<string, number>();
    for (const { member } of sessions) counts.set(member, (counts.get(member) ?? 0) + 1);
    const report = JSON.stringify(Object.fromEntries([...counts].sort()));
    t.diagnostic(`sessions per member: ${report}`);
    assert.deepEqual([...counts.keys()].sort(), ['m1', 'm2', 'm3'], `sessions per member: ${report}`);
    // Sessions cross nodes: some client on one node is served by a member attached to another.
    assert.ok(sessions.some(({ via, member }) => member !== `m${via + 1}`), `every session stayed on its node: ${report}`);
    // And calls go on through every session.
    for (const { peer, member } of sessions) assert.equal(await peer.call('whoami'), member);
  });

  it('delivers a topic published on one member to subscribers on all three', TIMEOUT, async () => {
    const subscriberOn = (member: string): Session => sessions.find((s) => s.member === member)!;
    const streams = ['m1', 'm2', 'm3'].map((member) => subscriberOn(member).peer.callStream<string>('news'));
    // A subscription is in place once its member has delivered a value to it; publish until each saw one.
    const publisher = subscriberOn('m2').peer;
    const firsts = streams.map((stream) => take(stream, 1));
    let round = 0;
    const settled = Promise.all(firsts);
    let done = false;
    void settled.then(() => (done = true));
    while (!done && round < 200) {
      await publisher.call('publish', { value: `warm-${round++}` });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await settled;
    assert.equal(await publisher.call('publish', { value: 'hello cluster' }), 'm2');
    for (const stream of streams) {
      let seen: string | undefined;
      for (let i = 0; i <= round && seen !== 'hello cluster'; i++) seen = (await take(stream, 1))[0];
      assert.equal(seen, 'hello cluster');
      stream.cancel();
    }
  });

  it('fails a SIGKILLed member\'s callers with connection-closed, then a new session gets through another member', TIMEOUT, async () => {
    const victims = sessions.filter((s) => s.member === 'm3');
    assert.ok(victims.length > 0);
    const pending = victims.map(({ peer }) => assert.rejects(peer.call('hang'), (e) => isSparrowError(e, 'connection-closed')));
    const survivors = sessions.filter((s) => s.member !== 'm3');
    members.get('m3')!.kill('SIGKILL');
    await Promise.all(pending);
    // The callers fail by the session keepalive, long before their own 60 s call timeout.
    for (const { peer } of victims) assert.equal(peer.isClosed, true);
    // A caller that connects again lands on a live member, through any node.
    for (let via = 0; via < 3; via++) {
      const again = await openSession(via);
      assert.ok(again.member === 'm1' || again.member === 'm2', `landed on ${again.member}`);
    }
    for (const { peer, member } of survivors) assert.equal(await peer.call('whoami'), member);
  });

  it('loses no session attached to the other two nodes when one NATS node is killed', TIMEOUT, async () => {
    const live = sessions.filter((s) => !s.peer.isClosed);
    const onOthers = live.filter((s) => s.via !== 2 && (s.member === 'm1' || s.member === 'm2'));
    const onKilled = live.filter((s) => s.via === 2);
    assert.ok(onOthers.length > 0 && onKilled.length > 0);
    await nodes[2]!.kill();
    for (const { peer } of onKilled) await peer.closed;
    for (const { peer, member } of onOthers) {
      assert.equal(peer.isClosed, false);
      assert.equal(await peer.call('whoami'), member);
    }
    // New sessions still open through the nodes that are left.
    assert.ok(['m1', 'm2'].includes((await openSession(0)).member));
  });
});
