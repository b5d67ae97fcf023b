/**
 * Randomized wire fuzz against LIVE peers over real sockets (deterministic:
 * a seeded PRNG, so every run sends the same bytes).
 *
 * Server side: test/fixtures/fuzz-target-peer.ts (a `listenPeers` endpoint
 * in a child process, so a crash shows as the child exiting) gets a few
 * thousand mutated chains built from the captured vectors
 * (test/fixtures/vectors/*.hex) over many raw TCP connections. Asserted:
 * - the child never exits;
 * - its stderr holds only the one-line `LOG …` reports of its logger (see
 *   the fixture): any other non-empty line — a stack frame `    at …`,
 *   `Uncaught…`, `TypeError`/`RangeError`/… at the start of a line, Node's
 *   `node:internal` banners — counts as an uncaught exception; a logged
 *   detail that is a bare TypeError/RangeError/ReferenceError (an internal
 *   bug caught only by a safety net, not a clear protocol error) counts too;
 * - after every batch a fresh, well-behaved peer gets `#sys.ping` → "pong"
 *   and an `echo` answered within a timeout;
 * - on every fuzzed connection, a well-formed `#sys.ping` sent after the
 *   garbage is answered or the connection is closed by the peer within a
 *   bound. When the garbage leaves the byte stream in the middle of a chain
 *   (a declared part length the peer is still waiting for, which swallows
 *   the ping: no receiver could tell), the test half-closes its side after
 *   the ping and the peer must then close the connection within the bound.
 *
 * Client side: a raw fake server answers a real connecting peer's calls and
 * streams with mutated response chains (or nothing, or a close); every call
 * must settle — result, `SparrowError`, or connection-closed — within its
 * timeout plus slack, and no uncaught exception or unhandled rejection may
 * reach this process.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import { pack, unpack } from 'msgpackr';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { connectPeer } from '../../runtime/connection/node-endpoints.ts';
import { SparrowError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/rpc/logger.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';
import { createRandom } from '../helpers/seeded-random.ts';
import { loadVectors, type VectorChain } from '../helpers/vectors.ts';

const SEED = 0x5eed_f00d;
const BATCHES = 40;
const CONNECTIONS_PER_BATCH = 12;
const CHAINS_PER_CONNECTION = 16;
/** Bound for a ping after garbage to be answered, or the connection closed. */
const SETTLE_BOUND_MS = 3_000;
/** Client-side fuzz: the peer's call timeout, and the slack allowed on top. */
const CLIENT_TIMEOUT_MS = 300;
const CLIENT_SLACK_MS = 1_500;
const CLIENT_CONNECTIONS = 80;
const CLIENT_CALLS_PER_CONNECTION = 6;

// ---- deterministic random source ----

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = createRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) out[k] = this.int(256);
    return out;
  }
}

// ---- binarychain framing (PROTOCOL.md §1), written out here so the fuzz does not lean on the code under test ----

