/**
 * The demo client (`npm run demo:client -- --connect <url> [--serializer
 * json|msgpack|cbor] [--layout 0.1.2|next] [--matrix]`): runs every call
 * pattern against any peer that exports the demo functions — a `demo:server`,
 * or the reference Python server of the seed's README (then the
 * Sparrow-only calls are skipped) — and prints one line per call. Exits 0
 * when every call gave the expected result, 1 otherwise, 2 on a usage error.
 *
 * `--matrix` runs the calls once per serialiser × layout, each over a new
 * connection, and prints one line per combination.
 *
 * `--token <t>` sends the demo server's token (`#sys.hello`) so that
 * `@auth` members work, and, when the peer lists `hello`, checks the pair
 * "refused without the token, accepted with it". Without it `@auth`
 * members refused for want of the token are reported as skipped.
 */
import { parseArgs } from 'node:util';
import { connectPeer, type Peer } from 'sparrow-rpc/node';
import { layoutOf, LAYOUTS, serialiserCode, SERIALISERS, UsageError, type Layout } from './args.ts';
import { exportDemoClient, runDemoCalls } from './calls.ts';
import { createReporter, wantsColor, type Reporter } from './output.ts';

const USAGE = 'usage: demo:client --connect <url> [--serializer json|msgpack|cbor] [--layout 0.1.2|next] [--matrix] [--token <t>]';
const CONNECT_TIMEOUT_MS = 5_000;

const color = wantsColor(process.stdout);
const write = (line: string): void => void process.stdout.write(`${line}\n`);

/** A heading that fits on a line: a stdio URL's command line is long and says little. */
function describeUrl(url: string): string {
  if (!url.startsWith('stdio:')) return url;
  return /server\.ts/.test(url) ? 'stdio: (this client spawned the demo server)' : `stdio: ${url.slice('stdio:'.length).split(' ')[0]} …`;
}

/** Connects with one serialiser and layout, runs every call, and closes (waiting for a stdio child to exit). */
async function runOnce(url: string, serializer: string, layout: Layout, report: Reporter, token: string | undefined): Promise<void> {
  let peer: Peer;
  const options = { serialiser: serialiserCode(serializer), layout, connectTimeoutMs: CONNECT_TIMEOUT_MS };
  try {
    peer = await connectPeer(url, token === undefined ? options : { ...options, credentials: token });
  } catch (error) {
    report.call(`connect ${describeUrl(url)}`, error instanceof Error ? error.message : String(error), false);
    return;
  }
  try {
    const inbox = exportDemoClient(peer);
    await runDemoCalls(peer, inbox, report, { tag: `${process.pid}-${serializer}-${layout}`, token, withoutToken: () => connectPeer(url, options) });
  } finally {
    peer.close();
    await peer.closed;
  }
}

function summary(report: Reporter): string {
  const skipped = report.skippedCount > 0 ? `, ${report.skippedCount} skipped` : '';
  return `${report.passed + report.failed} calls: ${report.passed} ✓, ${report.failed} ✗${skipped}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      connect: { type: 'string' },
      serializer: { type: 'string', default: 'json' },
      layout: { type: 'string', default: '0.1.2' },
      matrix: { type: 'boolean', default: false },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    write(USAGE);
    return 0;
  }
  const url = values.connect;
  if (url === undefined) throw new UsageError('--connect <url> is required');
  serialiserCode(values.serializer);
  const layout = layoutOf(values.layout);

  if (!values.matrix) {
    const report = createReporter(write, { color });
    report.heading(`${describeUrl(url)} · ${values.serializer} · layout ${layout}`);
    await runOnce(url, values.serializer, layout, report, values.token);
    report.note(`  ${summary(report)}`);
    return report.failed === 0 ? 0 : 1;
  }

  const heading = createReporter(write, { color });
  heading.heading(`${describeUrl(url)} · every serialiser × layout, a new connection each`);
  let failed = 0;
  for (const serializer of Object.keys(SERIALISERS)) {
    for (const each of LAYOUTS) {
      const report = createReporter(write, { color, quiet: true });
      await runOnce(url, serializer, each, report, values.token);
      const what = `${serializer.padEnd(7)} · layout ${each}`;
      const failures = report.failures.length > 0 ? ` — failed: ${report.failures.join(', ')}` : '';
      heading.call(what, `${summary(report)}${failures}`, report.failed === 0);
      if (report.failed > 0) failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`demo:client: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error('demo:client:', error);
    process.exitCode = 1;
  },
);
