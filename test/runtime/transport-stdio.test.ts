import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { parseCommandLine } from '../../runtime/transport/node/stdio.ts';
import { connect } from '../../runtime/transport/node/url.ts';
import { bytePattern } from '../helpers/byte-pattern.ts';
import { fixtureArgv } from '../helpers/fixture-process.ts';
import { probe, withTimeout } from '../helpers/transport-probe.ts';

const fixture = fileURLToPath(new URL('../fixtures/stdio-echo-peer.ts', import.meta.url));
const echoPeer = (...args: string[]): string =>
  ['stdio:' + JSON.stringify(process.execPath), '--import', 'tsx', JSON.stringify(fixture), ...args].join(' ');

describe('stdio connector', () => {
  it('exchanges chains with a child echo peer: small, 4 MiB, in pieces, and many in one tick', async () => {
    const client = probe(await connect(echoPeer()));
    try {
      const small = bytePattern(100, 1);
      client.transport.send(small);
      assert.ok(Buffer.from(small).equals(await client.waitForBytes(small.length)));

      const big = bytePattern(4 * 1024 * 1024, 2);
      client.transport.send(big);
      const afterBig = small.length + big.length;
      assert.ok(Buffer.from(big).equals((await client.waitForBytes(afterBig)).subarray(small.length)));

      // A chain in pieces (a large payload sent uncopied) arrives as its concatenation.
      const pieces = [bytePattern(20, 3), bytePattern(1024 * 1024 + 3, 4), bytePattern(1, 5)];
      client.transport.send(pieces);
      const joined = Buffer.concat(pieces);
      const afterPieces = afterBig + joined.length;
      assert.ok(joined.equals((await client.waitForBytes(afterPieces)).subarray(afterBig)));

      const chains: Uint8Array[] = [];
      for (let i = 0; i < 10_000; i++) chains.push(bytePattern(1 + (i % 40), i + 10));
      for (const chain of chains) client.transport.send(chain);
      const expected = Buffer.concat(chains);
      await client.transport.drained!();
      const all = await client.waitForBytes(afterPieces + expected.length);
      assert.ok(expected.equals(all.subarray(afterPieces)));
    } finally {
      client.transport.close();
    }
    assert.equal(await withTimeout(client.closed, 10_000, 'child exit'), undefined);
    assert.equal(client.closeCount(), 1);
  });

  it('closes cleanly when the child closes its side', async () => {
    const client = probe(await connect(echoPeer('--close-after', '3')));
    client.transport.send(new Uint8Array([1, 2, 3]));
    assert.equal(await withTimeout(client.closed, 10_000, 'child close'), undefined);
    assert.deepEqual([...client.bytes()], [1, 2, 3]);
    client.transport.send(new Uint8Array([4])); // dropped silently
    client.transport.close();
    assert.equal(client.closeCount(), 1);
  });

  it('reports a child that exits with a failure status as an error', async () => {
    const client = probe(await connect(`stdio:${JSON.stringify(process.execPath)} -e "process.exit(3)"`));
    const error = await withTimeout(client.closed, 10_000, 'child exit');
    assert.ok(isSparrowError(error, 'connection-closed'));
    assert.match(error.message, /status 3/);
  });

  it('survives EPIPE when the child is gone while we still write', async () => {
    const client = probe(await connect(`stdio:${JSON.stringify(process.execPath)} -e "process.stdin.destroy()"`));
    for (let i = 0; i < 20; i++) client.transport.send(bytePattern(256 * 1024, i));
    assert.equal(await withTimeout(client.closed, 10_000, 'child exit'), undefined);
    assert.equal(client.closeCount(), 1);
  });

  it('fails with connection-failed when the command does not exist', async () => {
    await assert.rejects(connect('stdio:/nonexistent/sparrow-no-such-command'), (error) => isSparrowError(error, 'connection-failed'));
  });

  it('rejects an empty command line as unsupported', async () => {
    await assert.rejects(connect('stdio:'), (error) => isSparrowError(error, 'unsupported'));
    await assert.rejects(connect('stdio:echo "unterminated'), (error) => isSparrowError(error, 'unsupported'));
  });
});

describe('stdio command-line parsing', () => {
  const cases: [string, string[]][] = [
    ['node a.js', ['node', 'a.js']],
    ['  node   a.js  ', ['node', 'a.js']],
    [`node -e 'console.log("hi")'`, ['node', '-e', 'console.log("hi")']],
    ['"/path with space/node" "a b"', ['/path with space/node', 'a b']],
    ['a\\ b "c\\"d" \'e\\f\'', ['a b', 'c"d', 'e\\f']],
    ['x "" \'\'', ['x', '', '']],
    ['a"b"c', ['abc']],
    ['$HOME *.ts', ['$HOME', '*.ts']],
    ['', []],
  ];
  for (const [line, argv] of cases) {
    it(`parses ${JSON.stringify(line)}`, () => assert.deepEqual(parseCommandLine(line), argv));
  }
});

describe('stdio listener', () => {
  /** Runs the echo peer as a child with raw pipes, as a parent process written in any language would. */
  function spawnPeer() {
    const child = spawn(process.execPath, fixtureArgv(fixture).slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { child, exited };
  }

  it('serves one connection on stdin/stdout and ends when stdin ends', async () => {
    const { child, exited } = spawnPeer();
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const sent = bytePattern(200_000, 5);
    child.stdin.write(sent);
    await withTimeout(
      (async () => {
        while (Buffer.concat(chunks).length < sent.length) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      10_000,
      'echo',
    );
    child.stdin.end();
    assert.equal(await withTimeout(exited, 10_000, 'child exit'), 0);
    assert.ok(Buffer.from(sent).equals(Buffer.concat(chunks)));
  });

  it('handles EPIPE on stdout without crashing when the parent stops reading', async () => {
    const { child, exited } = spawnPeer();
    child.stdout.destroy();
    child.stdin.on('error', () => {});
    child.stdin.write(bytePattern(100_000, 6));
    child.stdin.end();
    // 7: the fixture saw the connection break and exited on its own terms (an uncaught EPIPE would exit 1).
    const code = await withTimeout(exited, 10_000, 'child exit');
    assert.equal(code, 7);
  });
});
