/**
 * The session part over real connections (runtime/rpc/session.ts): feature
 * discovery, `#sys.hello` and `authenticate`, identity in handlers,
 * `@auth` visibility in `#sys.describe`, close reasons, graceful close,
 * heartbeat against a frozen process, ws origins, and `exposeErrors`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import '../../runtime/platform/node.ts';
import { connectPeer, listenPeers, type PeerListener } from '../../runtime/connection/node-endpoints.ts';
import { createMessageLink } from '../../runtime/connection/message-link.ts';
import type { IncomingMessage } from '../../runtime/envelope/message.ts';
import { ErrorCode, SparrowError, isSparrowError } from '../../runtime/errors.ts';
import { silentLogger, type Logger } from '../../runtime/rpc/logger.ts';
import { createPeer, type Peer } from '../../runtime/rpc/peer.ts';
import { createRegistry } from '../../runtime/rpc/registry.ts';
import type { AuthenticateRequest, Identity } from '../../runtime/rpc/types.ts';
import { listen } from '../../runtime/transport/node/url.ts';
import { originAllowed } from '../../runtime/transport/node/ws.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { createMessageLinkPair } from '../helpers/message-links.ts';
import { createTestCertificate } from '../helpers/tls-certs.ts';

/** A logger that keeps every line, to assert what was (and was not) logged. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string, ...details: unknown[]): void => void lines.push([message, ...details.map((d) => (d instanceof Error ? d.message : String(d)))].join(' '));
  return { lines, debug: () => {}, info: keep, warn: keep, error: keep };
}

const listeners: PeerListener[] = [];
async function serve(url: string, options: Parameters<typeof listenPeers>[1] = {}): Promise<PeerListener> {
  const listener = await listenPeers(url, { logger: silentLogger, ...options });
  listeners.push(listener);
  return listener;
}
after(() => Promise.all(listeners.map((listener) => listener.close())));

const TOKEN = 's3cret';
/** The demo's rule: no credential is anonymous, the right token is admin, anything else is refused. */
function tokenAuth(seen?: AuthenticateRequest[]): (request: AuthenticateRequest) => Identity {
  return (request) => {
    seen?.push(request);
    if (request.credentials === undefined) return { subject: 'anonymous', groups: [] };
    if (request.credentials !== TOKEN) throw new SparrowError(ErrorCode.PermissionDenied, 'wrong token');
    return { subject: 'alice', groups: ['admin'] };
  };
}

function whoamiRegistry() {
  const registry = createRegistry();
  registry.export('whoami', (_params, ctx) => ({ subject: ctx.identity?.subject ?? null, groups: ctx.identity?.groups ?? null }));
  registry.export('drop', () => 'dropped', { auth: ['admin'], guard: (ctx) => void (ctx.identity?.groups.includes('admin') === true || assert.fail('guarded')) });
  return registry;
}