function lengthBytes(length: number): number[] {
  const out: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

function frame(prefix: string, parts: readonly Uint8Array[]): Uint8Array {
  const pieces: Uint8Array[] = [Buffer.from(prefix, 'latin1')];
  for (const part of parts) {
    const len = lengthBytes(part.length);
    pieces.push(Uint8Array.from([0x80 + len.length, ...len]), part);
  }
  pieces.push(Uint8Array.of(0xff));
  return Uint8Array.from(Buffer.concat(pieces));
}

interface Parsed {
  prefix: string;
  parts: Uint8Array[];
  /** Offsets of each SOP byte in the chain. */
  sops: number[];
}

/** Splits one complete chain (a vector) into prefix and parts. */
function parseChain(bytes: Uint8Array): Parsed {
  let i = 0;
  let prefix = '';
  while (bytes[i]! < 0x80) prefix += String.fromCharCode(bytes[i++]!);
  const parts: Uint8Array[] = [];
  const sops: number[] = [];
  while (bytes[i] !== 0xff) {
    sops.push(i);
    const n = bytes[i++]! - 0x80;
    let len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + bytes[i++]!;
    parts.push(bytes.slice(i, i + len));
    i += len;
  }
  return { prefix, parts, sops };
}

/**
 * Mirrors the receiver's framing state (limits: 64-byte prefix, 10 parts,
 * 10 MiB part) to tell where the garbage leaves the byte stream; also splits
 * what the peer sends back into chains.
 */
class MirrorDecoder {
  state: 'idle' | 'mid' | 'dead' = 'idle';
  private prefixLen = 0;
  private phase: 'prefix' | 'sop' | 'len' | 'data' = 'prefix';
  private lenLeft = 0;
  private dataLeft = 0;
  private prefix = '';
  private parts: number[][] = [];
  private current: number[] = [];
  private readonly keep: boolean;
  readonly chains: { prefix: string; parts: Uint8Array[] }[] = [];
  constructor(keep: boolean) {
    this.keep = keep;
  }
  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (this.state === 'dead') return;
      this.state = 'mid';
      switch (this.phase) {
        case 'prefix':
        case 'sop':
          if (this.phase === 'prefix' && byte < 0x80) {
            if (++this.prefixLen > 64) this.state = 'dead';
            if (this.keep) this.prefix += String.fromCharCode(byte);
            break;
          }
          this.phase = 'sop';
          if (byte === 0xff) {
            if (this.keep) this.chains.push({ prefix: this.prefix, parts: this.parts.map((p) => Uint8Array.from(p)) });
            this.reset();
          } else if (byte < 0x80 || byte > 0x88 || this.parts.length >= 10) {
            this.state = 'dead';
          } else {
            this.parts.push((this.current = []));
            this.lenLeft = byte - 0x80;
            this.dataLeft = 0;
            this.phase = this.lenLeft === 0 ? 'sop' : 'len';
          }
          break;
        case 'len':
          this.dataLeft = this.dataLeft * 256 + byte;
          if (this.dataLeft > 10 * 1024 * 1024) this.state = 'dead';
          else if (--this.lenLeft === 0) this.phase = this.dataLeft === 0 ? 'sop' : 'data';
          break;
        case 'data':
          if (this.keep) this.current.push(byte);
          if (--this.dataLeft === 0) this.phase = 'sop';
          break;
      }
    }
  }
  private reset(): void {
    this.state = 'idle';
    this.phase = 'prefix';
    this.prefixLen = 0;
    this.prefix = '';
    this.parts = [];
  }
}

// ---- envelope helpers ----

const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));

function encodeEnvelope(code: string, envelope: unknown): Uint8Array {
  if (code === 'm') return Uint8Array.from(pack(envelope));
  if (code === 'c') return Uint8Array.from(cborEncode(envelope));
  return utf8(JSON.stringify(envelope, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value)));
}

