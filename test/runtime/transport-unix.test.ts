import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { isSparrowError } from '../../runtime/errors.ts';
import { connect, listen } from '../../runtime/transport/node/url.ts';
import { describeTransportConformance } from '../helpers/transport-probe.ts';

let dir = '';
let counter = 0;
const nextPath = (): string => join(dir, `s${++counter}.sock`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sparrow-unix-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeTransportConformance('unix', {
  listen: (onConnection) => listen(`unix:${nextPath()}`, onConnection),
  connect: (listener) => connect(listener.url),
  gathers: true,
});

describe('unix', () => {
  it('removes the socket file when the listener closes', async () => {
    const path = nextPath();
    const listener = await listen(`unix:${path}`, () => {});
    assert.equal(listener.url, `unix:${path}`);
    assert.ok(existsSync(path));
    await listener.close();
    assert.ok(!existsSync(path));
  });

  it('replaces a stale socket file but never a live one or a plain file', async () => {
    const path = nextPath();
    // A stale socket: a listener killed before it could unlink its file.
    const code = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', code], { stdio: 'ignore' });
    assert.ok(existsSync(path));
    const listener = await listen(`unix:${path}`, () => {});
    try {
      await assert.rejects(listen(`unix:${path}`, () => {}), (error) => isSparrowError(error, 'connection-failed'));
      assert.ok(existsSync(path), 'a live socket stays');
    } finally {
      await listener.close();
    }
    const plain = nextPath();
    writeFileSync(plain, 'not a socket');
    await assert.rejects(listen(`unix:${plain}`, () => {}), (error) => isSparrowError(error, 'connection-failed'));
    assert.ok(existsSync(plain));
  });

  it('fails with connection-failed when nothing listens', async () => {
    await assert.rejects(connect(`unix:${nextPath()}`), (error) => isSparrowError(error, 'connection-failed'));
  });
});