describe('session: features and hello', () => {
  it('fails closed: authenticate, credentials or heartbeatMs on a peer without the session part is refused', () => {
    for (const options of [{ authenticate: () => ({ subject: 'x', groups: [] }) }, { credentials: 't' }, { heartbeatMs: 1000 }]) {
      const [link] = createMessageLinkPair();
      assert.throws(() => createPeer(link, { logger: silentLogger, ...options }), (error) => isSparrowError(error, 'invalid-params') && /sessionFeature/.test(error.message));
    }
  });

  it('lists heartbeat, hello and close-reason besides the peer extensions', async () => {
    const listener = await serve('tcp://127.0.0.1:0');
    const client = await connectPeer(listener.url, { logger: silentLogger });
    try {
      const features = await client.remoteFeatures();
      for (const name of ['close-reason', 'heartbeat', 'hello', 'cancel', 'describe']) assert.ok(features.has(name), name);
    } finally {
      client.close();
    }
  });

  it('authenticates the credential of #sys.hello and gives handlers the identity', async () => {
    const seen: AuthenticateRequest[] = [];
    const listener = await serve('tcp://127.0.0.1:0', { registry: whoamiRegistry(), authenticate: tokenAuth(seen) });
    const client = await connectPeer(listener.url, { logger: silentLogger, credentials: TOKEN });
    try {
      assert.deepEqual(await client.call('whoami'), { subject: 'alice', groups: ['admin'] });
      assert.equal(await client.call('drop'), 'dropped');
      assert.equal(seen.length, 1, 'authenticate runs once per connection');
      assert.equal(seen[0]!.credentials, TOKEN);
      assert.equal(seen[0]!.remoteAddress, '127.0.0.1');
    } finally {
      client.close();
    }
  });

  it('runs authenticate on the first call when no credential came, and answers #sys.features before it', async () => {
    const seen: AuthenticateRequest[] = [];
    const listener = await serve('tcp://127.0.0.1:0', { registry: whoamiRegistry(), authenticate: tokenAuth(seen) });
    const client = await connectPeer(listener.url, { logger: silentLogger });
    try {
      assert.ok((await client.remoteFeatures()).has('hello'));
      assert.equal(seen.length, 0, '#sys.features does not authenticate');
      assert.deepEqual(await client.call('whoami'), { subject: 'anonymous', groups: [] });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.credentials, undefined);
    } finally {
      client.close();
    }
  });

  it('refuses a wrong credential: connectPeer rejects with permission-denied and the connection closes', async () => {
    const listener = await serve('tcp://127.0.0.1:0', { registry: whoamiRegistry(), authenticate: tokenAuth() });
    await assert.rejects(connectPeer(listener.url, { logger: silentLogger, credentials: 'wrong' }), (error) => isSparrowError(error, 'permission-denied') && /wrong token/.test(error.message));
  });

  it('answers the waiting requests with permission-denied when authenticate refuses without a credential, then closes with the reason', async () => {
    const listener = await serve('tcp://127.0.0.1:0', {
      registry: whoamiRegistry(),
      authenticate: () => {
        throw new SparrowError(ErrorCode.PermissionDenied, 'clients must say hello');
      },
    });
    // heartbeatMs makes the client greet without a credential: the server learns it lists close-reason.
    const client = await connectPeer(listener.url, { logger: silentLogger, heartbeatMs: 60_000 }).catch((error: unknown) => error);
    assert.ok(isSparrowError(client, 'permission-denied'), 'the hello without a credential is refused too');
    const bare = await connectPeer(listener.url, { logger: silentLogger });
    const [first, second] = await Promise.allSettled([bare.call('whoami'), bare.call('whoami')]);
    for (const outcome of [first, second]) assert.ok(outcome.status === "rejected" && isSparrowError(outcome.reason, "permission-denied"), outcome.status === "rejected" ? String(outcome.reason) : "fulfilled");
    await bare.closed;
  });

  it('sends a reference-like peer nothing but #sys.features, and warns once that the credential was not sent', async () => {
    const received: IncomingMessage[] = [];
    // A peer without the session part, as the reference is: it answers #sys.features not-found-free but lists no hello.
    const listener = await listen('tcp://127.0.0.1:0', (transport) => {
      const link = createMessageLink(transport);
      const start = link.start.bind(link);
      link.start = (handlers) => start({ ...handlers, onMessage: (message) => (received.push(message), handlers.onMessage(message)) });
      const peer = createPeer(link, { logger: silentLogger });
      peer.export('echo', (params) => params);
    });
    try {
      const logger = recordingLogger();
      const client = await connectPeer(listener.url, { logger, credentials: TOKEN, heartbeatMs: 20 });
      assert.deepEqual(await client.call('echo', { a: 1 }), { a: 1 });
      await new Promise((resolve) => setTimeout(resolve, 80));
      client.close();
      assert.deepEqual(
        received.map((m) => (m.kind === 'request' ? `${m.namespace ?? ''}.${m.target}` : m.kind)),
        ['#sys.features', '.echo'],
      );
      assert.equal(logger.lines.filter((line) => /credentials not sent/.test(line)).length, 1);
    } finally {
      await listener.close();
    }
  });
});

