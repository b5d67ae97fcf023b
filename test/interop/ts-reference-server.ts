/**
 * A TypeScript server that exports what the reference's listening server
 * (tests/listening_server_code_*.py) exports, with its command line:
 * `--tcp_port N --ws_port N --uds_path P` (each optional). The reference's
 * own pytest suite and our Python client driver run against it.
 *
 * Beyond the reference's five functions it exports the probes the interop
 * matrix uses (echo, describe_value, notifications, request-style
 * callbacks, reverse calls, bytes). Prints `listening on <url>` per
 * listener; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { listenPeers, type PeerListener } from '../../runtime/node.ts';
import { SparrowError } from '../../runtime/errors.ts';
import type { NotifyCallback, RequestCallback } from '../../runtime/rpc/callbacks.ts';
import { createRegistry, type Registry } from '../../runtime/rpc/registry.ts';
import { silentLogger } from '../../runtime/rpc/logger.ts';
import { describeValue } from './values.ts';

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

function isNumber(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

/** The reference listening server's functions, as it answers them, plus the interop probes. */
export function createInteropRegistry(): Registry {
  const registry = createRegistry();
  // --- what tests/listening_server_code_*.py exports
  registry.export('hello_world', ({ name }) => (name === undefined || name === null || name === '' ? 'Hello world!' : `Hello ${String(name)}!`));
  registry.export('multipart_response', () => ['apple', 'banana', 'mango'], { multipart: true });
  registry.export('optional_progress_callback', ({ progress }) => {
    let total = 0;
    for (let x = 0; x < 10; x++) {
      total += x;
      if (typeof progress === 'function') (progress as NotifyCallback)({ message: `Added ${x} to total` });
    }
    return total;
  });
  registry.export('iterable_param', async ({ nums }) => {
    let total = 0;
    for await (const x of nums as AsyncIterable<number>) total += x;
    return total;
  });
  registry.export('division', ({ a, b }) => {
    if (!isNumber(a) || !isNumber(b)) throw new SparrowError('invalid-params', `Invalid param type: unsupported operand type(s) for /: '${typeof a}' and '${typeof b}'`);
    if (Number(b) === 0) throw new SparrowError('invalid-params', 'b must not be 0');
    if (Number(a) === 11) throw new RuntimeError('a == 11 is a server bug');
    // Python's / always gives a float; JS cannot say 5.0, so 10 / 2 goes out as 5 (docs/interop.md).
    return Number(a) / Number(b);
  });
  // --- probes of the interop matrix
  registry.export('add', ({ a, b }) => (a as number) + (b as number), { namespace: 'maths' });
  registry.export('echo', ({ value }) => value);
  registry.export('describe_value', ({ value }) => describeValue(value), { namespace: 'probe' });
  registry.export('bytes_result', () => Uint8Array.of(0x00, 0x01, 0xfe, 0xff));
  registry.export('fail_empty', () => {
    throw new RuntimeError('');
  });
  const recorded: string[] = [];
  registry.export('record', ({ text }) => void recorded.push(String(text)));
  registry.export('recorded', () => [...recorded]);
  let empty = 0;
  registry.export('empty_notification', () => void empty++);
  registry.export('empty_notifications', () => empty);
  registry.export('iterable_collect', async ({ items }) => {
    const out: unknown[] = [];
    for await (const item of items as AsyncIterable<unknown>) out.push(item);
    return out;
  });
  registry.export(
    'progress_request',
    async ({ progress }) => {
      const answers: unknown[] = [];
      for (let step = 0; step < 3; step++) answers.push(await (progress as RequestCallback)({ step }));
      return answers;
    },
    { callbacks: { progress: 'request' } },
  );
  registry.export('reverse_call', async ({ text }, ctx) => `server got back: ${String(await ctx.peer.call('display_chat_message', { msg: text }))}`);
  return registry;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tcp_port: { type: 'string' }, ws_port: { type: 'string' }, uds_path: { type: 'string' } }, strict: true });
  const urls: string[] = [];
  if (values.tcp_port !== undefined) urls.push(`tcp://127.0.0.1:${values.tcp_port}`);
  if (values.ws_port !== undefined) urls.push(`ws://127.0.0.1:${values.ws_port}/`);
  if (values.uds_path !== undefined) urls.push(`unix://${values.uds_path}`);
  if (urls.length === 0) throw new Error('At least one server should be run');
  const registry = createInteropRegistry();
  const listeners: PeerListener[] = [];
  for (const url of urls) {
    const listener = await listenPeers(url, { registry, logger: silentLogger });
    listeners.push(listener);
    console.log(`listening on ${listener.url}`);
  }
  const stop = (): void => {
    setTimeout(() => process.exit(0), 2_000).unref();
    void Promise.all(listeners.map((listener) => listener.close())).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main();
