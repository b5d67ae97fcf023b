/**
 * Child-process entry point, forked by the driver with an IPC channel:
 *
 *   host.ts server <contender>   starts the contender's server, reports its address
 *   host.ts client <contender>   waits for {address, config}, runs the scenarios, reports
 *
 * Both report their peak RSS. A failure is reported as `fatal` and the
 * process exits non-zero; the driver marks the row FAILED.
 */
import { findContender } from '../contenders/index.ts';
import { runScenarios } from './scenarios.ts';
import { peakRssMiB } from './stats.ts';
import type { DriverMessage, HostMessage } from './types.ts';

/** How long a server's close may take before the process exits anyway. */
const CLOSE_GRACE_MS = 1000;

function send(message: HostMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) throw new Error('host.ts must be forked with an IPC channel');
    process.send(message, () => resolve());
  });
}

async function fail(error: unknown): Promise<never> {
  const text = error instanceof Error ? error.message : String(error);
  await send({ type: 'fatal', error: text.slice(0, 300) }).catch(() => {});
  process.exit(1);
}

const withGrace = (work: Promise<void>): Promise<void> =>
  Promise.race([work.catch(() => {}), new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);

async function main(): Promise<void> {
  const [role, name] = process.argv.slice(2);
  const entry = name === undefined ? undefined : findContender(name);
  if (entry === undefined || (role !== 'server' && role !== 'client')) throw new Error(`usage: host.ts server|client <contender> (got ${role} ${name})`);
  const contender = await entry.load();

  if (role === 'server') {
    const server = await contender.startServer();
    process.on('message', (message: DriverMessage) => {
      if (message.type === 'rss') void send({ type: 'rss', rssMiB: peakRssMiB() });
      if (message.type === 'stop') void withGrace(server.close()).then(() => process.exit(0));
    });
    // The driver going away must not leave a server behind.
    process.on('disconnect', () => process.exit(0));
    await send({ type: 'ready', address: server.address });
    return;
  }

  process.once('message', (message: DriverMessage) => {
    if (message.type !== 'run') return;
    void (async () => {
      const client = await contender.connect(message.address);
      const scenarios = await runScenarios(client, message.config, contender, message.address);
      await withGrace(client.close());
      await send({ type: 'results', scenarios, rssMiB: peakRssMiB() });
      process.exit(0);
    })().catch(fail);
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch(fail);