describe('session: identity from the transport', () => {
  it('gives handlers the CN of a verified client certificate, and authenticate the certificate', async () => {
    const server = createTestCertificate('localhost');
    const alice = createTestCertificate('alice');
    const seen: AuthenticateRequest[] = [];
    const plain = await serve('tls://127.0.0.1:0', { registry: whoamiRegistry(), tls: { cert: server.cert, key: server.key, ca: alice.cert } });
    const hooked = await serve('tls://127.0.0.1:0', {
      registry: whoamiRegistry(),
      tls: { cert: server.cert, key: server.key, ca: alice.cert },
      authenticate: (request) => (seen.push(request), { subject: `cert:${String(request.peerCertificate?.subject['CN'])}`, groups: [] }),
    });
    const tls = { ca: server.cert, cert: alice.cert, key: alice.key };
    for (const [listener, subject] of [[plain, 'alice'], [hooked, 'cert:alice']] as const) {
      const client = await connectPeer(listener.url, { logger: silentLogger, tls });
      try {
        assert.deepEqual(await client.call('whoami'), { subject, groups: [] });
      } finally {
        client.close();
      }
    }
    assert.match(seen[0]!.peerCertificate!.fingerprint256, /^[0-9A-F:]+$/);
  });

  it('gives authenticate the upgrade request of a ws connection', async () => {
    const seen: AuthenticateRequest[] = [];
    const listener = await serve('ws://127.0.0.1:0/rpc', { registry: whoamiRegistry(), authenticate: tokenAuth(seen) });
    const client = await connectPeer(`${listener.url}?room=7`, { logger: silentLogger, credentials: TOKEN });
    try {
      assert.equal((await client.call<{ subject: string }>('whoami')).subject, 'alice');
      assert.equal(seen[0]!.request!.url, '/rpc?room=7');
      assert.equal(seen[0]!.request!.origin, undefined, 'a Node client sends no Origin');
      assert.equal(typeof seen[0]!.request!.headers['sec-websocket-key'], 'string');
    } finally {
      client.close();
    }
  });
});

describe('session: ws origins', () => {
  it('admits no Origin, its own host (loopback names as one) and allowedOrigins; refuses others', () => {
    assert.equal(originAllowed(undefined, '127.0.0.1'), true);
    assert.equal(originAllowed('http://localhost:5173', '127.0.0.1'), true);
    assert.equal(originAllowed('http://[::1]:80', 'localhost'), true);
    assert.equal(originAllowed('https://evil.example', '127.0.0.1'), false);
    assert.equal(originAllowed('null', '127.0.0.1'), false);
    assert.equal(originAllowed('https://app.example', 'api.example'), false);
    assert.equal(originAllowed('https://app.example', 'api.example', ['https://app.example']), true);
    assert.equal(originAllowed('https://other.example', 'api.example', ['*']), true);
  });

  it('refuses the upgrade of a foreign page with 403', async () => {
    const listener = await serve('ws://127.0.0.1:0/', { allowedOrigins: ['https://app.example'] });
    const { WebSocket } = await import('ws');
    const status = async (origin: string): Promise<number | 'open'> => {
      const socket = new WebSocket(listener.url, { origin });
      const outcome = await Promise.race([
        once(socket, 'open').then(() => 'open' as const),
        once(socket, 'unexpected-response').then(([, response]) => (response as { statusCode: number }).statusCode),
      ]);
      socket.terminate();
      return outcome;
    };
    assert.equal(await status('https://evil.example'), 403);
    assert.equal(await status('https://app.example'), 'open');
    assert.equal(await status('http://127.0.0.1:9999'), 'open');
  });
});

