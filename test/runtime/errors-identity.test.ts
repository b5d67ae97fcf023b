/**
 * SparrowError across package copies and from foreign errors: `instanceof`
 * by brand (a second copy of errors.ts, loaded under another URL, stands in
 * for a second copy of the package), `from` mapping AbortError and
 * TimeoutError, and transports throwing only SparrowErrors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SparrowError, isSparrowError } from '../../runtime/errors.ts';
import { SchemaError } from '../../runtime/schema/typed-error.ts';
import { PassThrough } from 'node:stream';
import { createSocketTransport } from '../../runtime/transport/node/stream.ts';
import { createWebSocketTransport, type WebSocketLike } from '../../runtime/transport/websocket.ts';

/** errors.ts loaded a second time: a module of its own, as in a second copy of the package. */
async function secondCopy(): Promise<typeof import('../../runtime/errors.ts')> {
  return (await import(`../../runtime/errors.ts?copy=${Math.random()}`)) as typeof import('../../runtime/errors.ts');
}

describe('SparrowError identity', () => {
  it('ErrorCode names each code by its PascalCase, the closed set exactly', () => {
    assert.deepEqual({ ...ErrorCode }, {
      InvalidParams: 'invalid-params',
      TargetNotFound: 'target-not-found',
      CallerError: 'caller-error',
      CalleeError: 'callee-error',
      PermissionDenied: 'permission-denied',
      Timeout: 'timeout',
      Aborted: 'aborted',
      ConnectionClosed: 'connection-closed',
      ConnectionFailed: 'connection-failed',
      ProtocolError: 'protocol-error',
      LimitExceeded: 'limit-exceeded',
      InvalidState: 'invalid-state',
      SerialisationError: 'serialisation-error',
      Unsupported: 'unsupported',
    });
  });

  it('instanceof holds for an error made by another copy of the package, both ways', async () => {
    const other = await secondCopy();
    assert.notEqual(other.SparrowError, SparrowError, 'a distinct class');
    const foreign = new other.SparrowError(other.ErrorCode.Timeout, 'late');
    assert.ok(foreign instanceof SparrowError);
    assert.ok(new SparrowError(ErrorCode.Timeout, 'late') instanceof other.SparrowError);
    assert.ok(isSparrowError(foreign, ErrorCode.Timeout));
    // from() keeps a foreign SparrowError as it is instead of wrapping it.
    assert.equal(SparrowError.from(foreign), foreign);
  });

  it('instanceof is false for other errors and look-alikes', () => {
    assert.ok(!(new Error('x') instanceof SparrowError));
    assert.ok(!({ name: 'SparrowError', code: 'timeout', message: 'x' } instanceof SparrowError));
    const nothing: unknown = null;
    const text: unknown = 'SparrowError';
    assert.ok(!(nothing instanceof SparrowError));
    assert.ok(!(text instanceof SparrowError));
  });

  it('subclasses keep the usual prototype check', () => {
    class NotFound extends SchemaError<{ id: string }> {}
    const error = new NotFound('NotFound', { id: 'a' });
    assert.ok(error instanceof SparrowError);
    assert.ok(error instanceof SchemaError);
    assert.ok(error instanceof NotFound);
    assert.ok(!(new SparrowError(ErrorCode.CalleeError, 'x') instanceof NotFound));
  });
});

describe('SparrowError.from', () => {
  it('maps an AbortError to aborted and a TimeoutError to timeout, keeping the cause', () => {
    const controller = new AbortController();
    controller.abort();
    const aborted = SparrowError.from(controller.signal.reason);
    assert.equal(aborted.code, ErrorCode.Aborted);
    assert.equal(aborted.cause, controller.signal.reason);
    assert.equal(aborted.remoteType, 'AbortError');
    const timedOut = SparrowError.from(new DOMException('too slow', 'TimeoutError'), ErrorCode.InvalidParams);
    assert.equal(timedOut.code, ErrorCode.Timeout);
    assert.equal(timedOut.message, 'too slow');
  });

  it('gives other errors the fallback code, and non-errors their string', () => {
    const plain = SparrowError.from(new TypeError('bad'), ErrorCode.SerialisationError);
    assert.equal(plain.code, ErrorCode.SerialisationError);
    assert.equal(plain.remoteType, 'TypeError');
    const text = SparrowError.from('nope');
    assert.equal(text.code, ErrorCode.CalleeError);
    assert.equal(text.message, 'nope');
  });
});

describe('transports throw SparrowErrors', () => {
  it('starting a stream transport twice is invalid-state', () => {
    const transport = createSocketTransport(new PassThrough(), 'tcp', 'test');
    const handlers = { onData() {}, onClose() {} };
    transport.start(handlers);
    assert.throws(() => transport.start(handlers), (error: unknown) => isSparrowError(error, ErrorCode.InvalidState));
    transport.close();
  });

  it('starting a WebSocket transport twice is invalid-state', () => {
    const socket: WebSocketLike = { readyState: 1, binaryType: 'arraybuffer', bufferedAmount: 0, send() {}, close() {}, addEventListener() {} };
    const transport = createWebSocketTransport(socket, { remote: 'test' });
    const handlers = { onData() {}, onClose() {} };
    transport.start(handlers);
    assert.throws(() => transport.start(handlers), (error: unknown) => isSparrowError(error, ErrorCode.InvalidState));
  });
});
