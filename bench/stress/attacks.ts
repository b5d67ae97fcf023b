/**
 * The attack catalogue of issue 13, one row each, run against the listener
 * of server.ts. Each attack does what an attacker would and returns whether
 * the server held: the outcome it checks is an answer, a close or a refusal,
 * never a time. The harness (run.ts) adds the server's RSS and a probe's
 * latency around each; the test slice (test/stress/) runs the small scale.
 *
 * More rows are added to ATTACKS the same way.
 */
import { Buffer } from 'node:buffer';
import { WebSocket } from 'ws';
import { ErrorCode, connectPeer, isSparrowError, silentLogger } from '../../runtime/node.ts';
import { RawClient, answerOf, serialiserFor } from './raw-client.ts';

/** The credential server.ts's `authenticate` takes for the `admin` group; any other caller is anonymous. */
export const STRESS_ADMIN_TOKEN = 'stress-admin-token';

/** The listener under attack and what the harness knows about it. */
export interface StressTarget {
  tcp: string;
  ws: string;
  /** Connections the server holds now. */
  peers(): Promise<number>;
  /** The server's RSS peak since the row started. */
  peak(): Promise<number>;
  /** Bytes the server has logged so far. */
  logBytes(): number;
}

/** `full` is the sizes; `slice` is small enough for `npm test`. */
export type StressScale = 'full' | 'slice';

export interface AttackResult {
  held: boolean;
  /** What was seen, one short phrase. */
  detail: string;
  /**
   * The server's RSS peak at the end of the hostile phase, when the row goes
   * on with a legitimate one (reading back what was held) whose garbage is
   * not the attack's: the harness judges this one.
   */
  hostilePeak?: number;
}

export interface Attack {
  /** Item of the catalogue ("What broke or degraded"). */
  item: number;
  name: string;
  /** The server options this attack expects (the slice shortens deadlines). */
  run(target: StressTarget, scale: StressScale): Promise<AttackResult>;
}

const MiB = 1024 * 1024;

/** Resolves once `check` holds, polling; false when `ms` pass first. */
async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function openMany(url: string, count: number): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let k = 0; k < count; k++) clients.push(await RawClient.open(url));
  return clients;
}

function closeAll(clients: readonly RawClient[]): void {
  for (const client of clients) client.destroy();
}

/** A msgpack params part `{value: [{}, {}, …]}` of `count` empty maps (the 10 MiB chain of 10.5M maps). */
function emptyMapsParams(count: number): Uint8Array {
  const head = Buffer.from([0x81, 0xa5, ...Buffer.from('value'), 0xdd, 0, 0, 0, 0]);
  head.writeUInt32BE(count, head.length - 4);
  const out = new Uint8Array(head.length + count);
  out.set(head);
  out.fill(0x80, head.length);
  return out;
}

/** A JSON text nested `depth` arrays deep. */
function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

