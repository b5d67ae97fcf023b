/**
 * The demo server (`npm run demo:server -- --listen <url> [--listen <url>…]
 * [--serializer json|msgpack|cbor]`): serves the demo services at every
 * URL until SIGINT or SIGTERM, then closes every connection and exits 0.
 *
 * It prints `listening on <url>` per listener, with the real port when port
 * 0 was asked, so a parent process can wait for it. A `stdio:` listener
 * serves one connection on this process's stdin/stdout (so it prints
 * nothing on stdout, and logs go to stderr) and the server exits when that
 * connection ends.
 *
 * A listener adopts each caller's serialiser and layout; `--serializer`
 * only sets the format of reverse calls made before the caller called
 * anything.
 *
 * `--token <t>`: the credential a client must send (`#sys.hello`,
 * `connectPeer(url, { credentials })`, `sparrowc call --token`) to use
 * `@auth("admin")` members; a client without one is anonymous (the seed's
 * functions and the other members work), a wrong one is refused. Without
 * `--token` one is generated and printed on stderr.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ErrorCode, SparrowError, listenPeers, type Authenticate, type Peer, type PeerListener } from 'sparrow-rpc/node';
import { serialiserCode, UsageError } from './args.ts';
import { createDemoServices } from './services.ts';

const USAGE = 'usage: demo:server --listen <url> [--listen <url>…] [--serializer json|msgpack|cbor] [--token <t>]';

/** No credential: anonymous (no groups); the token: the demo's admin; anything else: refused. */
function tokenAuthenticate(token: string): Authenticate {
  const expected = Buffer.from(token);
  return ({ credentials }) => {
    if (credentials === undefined) return { subject: 'anonymous', groups: [] };
    const given = Buffer.from(typeof credentials === 'string' ? credentials : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SparrowError(ErrorCode.PermissionDenied, 'wrong token');
    return { subject: 'demo-admin', groups: ['admin'] };
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string', multiple: true },
      serializer: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const urls = values.listen ?? [];
  if (urls.length === 0) throw new UsageError('--listen <url> is required');
  if (urls.includes('stdio:') && urls.length > 1) throw new UsageError('a stdio: listener owns stdout, so it cannot be combined with others');
  const serialiser = serialiserCode(values.serializer);
  // With stdio, stdout is the wire: nothing else may be written there.
  const overStdio = urls[0] === 'stdio:';

  const token = values.token ?? randomBytes(12).toString('base64url');
  // On stderr: stdout carries only the `listening on` lines (and is the wire for stdio:).
  // A stdio server's one client is its parent, which could not read it anyway.
  if (values.token === undefined && !overStdio) console.error(`demo:server: @auth members need the token ${token} (demo:client --token ${token})`);
  const services = createDemoServices();
  const listeners: PeerListener[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Should a connection refuse to die, still exit: the server must be bounded in time.
      setTimeout(() => {
        console.error('demo:server: connections did not close within 3 s; exiting anyway');
        process.exit(1);
      }, 3_000).unref();
      await Promise.all(listeners.map((listener) => listener.close()));
      services.close();
      finished();
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());

  try {
    for (const url of urls) {
      const listener = await listenPeers(url, {
        registry: services.registry,
        serialiser,
        authenticate: tokenAuthenticate(token),
        // Calls in flight get a moment to finish on SIGTERM (within the 3 s exit bound above).
        closeGraceMs: 1_000,
        // One connection is all a stdio server ever gets: its end is the server's end.
        ...(overStdio ? { onPeer: (peer: Peer) => void peer.closed.then(stop) } : {}),
      });
      listeners.push(listener);
      // A stdio parent needs no signal: the connection is there as soon as we run.
      if (!overStdio) console.log(`listening on ${listener.url}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  await done;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`demo:server: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error('demo:server:', error);
    process.exitCode = 1;
  },
);
