/**
 * The NATS transport (issue 14) against a real nats-server the test starts
 * on 127.0.0.1: URLs, sessions through the queue group, chains split over
 * several NATS messages, every failure with its code, a member that dies
 * mid-session, and topics shared through a NATS subject. The behaviour the
 * other transports share runs in the streams matrix (test/e2e).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isSparrowError } from '../../runtime/errors.ts';
import { connectPeer, listenPeers, type PeerListener } from '../../runtime/connection/node-endpoints.ts';
import { connectNatsTopic } from '../../runtime/connection/nats-topic.ts';
import { parseNatsUrl } from '../../runtime/transport/nats/options.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import type { Peer } from '../../runtime/rpc/types.ts';
import { eventually, take } from '../helpers/async-waits.ts';
import { assertSameBytes, cachedBytePattern } from '../helpers/byte-pattern.ts';
import { freePort } from '../helpers/free-port.ts';
import { natsServerOrSkip, startNatsNode, type NatsNode } from '../helpers/nats-server.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { projectRoot } from '../helpers/cli.ts';
import { createTestCertificate } from '../helpers/tls-certs.ts';

const MIB = 1024 * 1024;
const MEMBER = fileURLToPath(new URL('../fixtures/nats-member.ts', import.meta.url));
const TIMEOUT = { timeout: 60_000 };

describe('nats:// URLs', () => {
  it('defaults the port, keeps several servers, reads user:pass and token credentials', () => {
    assert.deepEqual(parseNatsUrl('nats://example.test/svc'), { servers: ['example.test:4222'], service: 'svc', display: 'nats://example.test:4222/svc' });
    const cluster = parseNatsUrl('nats://al%40ice:s3cr%2Ft@10.0.0.1:4223,[::1]:4224,n3/my_svc-2');
    assert.deepEqual(cluster.servers, ['10.0.0.1:4223', '[::1]:4224', 'n3:4222']);
    assert.equal(cluster.user, 'al@ice');
    assert.equal(cluster.pass, 's3cr/t');
    assert.equal(cluster.service, 'my_svc-2');
    assert.equal(cluster.display.includes('s3cr'), false, 'credentials never appear in messages');
    assert.equal(parseNatsUrl('nats://tok3n@h:1/s').token, 'tok3n');
  });

  it('refuses a missing or bad service, host or port with unsupported naming it (and hides credentials)', () => {
    const refuses = (url: string, text: RegExp): void =>
      assert.throws(() => parseNatsUrl(url), (e: unknown) => isSparrowError(e, 'unsupported') && text.test((e as Error).message) && !(e as Error).message.includes('hunter2'));
    refuses('nats://u:hunter2@h:4222', /No service/);
    refuses('nats://h:4222/a.b', /Bad service name "a\.b"/);
    refuses('nats://h:4222/a*', /Bad service name/);
    refuses('nats:///svc', /No NATS server/);
    refuses('nats://h:99999/svc', /Bad NATS port/);
    refuses('nats://u:hunter2@h:x/svc', /Bad NATS server/);
  });
});

describe('without the optional NATS client', () => {
  it('other schemes work, and a nats:// URL fails with unsupported saying what to install', { timeout: 60_000 }, async () => {
    const script = [
      "const { connect, listen } = await import('./runtime/transport/node/url.ts');",
      "const listener = await listen('tcp://127.0.0.1:0', (t) => t.close());",
      "const transport = await connect(listener.url); transport.close(); await listener.close();",
      "try { await connect('nats://127.0.0.1:4222/svc'); console.log('connected?'); } catch (e) { console.log(e.code + ': ' + e.message); }",
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--import', './test/fixtures/without-nats-client.mjs', '--input-type=module', '-e', script],
      { cwd: projectRoot, timeout: 50_000 },
    );
    assert.equal(stdout.trim(), 'unsupported: nats:// URLs need the NATS client: npm install @nats-io/transport-node');
  });
});

const nats = natsServerOrSkip();

describe('the NATS transport', 'skip' in nats ? { skip: nats.skip } : {}, () => {
  let node: NatsNode;
  let url: string;
  let listener: PeerListener;
  const peers: Peer[] = [];
  const open = async (target = url, options: Parameters<typeof connectPeer>[1] = {}): Promise<Peer> => {
    const peer = await connectPeer(target, { logger: silentLogger, ...options });
    peers.push(peer);
    return peer;
  };

  before(async () => {
    if (!('path' in nats)) return;
    node = await startNatsNode(nats.path);
    url = `nats://${node.address}/unit`;
    listener = await listenPeers(url, { logger: silentLogger });
    listener.registry.export('echo', ({ value }) => value);
    listener.registry.export('blob', ({ size }) => cachedBytePattern(size as number, 15));
    listener.registry.export('hang', (_params, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(null))));
  });
  after(async () => {
    for (const peer of peers) peer.close();
    await listener?.close();
    await node?.stop();
  });

  it('round-trips 4 MiB blobs both ways, split into NATS messages and reassembled in order', TIMEOUT, async () => {
    const blob = cachedBytePattern(4 * MIB + 3, 14);
    for (const options of [{}, { nats: { maxPayload: 64 * 1024 } }]) {
      for (const serialiser of ['j', 'm', 'c'] as const) {
        const peer = await open(url, { serialiser, ...options });
        assertSameBytes(await peer.call<Uint8Array>('echo', { value: blob }), blob, `echo ${serialiser}`);
        assertSameBytes(await peer.call<Uint8Array>('blob', { size: 4 * MIB }), cachedBytePattern(4 * MIB, 15), `blob ${serialiser}`);
        peer.close();
      }
    }
  });

  it('refuses a chain beyond the chain limit with limit-exceeded and keeps the session', TIMEOUT, async () => {
    const peer = await open();
    await assert.rejects(peer.call('echo', { value: new Uint8Array(11 * MIB) }), (e) => isSparrowError(e, 'limit-exceeded'));
    assert.equal(await peer.call('echo', { value: 'still here' }), 'still here');
  });

  it('fails at once with connection-failed when no member listens (NATS no responders), not by the connect timeout', TIMEOUT, async () => {
    await assert.rejects(open(`nats://${node.address}/nobody`, { connectTimeoutMs: 120_000 }), (e) => isSparrowError(e, 'connection-failed') && /no responders/.test((e as Error).message));
  });

  it('fails with connection-failed when no NATS server is reachable', TIMEOUT, async () => {
    const port = await freePort();
    await assert.rejects(open(`nats://127.0.0.1:${port}/unit`, { connectTimeoutMs: 5_000 }), (e) => isSparrowError(e, 'connection-failed') && (e as Error).message.includes(`127.0.0.1:${port}`));
  });

  it('says the credentials were refused, and connects with the right ones', TIMEOUT, async () => {
    const guarded = await startNatsNode((nats as { path: string }).path, { args: ['--user', 'alice', '--pass', 'opensesame'] });
    try {
      const members = await listenPeers(`nats://alice:opensesame@${guarded.address}/locked`, { logger: silentLogger });
      members.registry.export('echo', ({ value }) => value);
      await assert.rejects(open(`nats://alice:wrong@${guarded.address}/locked`), (e) => isSparrowError(e, 'connection-failed') && /credentials/.test((e as Error).message));
      const peer = await open(`nats://${guarded.address}/locked`, { nats: { user: 'alice', pass: 'opensesame' } });
      assert.equal(await peer.call('echo', { value: 1 }), 1);
      peer.close();
      await members.close();
    } finally {
      await guarded.stop();
    }
  });

  it('speaks TLS to NATS with the nats.tls option, and refuses a server it cannot trust', TIMEOUT, async () => {
    const certificate = createTestCertificate('localhost');
    const dir = mkdtempSync(join(tmpdir(), 'sparrow-nats-tls-'));
    writeFileSync(join(dir, 'cert.pem'), certificate.cert);
    writeFileSync(join(dir, 'key.pem'), certificate.key);
    const secure = await startNatsNode((nats as { path: string }).path, { args: ['--tls', '--tlscert', join(dir, 'cert.pem'), '--tlskey', join(dir, 'key.pem')] });
    try {
      const service = `nats://${secure.address}/secure`;
      const tls = { ca: certificate.cert };
      const members = await listenPeers(service, { logger: silentLogger, nats: { tls } });
      members.registry.export('echo', ({ value }) => value);
      const peer = await open(service, { nats: { tls } });
      assert.equal(await peer.call('echo', { value: 'over tls' }), 'over tls');
      peer.close();
      await assert.rejects(open(service, { connectTimeoutMs: 5_000 }), (e) => isSparrowError(e, 'connection-failed'));
      await members.close();
    } finally {
      await secure.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends the connector\'s calls with connection-closed when the listener closes', TIMEOUT, async () => {
    const service = `nats://${node.address}/closing`;
    const members = await listenPeers(service, { logger: silentLogger });
    members.registry.export('hang', (_params, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(null))));
    const peer = await open(service);
    const pending = peer.call('hang', {}, { timeoutMs: 120_000 });
    await eventually(() => members.peers.size === 1 && [...members.peers][0]!.activeHandlerCount === 1, 'the call to arrive');
    const failed = assert.rejects(pending, (e) => isSparrowError(e, 'connection-closed'));
    await members.close();
    await failed;
  });

  it('ends a dead member\'s pending calls and streams with connection-closed by the keepalive, long before their timeout', TIMEOUT, async () => {
    const service = `nats://${node.address}/mortal`;
    const member = spawnFixture(MEMBER, [service, 'm1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      assert.deepEqual(await readStdoutLines(member, 1, 30_000), ['ready']);
      const peer = await open(service, { timeoutMs: 120_000 });
      assert.equal(await peer.call('whoami'), 'm1');
      const call = peer.call('hang');
      const stream = peer.callStream<number>('ticks');
      assert.deepEqual(await take(stream, 2), [0, 1]);
      const order: string[] = [];
      const closed = new Promise<void>((resolve) => peer.onClose(() => (order.push('closed'), resolve())));
      member.kill('SIGKILL');
      await assert.rejects(call, (e) => isSparrowError(e, 'connection-closed') && /no sign of life/.test((e as Error).message));
      await assert.rejects(
        (async () => {
          for await (const _tick of stream);
        })(),
        (e) => isSparrowError(e, 'connection-closed'),
      );
      await closed;
      assert.deepEqual(order, ['closed']);
      // The service has no member left: a new session is refused at once.
      await assert.rejects(open(service), (e) => isSparrowError(e, 'connection-failed') && /no responders/.test((e as Error).message));
    } finally {
      member.kill('SIGKILL');
    }
  });

  it('ends the member\'s side of a session when its connector goes silent', TIMEOUT, async () => {
    const service = `nats://${node.address}/silent`;
    const members = await listenPeers(service, { logger: silentLogger, nats: { keepaliveMs: 100 } });
    try {
      // A connector whose keepalive is far slower than the member expects: the member declares it gone.
      const peer = await open(service, { nats: { keepaliveMs: 60_000 } });
      await eventually(() => members.peers.size === 1, 'the session to open');
      const accepted = [...members.peers][0]!;
      await accepted.closed;
      assert.equal(members.peers.size, 0);
      peer.close();
    } finally {
      await members.close();
    }
  });

  it('carries a topic across members: a value published on one reaches subscribers on every member, in each publisher\'s order', TIMEOUT, async () => {
    const service = `nats://${node.address}/topics`;
    const a = await connectNatsTopic<number>(service, 'news');
    const b = await connectNatsTopic<number>(service, 'news');
    const memberA = await listenPeers(service, { logger: silentLogger });
    const memberB = await listenPeers(service, { logger: silentLogger });
    memberA.registry.export('news', a.handler, { multipart: true });
    memberB.registry.export('news', b.handler, { multipart: true });
    try {
      memberA.registry.export('who', () => 'A');
      memberB.registry.export('who', () => 'B');
      // NATS picks the member of each session at random: open sessions until both members have one (bounded).
      const byMember = new Map<string, Peer[]>();
      for (let i = 0; i < 40 && !(byMember.has('A') && byMember.has('B')); i++) {
        const peer = await open(service);
        const who = await peer.call<string>('who');
        byMember.set(who, [...(byMember.get(who) ?? []), peer]);
      }
      const subscribers = [...byMember.values()].flat();
      assert.ok(byMember.has('A') && byMember.has('B'), 'sessions with both members');
      const streams = subscribers.map((peer) => peer.callStream<number>('news'));
      await eventually(() => a.subscriberCount + b.subscriberCount === subscribers.length, 'every subscription');
      assert.ok(a.subscriberCount > 0 && b.subscriberCount > 0, `both members have subscribers (${a.subscriberCount}, ${b.subscriberCount})`);
      for (let i = 0; i < 5; i++) assert.equal((i % 2 === 0 ? a : b).publish(i), undefined, 'publish returns at once');
      for (const stream of streams) {
        const seen = await take(stream, 5);
        assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4], 'every value once');
        // NATS orders what one connection publishes; two publishers interleave freely.
        assert.deepEqual(seen.filter((v) => v % 2 === 0), [0, 2, 4], 'in the order member A published them');
        assert.deepEqual(seen.filter((v) => v % 2 === 1), [1, 3], 'in the order member B published them');
      }
      for (const peer of subscribers) peer.close();
    } finally {
      await Promise.all([memberA.close(), memberB.close(), a.close(), b.close()]);
    }
  });

  it('keeps each subscriber\'s bounded queue and overflow policy on a cluster topic', TIMEOUT, async () => {
    const service = `nats://${node.address}/bounded`;
    const dropping = await connectNatsTopic<number>(service, 'dropping', { bufferSize: 2 });
    const closing = await connectNatsTopic<number>(service, 'closing', { bufferSize: 2, overflow: 'close' });
    const member = await listenPeers(service, { logger: silentLogger });
    member.registry.export('dropping', dropping.handler, { multipart: true });
    member.registry.export('closing', closing.handler, { multipart: true });
    try {
      const peer = await open(service);
      await peer.remoteFeatures();
      // A window of one: the member sends one value, then waits until the subscriber reads it.
      const d = peer.callStream<number>('dropping', {}, { window: 1 });
      const c = peer.callStream<number>('closing', {}, { window: 1 });
      await eventually(() => dropping.subscriberCount === 1 && closing.subscriberCount === 1, 'both subscriptions');
      for (const topic of [dropping, closing]) topic.publish(0);
      assert.deepEqual(await take(d, 1), [0]);
      assert.deepEqual(await take(c, 1), [0]);
      for (let i = 1; i <= 5; i++) {
        dropping.publish(i);
        closing.publish(i);
      }
      // Our own values come back on our connection before NATS confirms the flush: all five were offered.
      await dropping.flush();
      const seen: number[] = [];
      while (seen.at(-1) !== 5 && seen.length < 6) seen.push(...(await take(d, 1)));
      // Drop-oldest keeps the newest two (1 may already have been sent when it arrived).
      assert.ok(JSON.stringify(seen) === '[4,5]' || JSON.stringify(seen) === '[1,4,5]', `kept ${JSON.stringify(seen)}`);
      await assert.rejects(take(c, 6), (e) => isSparrowError(e, 'limit-exceeded'));
      assert.equal(closing.subscriberCount, 0);
    } finally {
      await Promise.all([member.close(), dropping.close(), closing.close()]);
    }
  });
});