function decodeEnvelope(code: string, bytes: Uint8Array): unknown {
  if (code === 'm') return unpack(bytes);
  if (code === 'c') return cborDecode(bytes);
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

/** Where the envelope sits in a vector chain and in which serialiser: part 0 under a prefix, part 2 in the HEAD layout. */
function envelopeSlot(chain: VectorChain, parsed: Parsed): { index: number; code: string } {
  return parsed.prefix === '' ? { index: 2, code: chain.annotation.serialiser } : { index: 0, code: chain.annotation.serialiser };
}

const ID_KEYS = ['i', 'p', 'x', 'a', 'pm', 'pmt', 'pmf', 'xa', 'pa', 'ra', 'rq', 'rs', 'n', 'c'];

/** A vector chain re-encoded with every id-bearing key equal to 1 set to `id` (other keys untouched). */
function withId(chain: VectorChain, id: unknown): Uint8Array {
  const parsed = parseChain(chain.bytes);
  const slot = envelopeSlot(chain, parsed);
  const envelope = decodeEnvelope(slot.code, parsed.parts[slot.index]!) as Record<string, unknown>;
  for (const key of ['i', 'p', 'x', 'a', 'pm', 'pmt', 'pmf']) if (envelope[key] === 1) envelope[key] = id;
  const parts = [...parsed.parts];
  parts[slot.index] = encodeEnvelope(slot.code, envelope);
  return frame(parsed.prefix, parts);
}

const ODD_IDS: unknown[] = [-1, 0, 1.5, '1', '', null, true, [], {}, [1], { i: 1 }, 2 ** 53 + 2, 1e308, -0, 'x'.repeat(300), 4294967297];
const ODD_VALUES: unknown[] = [...ODD_IDS, 'ping', '#sys', 'm', 'j', 'c', '.5', '0.1.2', 'zz', 42];

function deepJson(depth: number): Uint8Array {
  return utf8('['.repeat(depth) + ']'.repeat(depth));
}
function deepBinary(depth: number, open: number, leaf: number): Uint8Array {
  const out = new Uint8Array(depth + 1).fill(open);
  out[depth] = leaf;
  return out;
}

// ---- the mutators ----

type Mutator = (rng: Rng, source: VectorChain, corpus: readonly VectorChain[]) => Uint8Array;

const mutators: Record<string, Mutator> = {
  bitFlip(rng, source) {
    const out = source.bytes.slice();
    for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  insertBytes(rng, source) {
    const at = rng.int(source.bytes.length + 1);
    return Uint8Array.from([...source.bytes.subarray(0, at), ...rng.bytes(1 + rng.int(8)), ...source.bytes.subarray(at)]);
  },
  deleteBytes(rng, source) {
    const at = rng.int(source.bytes.length);
    return Uint8Array.from([...source.bytes.subarray(0, at), ...source.bytes.subarray(at + 1 + rng.int(6))]);
  },
  truncate(rng, source) {
    return source.bytes.slice(0, rng.int(source.bytes.length));
  },
  lengthByte(rng, source) {
    const parsed = parseChain(source.bytes);
    const out = source.bytes.slice();
    const sop = rng.pick(parsed.sops);
    if (rng.next() < 0.3) out[sop] = 0x80 + rng.int(9);
    else if (out[sop]! > 0x80) out[sop + 1] = rng.pick([0, 1, out[sop + 1]! + 1, out[sop + 1]! - 1, 0x7f, 0xff, rng.int(256)]) & 0xff;
    return out;
  },
  duplicatePart(rng, source) {
    const parsed = parseChain(source.bytes);
    const parts = [...parsed.parts];
    const k = rng.int(parts.length);
    for (let n = 1 + rng.int(rng.next() < 0.2 ? 12 : 2); n > 0; n--) parts.splice(k, 0, parts[k]!);
    return frame(parsed.prefix, parts);
  },
  concatenate(rng, source, corpus) {
    return Uint8Array.from([...source.bytes, ...rng.pick(corpus).bytes, ...(rng.next() < 0.5 ? rng.pick(corpus).bytes : [])]);
  },
  trailingGarbage(rng, source) {
    return Uint8Array.from([...source.bytes.subarray(0, 1 + rng.int(source.bytes.length)), ...rng.bytes(1 + rng.int(64))]);
  },
  hugeLength(rng, source) {
    const parsed = parseChain(source.bytes);
    const head = [...Buffer.from(parsed.prefix, 'latin1')];
    const huge = rng.pick([
      [0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      [0x84, 0x7f, 0xff, 0xff, 0xff],
      [0x84, 0x00, 0xa0, 0x00, 0x01], // just over 10 MiB
      [0x83, 0x9f, 0xff, 0xff], // just under 10 MiB: the peer waits for it
      [0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00],
    ]);
    return Uint8Array.from([...head, ...huge, ...rng.bytes(rng.int(32))]);
  },
  deepPayload(rng) {
    const depth = rng.pick([100, 1_000, 20_000, 100_000]);
    const kind = rng.int(6);
    const id = 1 + rng.int(1000);
    if (kind === 0) return frame('j', [utf8(JSON.stringify({ r: 'echo', i: id, v: '.5', l: null })), deepJson(depth)]);
    if (kind === 1) return frame('j', [utf8(JSON.stringify({ r: 'echo', i: id, v: '.5', l: 'm' })), deepBinary(depth, 0x91, 0xc0)]);
    if (kind === 2) return frame('c', [encodeEnvelope('c', { r: 'echo', i: id, v: '.5', l: null }), deepBinary(depth, 0x81, 0xf6)]);
    if (kind === 3) return frame('m', [deepBinary(depth, 0x91, 0xc0)]);
    if (kind === 4) return frame('j', [deepJson(depth)]);
    return frame('j', [utf8(`{"r":"echo","i":${id},"v":".5","l":null,"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`)]);
  },
  wrongSerialiser(rng, source) {
    const parsed = parseChain(source.bytes);
    const code = rng.pick(['j', 'm', 'c', 'b', 'x', 'J', '', 'jm', '\x00', 'zzzz']);
    if (parsed.prefix === '') {
      const parts = [...parsed.parts];
      parts[1] = utf8(code);
      if (rng.next() < 0.3) parts[0] = utf8(rng.pick(['.4', '.6', '', '0.1.2', 'x']));
      return frame('', parts);
    }
    return frame(code, parsed.parts);
  },
  envelopeKeys(rng, source) {
    const parsed = parseChain(source.bytes);
    const slot = envelopeSlot(source, parsed);
    const envelope = decodeEnvelope(slot.code, parsed.parts[slot.index]!) as Record<string, unknown>;
    const keys = Object.keys(envelope);
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const what = rng.int(3);
      if (what === 0 && keys.length > 0) delete envelope[rng.pick(keys)];
      else if (what === 1) envelope[rng.pick([...ID_KEYS, 's', 'l', 'v', '#cb', 'zz', '__proto__', 'constructor'])] = rng.pick(ODD_VALUES);
      else if (keys.length > 0) envelope[rng.pick(keys)] = rng.pick(ODD_VALUES);
    }
    const parts = [...parsed.parts];
    parts[slot.index] = encodeEnvelope(slot.code, envelope);
    return frame(parsed.prefix, parts);
  },
  oddId(rng, source) {
    return withId(source, rng.pick(ODD_IDS));
  },
  oddParams(rng) {
    const params = rng.pick<unknown>([[1, 2], 'str', 7, null, true, { name: { deep: [1, { x: null }] } }, { nums: 5 }, { cb: 1 }, { ask: 'x' }, { n: -1 }, { n: 1e9 }]);
    const target = rng.pick(['echo', 'hello_world', 'count', 'ask', 'multipart_response', 'iterable_param', 'division', 'request_callback', 'nope']);
    const cbPart = rng.next() < 0.3 ? [utf8(JSON.stringify({ '#cb': rng.pick<unknown>([{ ask: { p: null } }, { cb: 1 }, [], 'x', null]), '#icb': rng.pick<unknown>([{}, { nums: null }, 5]) }))] : [];
    return frame('j', [utf8(JSON.stringify({ r: target, i: 1 + rng.int(1000), v: '.5', l: null })), utf8(JSON.stringify(params)), ...cbPart]);
  },
  randomBytes(rng) {
    return rng.bytes(1 + rng.int(100));
  },
};
const mutatorNames = Object.keys(mutators);
const framingKeepers = ['duplicatePart', 'concatenate', 'wrongSerialiser', 'envelopeKeys', 'oddId', 'oddParams'];

// ---- server-side fuzz ----

const corpus = loadVectors().flatMap((vector) => vector.chains);
let child: ChildProcess | undefined;
let url = '';
let port = 0;
const stderrLines: string[] = [];
let childExit: string | undefined;

function pingChain(id: number): Uint8Array {
  return frame('j', [utf8(JSON.stringify({ r: 'ping', i: id, v: '.5', s: '#sys', l: null }))]);
}

type Outcome = 'answered' | 'closed-by-peer' | 'closed-after-half-close';

/** Sends `garbage` then a ping on one raw connection; resolves how the ping settled, rejects when it did not within the bound. */
function fuzzConnection(garbage: readonly Uint8Array[], pingId: number, rng: Rng): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const mirror = new MirrorDecoder(false);
    for (const chain of garbage) mirror.push(chain);
    const halfClose = mirror.state === 'mid';
    const replies = new MirrorDecoder(true);
    let done = false;
    const finish = (outcome: Outcome | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () => finish(new Error(`ping ${pingId} after ${garbage.length} chains (stream ${mirror.state}) neither answered nor closed within ${SETTLE_BOUND_MS} ms; garbage: ${garbage.map((g) => Buffer.from(g).toString('hex').slice(0, 200)).join(' | ')}`)),
      SETTLE_BOUND_MS,
    );
    socket.on('error', () => finish(halfClose ? 'closed-after-half-close' : 'closed-by-peer'));
    socket.on('close', () => finish(halfClose ? 'closed-after-half-close' : 'closed-by-peer'));
    socket.on('data', (chunk: Buffer) => {
      replies.push(chunk);
      for (const chain of replies.chains.splice(0)) {
        if (chain.prefix !== 'j' || chain.parts[0] === undefined) continue;
        try {
          const envelope = JSON.parse(Buffer.from(chain.parts[0]).toString('utf8')) as Record<string, unknown>;
          if (envelope['p'] === pingId || envelope['x'] === pingId) finish('answered');
        } catch {
          // not one of ours
        }
      }
    });
    socket.on('connect', () => {
      // Random chunking: whole chains, or split at random points.
      const all = Buffer.concat([...garbage, pingChain(pingId)]);
      let at = 0;
      while (at < all.length) {
        const size = rng.next() < 0.5 ? all.length - at : 1 + rng.int(64);
        socket.write(all.subarray(at, at + size));
        at += size;
      }
      if (halfClose) socket.end();
    });
  });
}

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function healthCheck(label: string): Promise<void> {
  assert.equal(childExit, undefined, `the fuzzed peer exited (${label}): ${childExit}`);
  const peer = await connectPeer(url, { timeoutMs: 3_000, logger: silent });
  try {
    assert.equal(await peer.call('ping', {}, { namespace: '#sys' }), 'pong', label);
    assert.deepEqual(await peer.call('echo', { label }), { label }, label);
    assert.equal(await peer.call('hello_world', { name: 'fuzz' }), 'Hello fuzz!', label);
  } finally {
    peer.close();
    await peer.closed;
  }
}

