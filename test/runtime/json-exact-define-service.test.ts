/**
 * A hand-written definition (`defineService`) may carry any value, so it
 * installs JSON's exact numbers as generated glue with numbers does. Its own
 * file: the part is installed once per process, and this file imports no
 * Node platform.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, SparrowError } from '../../runtime/errors.ts';
import { defineService } from '../../runtime/schema/define-service.ts';
import { parseJson } from '../../runtime/serialisation/json.ts';

describe('defineService and JSON numbers', () => {
  it('installs the exact numbers part: an integer beyond 2^53 is refused before, exact after', () => {
    assert.throws(() => parseJson('[12345678901234567890]'), (error: unknown) => error instanceof SparrowError && error.code === ErrorCode.SerialisationError && /exactJson/.test(error.message));
    defineService({ name: 'S', package: 'p', namespace: 's', types: {}, methods: [] });
    assert.deepEqual(parseJson('[12345678901234567890, NaN]'), [12345678901234567890n, Number.NaN]);
  });
});