describe('session: describe, errors and close', () => {
  it('lists in #sys.describe only what the caller may call, and can turn describe off', async () => {
    const registry = whoamiRegistry();
    const listener = await serve('tcp://127.0.0.1:0', { registry, authenticate: tokenAuth() });
    const names = async (peer: Peer): Promise<string[]> =>
      ((await peer.call('describe', undefined, { namespace: '#sys' })) as { targets: { name: string }[] }).targets.map((t) => t.name);
    const anonymous = await connectPeer(listener.url, { logger: silentLogger });
    const admin = await connectPeer(listener.url, { logger: silentLogger, credentials: TOKEN });
    const off = await serve('tcp://127.0.0.1:0', { registry, describe: false });
    const other = await connectPeer(off.url, { logger: silentLogger });
    try {
      assert.deepEqual(await names(anonymous), ['whoami']);
      assert.deepEqual(await names(admin), ['drop', 'whoami']);
      await assert.rejects(other.call('describe', undefined, { namespace: '#sys' }), (error) => isSparrowError(error, 'target-not-found'));
      assert.equal((await other.remoteFeatures()).has('describe'), false);
    } finally {
      for (const peer of [anonymous, admin, other]) peer.close();
    }
  });

  it('exposeErrors: false answers a plain exception with a generic message whose id is in the log', async () => {
    const registry = createRegistry();
    registry.export('read', () => {
      throw new Error("ENOENT: no such file or directory, open '/srv/app/secret.json'");
    });
    registry.export('typed', () => {
      throw new SparrowError(ErrorCode.InvalidParams, 'name is required');
    });
    const logger = recordingLogger();
    const listener = await serve('tcp://127.0.0.1:0', { registry, exposeErrors: false, logger });
    const client = await connectPeer(listener.url, { logger: silentLogger });
    try {
      const error = await client.call('read').catch((e: unknown) => e as SparrowError);
      assert.ok(isSparrowError(error, 'callee-error'));
      assert.doesNotMatch(error.message, /srv|ENOENT/);
      const id = /id ([\w-]+)/.exec(error.message)?.[1];
      assert.ok(id !== undefined, error.message);
      assert.ok(logger.lines.some((line) => line.includes(id) && line.includes('/srv/app/secret.json')), logger.lines.join('\n'));
      await assert.rejects(client.call('typed'), (e) => isSparrowError(e, 'invalid-params') && e.message === 'name is required');
    } finally {
      client.close();
    }
  });

  it('closes gracefully: stops accepting, peers that listed close-reason hear it, and a call in flight still finishes', async () => {
    const registry = createRegistry();
    let release!: () => void;
    const started = new Promise<void>((resolve) => registry.export('slow', () => (resolve(), new Promise((r) => (release = () => r('finished'))))));
    const listener = await listenPeers('tcp://127.0.0.1:0', { registry, logger: silentLogger, closeGraceMs: 30_000 });
    const client = await connectPeer(listener.url, { logger: silentLogger, heartbeatMs: 60_000 });
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason.message));
    const call = client.call('slow', undefined, { timeoutMs: 0 });
    await started;
    const closing = listener.close();
    // The server said it is going away; the call is still answered before the connection ends.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.isClosed, false);
    // It stops accepting: a connection made now is closed at once (before the call in flight is done).
    const late = await connectPeer(listener.url, { logger: silentLogger });
    await late.closed;
    assert.equal(client.isClosed, false);
    release();
    assert.equal(await call, 'finished');
    await closing;
    await client.closed;
    assert.match(reasons[0]!, /going-away/);
  });
});

describe('session: heartbeat', () => {
  it('fails a pending call and stream with connection-closed before their own timeouts when the server process is frozen (SIGSTOP)', async (t) => {
    if (process.platform === 'win32') return t.skip('SIGSTOP is POSIX only');
    const child = spawnFixture('test/fixtures/call-test-server.ts', ['tcp://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [url] = await readStdoutLines(child, 1, 30_000);
      const client = await connectPeer(url!, { logger: silentLogger, heartbeatMs: 100 });
      assert.deepEqual(await client.call('echo', { a: 1 }), { a: 1 });
      // A stream in flight: its first part came, the next is far away.
      const stream = client.callStream<number>('tick', { n: 2, gapMs: 600_000 }, { timeoutMs: 120_000 });
      assert.deepEqual(await stream.next(), { done: false, value: 1 });
      child.kill('SIGSTOP');
      // The call's own timeout is far beyond two heartbeat intervals: only the heartbeat can end it first.
      const outcome = await client.call('echo', { a: 2 }, { timeoutMs: 120_000 }).catch((error: unknown) => error);
      assert.ok(isSparrowError(outcome, 'connection-closed'), String(outcome));
      assert.match(outcome.message, /heartbeat/);
      assert.equal(client.isClosed, true);
      await assert.rejects(stream.next(), (error) => isSparrowError(error, 'connection-closed'));
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
});