const UNCAUGHT_LINE = /^(Uncaught|\s+at |(Type|Range|Reference|Syntax|Eval)?Error\b|node:internal|Node\.js v|file:\/\/|\[?ERR_)/;
const RAW_ERROR_DETAIL = /\| (TypeError|RangeError|ReferenceError|EvalError)\b/;

describe('peer fuzz: a live peer over TCP', { timeout: 60_000 }, () => {
  before(async () => {
    child = spawnFixture('test/fixtures/fuzz-target-peer.ts', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.setEncoding('utf8');
    let partial = '';
    child.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      stderrLines.push(...lines.filter((line) => line !== ''));
    });
    child.on('exit', (code, signal) => {
      childExit = `code ${code} signal ${signal}`;
    });
    url = (await readStdoutLines(child, 1, 20_000))[0] ?? '';
    port = Number(new URL(url.replace(/^tcp:/, 'http:')).port);
    assert.ok(port > 0, url);
  });

  after(async () => {
    if (child !== undefined && childExit === undefined) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.stdin!.end();
      const timer = setTimeout(() => child!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('survives thousands of mutated chains, answers well-behaved peers after every batch, and never leaves a ping after garbage hanging', async () => {
    const rng = new Rng(SEED);
    const counts: Record<string, number> = Object.fromEntries(mutatorNames.map((name) => [name, 0]));
    const outcomes: Record<Outcome, number> = { answered: 0, 'closed-by-peer': 0, 'closed-after-half-close': 0 };
    let chains = 0;
    let pingId = 900_000;
    const started = Date.now();
    await healthCheck('before fuzzing');
    for (let batch = 0; batch < BATCHES; batch++) {
      const connections: Promise<Outcome>[] = [];
      for (let c = 0; c < CONNECTIONS_PER_BATCH; c++) {
        const garbage: Uint8Array[] = [];
        const n = 1 + rng.int(CHAINS_PER_CONNECTION);
        for (let k = 0; k < n; k++) {
          // A third are intact vectors, so garbage lands among valid traffic.
          if (rng.next() < 0.3) {
            garbage.push(rng.pick(corpus).bytes);
            continue;
          }
          const name = rng.pick(mutatorNames);
          counts[name]!++;
          garbage.push(mutators[name]!(rng, rng.pick(corpus), corpus));
        }
        chains += garbage.length;
        connections.push(fuzzConnection(garbage, ++pingId, new Rng(rng.int(2 ** 32))));
      }
      for (const outcome of await Promise.all(connections)) outcomes[outcome]++;
      await healthCheck(`after batch ${batch}`);
    }
    const elapsed = Date.now() - started;
    const uncaught = stderrLines.filter((line) => !line.startsWith('LOG ') || RAW_ERROR_DETAIL.test(line) || UNCAUGHT_LINE.test(line.replace(/^LOG \w+ /, '')));
    if (process.env.FUZZ_DUMP_LOG) for (const line of stderrLines) console.log(line);
    console.log(`server fuzz: ${chains} chains over ${BATCHES * CONNECTIONS_PER_BATCH} connections in ${elapsed} ms; mutations ${JSON.stringify(counts)}; pings ${JSON.stringify(outcomes)}; ${stderrLines.length} log lines`);
    assert.deepEqual(uncaught, [], 'stderr of the fuzzed peer shows an uncaught exception or a raw internal error');
    assert.equal(childExit, undefined, 'the fuzzed peer exited');
    assert.ok(chains >= 1_000, `sent ${chains} chains`);
  });
});

// ---- client-side fuzz ----

const responseCorpus = corpus.filter((chain) => chain.direction === 'S>C');

describe('peer fuzz: a real peer calling a fake server that answers with mutated chains', { timeout: 60_000 }, () => {
  it('settles every call and stream within its timeout and throws nothing uncaught', async () => {
    const rng = new Rng(SEED ^ 0xc11e);
    const fired: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      fired.push(error);
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    const sockets = new Set<net.Socket>();
    let responsesSent = 0;
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      const requests = new MirrorDecoder(true);
      socket.on('data', (chunk: Buffer) => {
        requests.push(chunk);
        if (requests.state === 'dead') socket.destroy();
        for (const chain of requests.chains.splice(0)) {
          let id: unknown;
          try {
            const envelope = JSON.parse(Buffer.from(chain.parts[0] ?? []).toString('utf8')) as Record<string, unknown>;
            id = envelope['i'];
          } catch {
            continue;
          }
          if (typeof id !== 'number') continue; // a notification (cancel, credit): nothing to answer
          const choice = rng.next();
          if (choice < 0.05) {
            socket.destroy();
            return;
          }
          if (choice < 0.1) continue; // never answered: the call must time out
          for (let n = rng.next() < 0.2 ? 2 + rng.int(4) : 1; n > 0; n--) {
            const source = rng.pick(responseCorpus);
            let bytes = withId(source, id);
            if (rng.next() < 0.6) {
              // Mostly mutations that keep the framing intact, so the call meets a bad message and not just a closed connection.
              const name = rng.next() < 0.7 ? rng.pick(framingKeepers) : rng.pick(mutatorNames);
              bytes = mutators[name]!(rng, { ...source, bytes }, responseCorpus);
            }
            responsesSent++;
            socket.write(bytes);
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const serverUrl = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const outcomes = { result: 0, sparrowError: {} as Record<string, number>, stream: 0 };
    const bad: string[] = [];
    const started = Date.now();
    try {
      for (let c = 0; c < CLIENT_CONNECTIONS; c++) {
        const peer = await connectPeer(serverUrl, { timeoutMs: CLIENT_TIMEOUT_MS, logger: silent });
        const calls: Promise<void>[] = [];
        for (let k = 0; k < CLIENT_CALLS_PER_CONNECTION; k++) {
          const asStream = rng.next() < 0.25;
          const callStarted = Date.now();
          const work = asStream
            ? (async () => {
                // Idle timeout per part; the fake server sends at most 5 chains per request.
                for await (const _part of peer.callStream('multipart_response', {}, { window: Infinity })) outcomes.stream++;
              })()
            : peer.call('hello_world', { name: 'x' }).then(() => undefined);
          const bound = asStream ? CLIENT_TIMEOUT_MS * 6 + CLIENT_SLACK_MS : CLIENT_TIMEOUT_MS + CLIENT_SLACK_MS;
          calls.push(
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                bad.push(`connection ${c} call ${k} (${asStream ? 'stream' : 'call'}) did not settle within ${bound} ms`);
                resolve();
              }, bound);
              work.then(
                () => {
                  clearTimeout(timer);
                  outcomes.result++;
                  resolve();
                },
                (error: unknown) => {
                  clearTimeout(timer);
                  if (error instanceof SparrowError) outcomes.sparrowError[error.code] = (outcomes.sparrowError[error.code] ?? 0) + 1;
                  else bad.push(`connection ${c} call ${k} rejected with a non-SparrowError after ${Date.now() - callStarted} ms: ${String(error)}`);
                  resolve();
                },
              );
            }),
          );
        }
        await Promise.all(calls);
        peer.close();
        await peer.closed;
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Let any late rejection surface while the guards are still installed.
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
    console.log(`client fuzz: ${CLIENT_CONNECTIONS * CLIENT_CALLS_PER_CONNECTION} calls, ${responsesSent} response chains in ${Date.now() - started} ms; outcomes ${JSON.stringify(outcomes)}`);
    assert.deepEqual(bad, []);
    assert.deepEqual(fired, [], 'uncaught exception or unhandled rejection during the client fuzz');
  });
});
