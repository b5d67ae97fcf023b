/**
 * The functions of the reference's test server (the one the vectors were
 * captured against), exported on a Sparrow registry with the same names,
 * params and results, so a Sparrow peer can stand in for it.
 */
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
import { SparrowError } from '../../runtime/errors.ts';
import type { NotifyCallback } from '../../runtime/rpc/callbacks.ts';
import { createRegistry, type Registry } from '../../runtime/rpc/registry.ts';

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** A registry answering every op of PROTOCOL.md §13 as the reference server does. */
export function createReferenceRegistry(): Registry {
  const registry = createRegistry();
  registry.export('hello_world', ({ name }) => `Hello ${name === undefined ? 'world' : String(name)}!`);
  registry.export('optional_progress_callback', ({ progress }) => {
    let total = 0;
    for (let i = 0; i < 10; i++) {
      total += i;
      if (progress !== undefined) (progress as NotifyCallback)({ message: `Added ${i} to total` });
    }
    return total;
  });
  registry.export('multipart_response', () => ['apple', 'banana', 'mango'], { multipart: true });
  registry.export('iterable_param', async ({ nums }) => {
    let total = 0;
    for await (const n of nums as AsyncIterable<number>) total += n;
    return total;
  });
  registry.export('division', ({ a, b }) => {
    if (b === 0) throw new SparrowError('invalid-params', 'b must not be 0');
    if (a === 11) throw new RuntimeError('a == 11 is a server bug');
    return (a as number) / (b as number);
  });
  registry.export('add', ({ a, b }) => (a as number) + (b as number), { namespace: 'maths' });
  registry.export('bytes_result', () => Uint8Array.of(0x00, 0x01, 0xfe, 0xff));
  registry.export('reverse_call', async ({ text }, ctx) => {
    const reply = await ctx.peer.call('display_chat_message', { msg: text });
    return `server got back: ${String(reply)}`;
  });
  registry.export('request_callback', ({ ask }) => {
    // The reference's set_to_request(NORMAL) degrades to a notification (§7.8): nothing comes back.
    const result: unknown = (ask as NotifyCallback)({ question: 'q1' });
    return `callback returned: ${result === undefined ? 'None' : String(result)}`;
  });
  return registry;
}
