/**
 * `sparrowc call --token`: the credential goes in `#sys.hello` to a listener
 * that authenticates (test/fixtures/call-test-server.ts `--token`), and the
 * command's contract is otherwise unchanged.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runSparrowc } from '../helpers/cli.ts';
import { readStdoutLines, spawnFixture } from '../helpers/fixture-process.ts';

const serverScript = fileURLToPath(new URL('../fixtures/call-test-server.ts', import.meta.url));
let server: ChildProcess;
let url: string;

before(async () => {
  server = spawnFixture(serverScript, ['--token', 'tok-1', 'tcp://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  [url] = (await readStdoutLines(server, 1, 20_000)) as [string];
});
after(() => void server.kill('SIGTERM'));

describe('sparrowc call --token', () => {
  it('authenticates with the token: the handler sees the identity', async () => {
    const result = await runSparrowc(['call', url, 'whoami', '--token', 'tok-1'], { timeoutMs: 20_000 });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, '"token-holder"\n');
    assert.equal(result.code, 0);
  });

  it('calls anonymously without --token', async () => {
    const result = await runSparrowc(['call', url, 'whoami'], { timeoutMs: 20_000 });
    assert.equal(result.stdout, '"anonymous"\n');
    assert.equal(result.code, 0);
  });

  it('exits 1 with permission-denied for a wrong token', async () => {
    const result = await runSparrowc(['call', url, 'whoami', '--token', 'nope'], { timeoutMs: 20_000 });
    assert.match(result.stderr, /PermissionDenied|permission/i);
    assert.match(result.stderr, /wrong token/);
    assert.equal(result.code, 1, result.stderr);
  });
});
