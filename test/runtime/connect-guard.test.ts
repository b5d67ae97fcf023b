/**
 * guardConnect, the timeout, abort and error mapping every connector shares:
 * the first outcome wins, and only a timeout or an abort abandons the attempt.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardConnect } from '../../runtime/transport/connect-guard.ts';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';

const isCode = (code: ErrorCode) => (error: unknown) => error instanceof SparrowError && error.code === code;

describe('guardConnect', () => {
  it('resolves with the first outcome; later ones and a later abort change nothing and abandon nothing', async () => {
    const controller = new AbortController();
    let abandoned = 0;
    let settleLater: ((error: unknown, value?: string) => void) | undefined;
    const connected = guardConnect<string>('here', { signal: controller.signal }, (settle) => {
      settleLater = settle;
      settle(undefined, 'open');
      return () => abandoned++;
    });
    settleLater!(new Error('closed afterwards'));
    controller.abort();
    assert.equal(await connected, 'open');
    assert.equal(abandoned, 0);
  });

  it('wraps a failure as connection-failed with the cause, and keeps a SparrowError as it is', async () => {
    const cause = new Error('refused');
    await assert.rejects(
      guardConnect('tcp://x', {}, (settle) => {
        settle(cause);
        return () => {};
      }),
      (error) => isCode(ErrorCode.ConnectionFailed)(error) && (error as Error).cause === cause && /Connecting to tcp:\/\/x failed: refused/.test((error as Error).message),
    );
    const own = new SparrowError(ErrorCode.PermissionDenied, 'no');
    await assert.rejects(
      guardConnect('tcp://x', {}, () => {
        throw own;
      }),
      (error) => error === own,
    );
  });

  it('gives up on a timeout: connection-failed, and the attempt is abandoned', async () => {
    let abandoned = 0;
    await assert.rejects(
      guardConnect('slow', { timeoutMs: 5 }, () => () => abandoned++),
      (error) => isCode(ErrorCode.ConnectionFailed)(error) && /timed out after 5 ms/.test((error as Error).message),
    );
    assert.equal(abandoned, 1);
  });

  it('gives up on an abort: aborted with the reason, and the attempt is abandoned; an aborted signal starts nothing', async () => {
    const controller = new AbortController();
    let abandoned = 0;
    const connecting = guardConnect('slow', { signal: controller.signal }, () => () => abandoned++);
    controller.abort('stop');
    await assert.rejects(connecting, (error) => isCode(ErrorCode.Aborted)(error) && (error as Error).cause === 'stop');
    assert.equal(abandoned, 1);
    let started = false;
    await assert.rejects(
      guardConnect('never', { signal: controller.signal }, () => {
        started = true;
        return () => {};
      }),
      isCode(ErrorCode.Aborted),
    );
    assert.equal(started, false);
  });
});
