/**
 * The user-facing commands with nats:// URLs (issue 14): two `demo:server
 * --listen nats://…` processes as members of one service, `demo:client
 * --connect nats://…` running every demo call through a session, and
 * `sparrowc call` (the same contract as over tcp: answers on stdout, a
 * connection failure with its message and exit code).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { entryPoints, exited, spawnArgv, stop, tsNodeArgv, waitForLines } from '../../examples/demo/processes.ts';
import { runSparrowc } from '../helpers/cli.ts';
import { natsServerOrSkip, startNatsNode, type NatsNode } from '../helpers/nats-server.ts';

const nats = natsServerOrSkip();
const TIMEOUT = { timeout: 120_000 };

describe('demo and sparrowc call over nats://', 'skip' in nats ? { skip: nats.skip } : {}, () => {
  let node: NatsNode | undefined;
  const servers: ChildProcess[] = [];
  const url = (): string => `nats://${node!.address}/demo`;

  before(async () => {
    if (!('path' in nats)) return;
    node = await startNatsNode(nats.path);
    for (let i = 0; i < 2; i++) {
      const child = spawnArgv(tsNodeArgv(entryPoints.server, ['--listen', url()]), { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(child);
      assert.deepEqual(await waitForLines(child, /^listening on (\S+)$/, 1, 60_000), [url()]);
      child.stdout!.resume();
    }
  });
  after(async () => {
    await Promise.all(servers.map((child) => stop(child)));
    await node?.stop();
  });

  it('demo:client runs every demo call through a session, in each serialiser', TIMEOUT, async () => {
    for (const serializer of ['json', 'msgpack', 'cbor']) {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
      delete env['FORCE_COLOR'];
      const child = spawnArgv(tsNodeArgv(entryPoints.client, ['--connect', url(), '--serializer', serializer]), { stdio: ['ignore', 'pipe', 'pipe'], env });
      let output = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited(child);
      clearTimeout(timer);
      assert.equal(code, 0, output);
      assert.match(output, /\d+ calls: (\d+) ✓, 0 ✗/, output);
    }
  });

  it('sparrowc call answers through a member, and says when no member listens', TIMEOUT, async () => {
    const ping = await runSparrowc(['call', url(), '#sys.ping'], { timeoutMs: 60_000 });
    assert.equal(ping.code, 0, ping.stderr);
    assert.equal(ping.stdout.trim(), '"pong"');
    const hello = await runSparrowc(['call', url(), 'hello_world', '{"name":"Bill"}'], { timeoutMs: 60_000 });
    assert.equal(hello.stdout.trim(), '"Hello Bill!"', hello.stderr);
    const nobody = await runSparrowc(['call', `nats://${node!.address}/nobody`, '#sys.ping'], { timeoutMs: 60_000 });
    assert.notEqual(nobody.code, 0);
    assert.match(nobody.stderr, /connection failed: .*no member of service "nobody" is listening \(NATS: no responders\)/);
  });
});
