/**
 * The platform layer: what an entry installs is what the layers below use
 * (default serialisers, later macrotasks, part memory), with no globalThis
 * probing. Each test file runs in its own process, so installing here
 * touches no other test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { installPlatform, neutralPlatform, platform, type Platform } from '../../runtime/platform/platform.ts';
import { serialisersOf } from '../../runtime/envelope/codec.ts';
import { nextMacrotask } from '../../runtime/rpc/macrotask.ts';
import { WatchedChainDecoder, type Chain } from '../../runtime/framing/chain-decoder.ts';
import { encodeChain } from '../../runtime/framing/chain-encoder.ts';

describe('platform', () => {
  it('is neutral until an entry installs another: JSON only', () => {
    assert.equal(platform(), neutralPlatform);
    const table = serialisersOf(undefined);
    assert.equal(table.j.code, 'j');
    assert.equal(table.m, undefined);
    assert.equal(table.c, undefined);
  });

  it("the Node platform, once imported, gives links every serialiser", async () => {
    const { nodePlatform } = await import('../../runtime/platform/node.ts');
    assert.equal(platform(), nodePlatform);
    const table = serialisersOf(undefined);
    assert.deepEqual([table.j.code, table.m?.code, table.c?.code], ['j', 'm', 'c']);
    const memory = nodePlatform.allocateUninitialised(100_000);
    assert.equal(Object.getPrototypeOf(memory), Uint8Array.prototype, 'a plain Uint8Array, never a Buffer');
    assert.equal(memory.length, 100_000);
  });

  it('the layers below ask the installed platform: macrotasks and large part memory', async () => {
    const calls: string[] = [];
    const spy: Platform = {
      name: 'spy',
      defaultSerialisers: neutralPlatform.defaultSerialisers,
      nextMacrotask(fn) {
        calls.push('macrotask');
        setTimeout(fn, 0);
      },
      allocateUninitialised(size) {
        calls.push(`allocate ${size}`);
        return new Uint8Array(size);
      },
    };
    installPlatform(spy);
    try {
      await new Promise<void>((resolve) => nextMacrotask(resolve));
      // A 100 000-byte part arriving in two chunks is assembled in memory from the platform.
      const chain = encodeChain('j', [new Uint8Array(100_000).fill(7)]);
      const seen: Chain[] = [];
      const decoder = new WatchedChainDecoder((c) => seen.push(c));
      decoder.push(chain.subarray(0, 1000));
      decoder.push(chain.subarray(1000));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.parts[0]!.length, 100_000);
      assert.equal(seen[0]!.parts[0]![99_999], 7);
      assert.deepEqual(calls, ['macrotask', 'allocate 100000']);
    } finally {
      installPlatform(neutralPlatform);
    }
  });
});
