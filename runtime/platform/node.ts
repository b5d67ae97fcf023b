/**
 * Node's platform, installed when this module is imported (the Node entry
 * `sparrow-rpc/node` imports it first): every serialiser by default
 * (msgpack and CBOR besides JSON), JSON's exact numbers (json-exact.ts),
 * `setImmediate` for later macrotasks (right after pending I/O callbacks,
 * with no timer clamping), and uninitialised Buffer memory for large parts.
 */
import { Buffer } from 'node:buffer';
import { setImmediate } from 'node:timers';
import { installExactJson } from '../serialisation/json.ts';
import { exactJson } from '../serialisation/json-exact.ts';
import { allSerialisers } from '../serialisation/registry.ts';
import { installPlatform, type Platform } from './platform.ts';

/** The platform the Node entry installs. */
export const nodePlatform: Platform = Object.freeze({
  name: 'node',
  defaultSerialisers: allSerialisers,
  nextMacrotask(fn: () => void): void {
    setImmediate(fn);
  },
  allocateUninitialised(size: number): Uint8Array {
    // A zero-filled 1 MiB part cost a memset per blob: the blob bench ran
    // 1.2-1.3 GB/s instead of 1.5-1.7. Safe, because the caller writes every
    // byte before the memory is read.
    const memory = Buffer.allocUnsafeSlow(size);
    return new Uint8Array(memory.buffer, memory.byteOffset, size);
  },
});

installPlatform(nodePlatform);
// Every Node peer reads and writes int64, NaN and ±Infinity exactly, whatever its schema (or none).
installExactJson(exactJson);
