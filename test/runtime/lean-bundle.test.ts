/**
 * Features a client does not use are not in its bundle: the `unary-json`
 * size page (connectWebSocketPeer + a generated client making plain calls)
 * carries none of the parts a listener or a richer page brings, and the
 * parts come back as soon as a page names them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PAGE_BUILD, contributors, measure } from '../../scripts/bundle-size.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The runtime files (relative to runtime/) that put bytes in a bundle. */
function runtimeFiles(sizes: [string, number][]): Set<string> {
  return new Set(sizes.map(([input]) => input).filter((input) => input.startsWith('runtime/')).map((input) => input.slice('runtime/'.length)));
}

/** A page of `source` (importing `sparrow-rpc`), bundled and minified as the size pages are. */
async function pageFiles(source: string): Promise<Set<string>> {
  const result = await build({ ...PAGE_BUILD, stdin: { contents: source, resolveDir: path.join(root, 'examples/browser/size'), sourcefile: 'page.ts', loader: 'ts' } });
  return runtimeFiles(contributors(result.metafile));
}

/** Parts a page that only calls must not carry. */
const LISTENER_AND_OPTIONAL_PARTS = [
  'rpc/dispatcher.ts',
  'rpc/incoming-call.ts',
  'rpc/interceptors.ts',
  'rpc/wrapped-stream.ts',
  'rpc/log-limit.ts',
  'rpc/discovery.ts',
  'rpc/session.ts',
  'rpc/streams.ts',
  'rpc/callbacks.ts',
  'envelope/declarations.ts',
  'envelope/warnings.ts',
  'rpc/registry.ts',
  'connection/reconnecting-peer.ts',
  'connection/link-limits.ts',
];

describe('a client page carries only the parts it uses', () => {
  it('unary-json: no dispatcher, interceptors, session, streams, callbacks, discovery, reconnect, link budgets or log limiter', async () => {
    const files = runtimeFiles(contributors((await measure('unary-json')).metafile));
    assert.ok(files.has('rpc/peer-core.ts') && files.has('connection/message-link.ts'), 'the page holds the peer core and its link');
    assert.deepEqual(LISTENER_AND_OPTIONAL_PARTS.filter((file) => files.has(file)), []);
  });

  it('a page that names a part gets it: reconnecting(), registerService, interceptorsFeature, createMessageLink', async () => {
    const files = await pageFiles(`
      import { connectWebSocketPeer, createMessageLink, createRegistry, interceptorsFeature, reconnecting } from 'sparrow-rpc';
      const peer = await connectWebSocketPeer('ws://127.0.0.1:1/', { reconnect: reconnecting({ maxAttempts: 2 }), features: [interceptorsFeature], interceptors: [] });
      console.log(peer, createRegistry(), createMessageLink);
    `);
    for (const file of ['connection/reconnecting-peer.ts', 'rpc/dispatcher.ts', 'rpc/interceptors.ts', 'connection/link-limits.ts']) assert.ok(files.has(file), `${file} is in the bundle`);
  });
});