export const ATTACKS: readonly Attack[] = [
  {
    item: 1,
    name: 'pipelined requests, replies never read',
    async run(target, scale) {
      const count = scale === 'full' ? 150 : 40;
      const bytes = scale === 'full' ? 4 * MiB : 2 * MiB;
      const before = await target.peers();
      const client = await RawClient.open(target.tcp);
      client.socket.pause();
      for (let id = 1; id <= count; id++) client.request(id, 'big', { bytes });
      // Unread for a while: the server must hold back (backpressure) or cut the reader, not pile replies up.
      await new Promise((resolve) => setTimeout(resolve, scale === 'full' ? 5000 : 1500));
      const cut = (await target.peers()) <= before;
      const hostilePeak = await target.peak();
      client.socket.resume();
      // Read now: held back requests are answered, none lost (unless the reader was cut).
      let answered = 0;
      if (!cut) for (let id = 1; id <= count; id++) if ((await client.answer(id, 30_000))?.kind === 'response') answered++;
      client.destroy();
      const held = cut || answered === count;
      return { held, hostilePeak, detail: cut ? `slow consumer cut (${count} × ${bytes / MiB} MiB asked)` : `held back by backpressure while unread, then ${answered} of ${count} answered once read` };
    },
  },
  {
    item: 2,
    name: 'decode bomb: 10 MiB msgpack of empty maps',
    async run(target, scale) {
      const chains = scale === 'full' ? 7 : 2;
      const params = emptyMapsParams(10 * MiB - 64);
      const client = await RawClient.open(target.tcp);
      // A call first: the connection is past its handshake deadline before the big chains start.
      client.request(99, 'echo', { value: 'before' }, 'm');
      await client.answer(99);
      const answers: string[] = [];
      for (let id = 1; id <= chains; id++) {
        client.requestRaw(id, 'keep', 'm', params);
        answers.push(answerOf(await client.answer(id, 30_000)));
      }
      client.request(100, 'echo', { value: 'after' }, 'm');
      const after = answerOf(await client.answer(100, 10_000));
      client.destroy();
      const held = answers.every((a) => a === 'LimitExceeded') && after === 'response';
      return { held, detail: `${chains} chains of ${((params.length - 11) / 1e6).toFixed(1)}M maps answered ${[...new Set(answers)].join('/')}; then ${after}` };
    },
  },
  {
    item: 3,
    name: 'requests that cannot be read get an answer',
    async run(target) {
      const client = await RawClient.open(target.tcp);
      const json = serialiserFor('j');
      const text = (s: string): Uint8Array => new TextEncoder().encode(s);
      const cases: [string, () => void, string][] = [
        ['params too deep', () => client.requestRaw(1, 'echo', 'j', text(`{"value":${deepJson(100)}}`)), 'LimitExceeded'],
        ['bad JSON params', () => client.requestRaw(2, 'echo', 'j', text('{"value": [1, 2')), 'InvalidParams'],
        ['malformed #cb', () => client.requestRaw(3, 'echo', 'j', json({ value: 1 }), json({ '#cb': 5 })), 'InvalidParams'],
        ['params not a map', () => client.requestRaw(4, 'echo', 'j', text('[1, 2]')), 'InvalidParams'],
        ['bad msgpack params', () => client.requestRaw(5, 'echo', 'm', Uint8Array.of(0x82, 0xa1, 0x61)), 'InvalidParams'],
        ['msgpack too deep', () => client.requestRaw(6, 'echo', 'm', Uint8Array.from([0x81, 0xa1, 0x76, ...new Array<number>(100).fill(0x91), 0xc0])), 'LimitExceeded'],
      ];
      const seen: string[] = [];
      let held = true;
      for (const [, send] of cases) send();
      for (let id = 1; id <= cases.length; id++) {
        const got = answerOf(await client.answer(id, 10_000));
        seen.push(got);
        if (got !== cases[id - 1]![2]) held = false;
      }
      client.request(100, 'echo', { value: 'after' });
      const after = answerOf(await client.answer(100, 10_000));
      client.destroy();
      return { held: held && after === 'response', detail: `answers ${seen.join(', ')}; then ${after}` };
    },
  },
  {
    item: 4,
    name: 'idle sockets that send nothing',
    async run(target, scale) {
      const count = scale === 'full' ? 1000 : 100;
      const clients = await openMany(target.tcp, count);
      const closed = await eventually(() => clients.every((c) => c.isClosed), 30_000);
      const left = clients.filter((c) => !c.isClosed).length;
      closeAll(clients);
      return { held: closed, detail: closed ? `${count} silent sockets closed by the handshake deadline` : `${left} of ${count} still open` };
    },
  },
  {
    item: 5,
    name: 'half-chains declaring 10 MiB parts',
    async run(target, scale) {
      const count = scale === 'full' ? 500 : 60;
      const clients = await openMany(target.tcp, count);
      // "j", a part of 10 MiB - 1 declared (4 length bytes), then 1000 bytes of it.
      const start = Buffer.concat([Buffer.from([0x6a, 0x84, 0x00, 0x9f, 0xff, 0xff]), Buffer.alloc(1000, 0x20)]);
      for (const client of clients) client.send(start);
      const closed = await eventually(() => clients.every((c) => c.isClosed), 60_000);
      const left = clients.filter((c) => !c.isClosed).length;
      closeAll(clients);
      return { held: closed, detail: closed ? `${count} half-chains closed (input budget, then the partial-chain deadline)` : `${left} of ${count} still open` };
    },
  },
  {
    item: 5,
    name: 'slowloris: one byte at a time',
    async run(target, scale) {
      const count = scale === 'full' ? 300 : 30;
      const clients = await openMany(target.tcp, count);
      // A real call first (past the handshake deadline), then a chain that never ends, one byte at a time.
      for (const [k, client] of clients.entries()) client.request(k, 'echo', { value: k });
      await Promise.all(clients.map((client, k) => client.answer(k)));
      const chain = Buffer.from([0x6a, 0x83, 0x10, 0x00, 0x00]);
      let index = 0;
      const drip = setInterval(() => {
        const byte = index < chain.length ? chain.subarray(index, index + 1) : Buffer.from([0x20]);
        index++;
        for (const client of clients) client.send(byte);
      }, scale === 'full' ? 1000 : 50);
      const closed = await eventually(() => clients.every((c) => c.isClosed), 60_000);
      clearInterval(drip);
      const left = clients.filter((c) => !c.isClosed).length;
      closeAll(clients);
      return { held: closed, detail: closed ? `${count} dripping sockets closed by the partial-chain deadline after ${index} bytes each` : `${left} of ${count} still open` };
    },
  },
  {
    item: 5,
    name: 'ws: silence after the upgrade',
    async run(target, scale) {
      const count = scale === 'full' ? 100 : 10;
      const codes: number[] = [];
      const sockets = await Promise.all(
        Array.from({ length: count }, () => new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(target.ws);
          socket.on('open', () => resolve(socket));
          socket.on('error', reject);
          socket.on('close', (code) => codes.push(code));
        })),
      );
      const closed = await eventually(() => codes.length === count, 30_000);
      for (const socket of sockets) socket.terminate();
      const policy = codes.filter((code) => code === 1008).length;
      return { held: closed && policy === count, detail: `${codes.length} of ${count} closed, ${policy} with 1008` };
    },
  },
  {
    item: 6,
    name: '1 MB of garbage',
    async run(target, scale) {
      const connections = scale === 'full' ? 20 : 5;
      const logBefore = target.logBytes();
      const clients = await openMany(target.tcp, connections);
      clients[0]!.send(Buffer.alloc(1_000_000, 0xff));
      for (const client of clients.slice(1)) client.send(Buffer.from(Array.from({ length: 1_000_000 }, (_, k) => (k * 7919 + 13) & 0xff)));
      const closed = await eventually(() => clients.every((c) => c.isClosed), 10_000);
      closeAll(clients);
      // Let the last log lines land.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const logged = target.logBytes() - logBefore;
      return { held: closed && logged < 4096, detail: `${connections} connections ${closed ? 'closed' : 'NOT closed'}; ${logged} bytes logged` };
    },
  },
  {
    item: 7,
    name: 'ws: oversize message and garbage',
    async run(target) {
      const closeCode = (data: Uint8Array): Promise<number> =>
        new Promise((resolve, reject) => {
          const socket = new WebSocket(target.ws);
          socket.on('open', () => socket.send(data));
          socket.on('error', () => {});
          socket.on('close', (code) => resolve(code));
          setTimeout(() => reject(new Error('not closed')), 20_000).unref();
        });
      const big = await closeCode(new Uint8Array(11 * MiB));
      const garbage = await closeCode(Uint8Array.of(0x6a, 0x80, 0x10)); // a byte that is neither a part nor the end
      return { held: big === 1009 && garbage === 1002, detail: `oversize closed ${big}, garbage closed ${garbage}` };
    },
  },
  {
    item: 9,
    name: '__proto__ keys in every serialiser',
    async run(target) {
      const client = await RawClient.open(target.tcp);
      const seen: string[] = [];
      let held = true;
      const codes = ['j', 'm', 'c'] as const;
      for (const [k, code] of codes.entries()) {
        const value = JSON.parse('{"__proto__": {"polluted": 1}, "plain": 2}') as Record<string, unknown>;
        client.request(k + 1, 'echo', { value }, code);
        const answer = await client.answer(k + 1);
        const result = answer?.kind === 'response' ? (answer.result as Record<string, unknown>) : undefined;
        const own = result !== undefined && Object.hasOwn(result, '__proto__') && Object.getPrototypeOf(result) === Object.prototype;
        seen.push(`${code}:${own ? 'own' : 'lost'}`);
        if (!own) held = false;
      }
      client.destroy();
      const polluted = ({} as Record<string, unknown>).polluted !== undefined;
      return { held: held && !polluted, detail: seen.join(' ') };
    },
  },
  {
    item: 8,
    name: 'anonymous caller on an @auth member, and #sys.describe',
    async run(target) {
      const anonymous = await connectPeer(target.tcp, { logger: silentLogger });
      const admin = await connectPeer(target.tcp, { logger: silentLogger, credentials: STRESS_ADMIN_TOKEN });
      try {
        const refused = await anonymous.call('admin_only').then(
          () => false,
          (error: unknown) => isSparrowError(error, ErrorCode.PermissionDenied),
        );
        const listed = JSON.stringify(await anonymous.call('describe', undefined, { namespace: '#sys' }));
        const allowed = (await admin.call('admin_only')) === 'done';
        const wrongToken = await connectPeer(target.tcp, { logger: silentLogger, credentials: 'not-the-token' }).then(
          (peer) => {
            peer.close();
            return false;
          },
          (error: unknown) => isSparrowError(error, ErrorCode.PermissionDenied),
        );
        const hidden = !listed.includes('admin_only') && listed.includes('echo');
        return {
          held: refused && hidden && allowed && wrongToken,
          detail: `anonymous ${refused ? 'refused' : 'ADMITTED'}, describe ${hidden ? 'hides' : 'SHOWS'} it, admin ${allowed ? 'admitted' : 'refused'}, wrong token ${wrongToken ? 'refused' : 'ADMITTED'}`,
        };
      } finally {
        anonymous.close();
        admin.close();
      }
    },
  },
];

/** The listener options the slice runs with: deadlines short enough for a test. */
export const SLICE_SERVER_OPTIONS = {
  handshakeTimeoutMs: 1500,
  partialChainTimeoutMs: 2000,
  idleTimeoutMs: 4000,
};
