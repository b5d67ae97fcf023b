/**
 * The browser demo's server (`npm run demo:browser [-- --port 8080]`):
 * bundles `page.ts` with esbuild in memory for the browser, serves the page
 * on 127.0.0.1, and listens for WebSocket peers with the demo services —
 * the same services `demo:server` has, so the page's calls and the
 * server's calls back to the page are the demo's own.
 *
 * The bundle must stay browser-safe: if anything pulls in the `ws` package
 * or a `node:` module, bundling fails with the importer chain instead of
 * shipping a page that breaks at runtime (esbuild would otherwise quietly
 * use `ws`'s browser stub).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { listenPeers, type PeerListener } from 'sparrow-rpc/node';
import { createDemoServices } from '../demo/services.ts';

const pageEntry = fileURLToPath(new URL('./page.ts', import.meta.url));
const pageHtml = fileURLToPath(new URL('./index.html', import.meta.url));
const workerPageHtml = fileURLToPath(new URL('./worker/index.html', import.meta.url));
/** The worker page's scripts, by path. */
const workerScripts: Record<string, string> = {
  '/worker-page.js': fileURLToPath(new URL('./worker/page.ts', import.meta.url)),
  '/worker.js': fileURLToPath(new URL('./worker/worker.ts', import.meta.url)),
};

/** The bundled page script and what went into it. */
export interface PageBundle {
  code: string;
  metafile: Metafile;
}

/** Inputs that must never reach the browser bundle: the Node WebSocket package and Node built-ins. */
const FORBIDDEN_INPUT = /(^|\/)node_modules\/ws\/|^node:|(^|\/)runtime\/transport\/node\//;

/**
 * Bundles `entry` (default: the page script) for the browser, in memory.
 * `conditions: ['source']` resolves `sparrow-rpc` to the TypeScript
 * sources, as the rest of the repository does.
 * @throws Error naming the forbidden inputs when a Node-only module got in.
 */
export async function bundlePage(options: { entry?: string; minify?: boolean } = {}): Promise<PageBundle> {
  const result = await build({
    entryPoints: [options.entry ?? pageEntry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['source'],
    minify: options.minify ?? false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const forbidden = Object.keys(result.metafile.inputs).filter((input) => FORBIDDEN_INPUT.test(input));
  if (forbidden.length > 0) {
    throw new Error(`the browser bundle pulls in Node-only modules: ${forbidden.join(', ')} (import from 'sparrow-rpc', not 'sparrow-rpc/node')`);
  }
  return { code: result.outputFiles[0]!.text, metafile: result.metafile };
}

/** A running browser demo. */
export interface BrowserDemo {
  /** The page to open. */
  readonly pageUrl: string;
  /** The WebSocket URL the page connects to. */
  readonly peerUrl: string;
  /** The Web Worker page (no WebSocket: it calls a service in its own worker). */
  readonly workerPageUrl: string;
  /** Stops the HTTP server and closes every peer. */
  close(): Promise<void>;
}

/**
 * Bundles the page (`entry`, default page.ts; the size pages of
 * `npm run size` are served the same way), then serves it at `http://127.0.0.1:<port>/` and the
 * demo services at `ws://127.0.0.1:<port2>/`. The page learns the WebSocket
 * URL from its own query string (`?peer=`), which the page URL carries.
 */
export async function serveBrowserDemo(options: { port?: number; entry?: string } = {}): Promise<BrowserDemo> {
  const [bundle, html] = await Promise.all([bundlePage(options.entry === undefined ? {} : { entry: options.entry }), readFile(pageHtml, 'utf8')]);
  // The page has no login: every caller of this local demo may use @auth("admin") members.
  const services = createDemoServices({ authorize: (_ctx, groups) => groups.includes('admin') });
  const bundled = new Map<string, Promise<string>>();
  const workerScript = (path: string): Promise<string> | undefined => {
    const entry = workerScripts[path];
    if (entry === undefined) return undefined;
    let code = bundled.get(path);
    if (code === undefined) bundled.set(path, (code = bundlePage({ entry }).then((result) => result.code)));
    return code;
  };
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (type: string, body: string): void => void response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
    const script = workerScript(path);
    if (request.method !== 'GET') {
      response.writeHead(405).end();
    } else if (path === '/') {
      send('text/html', html);
    } else if (path === '/page.js') {
      send('text/javascript', bundle.code);
    } else if (path === '/worker.html') {
      readFile(workerPageHtml, 'utf8').then((body) => send('text/html', body), (error: unknown) => response.writeHead(500).end(String(error)));
    } else if (script !== undefined) {
      script.then((code) => send('text/javascript', code), (error: unknown) => response.writeHead(500).end(String(error)));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    services.close();
    throw error;
  }
  const { port } = http.address() as AddressInfo;
  let peers: PeerListener;
  try {
    // The page comes from another port: its origin is named (same-host origins pass anyway, others are refused).
    peers = await listenPeers('ws://127.0.0.1:0/', { registry: services.registry, allowedOrigins: [`http://127.0.0.1:${port}`] });
  } catch (error) {
    http.close();
    services.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    pageUrl: `http://127.0.0.1:${port}/?peer=${encodeURIComponent(peers.url)}`,
    workerPageUrl: `http://127.0.0.1:${port}/worker.html`,
    peerUrl: peers.url,
    close() {
      closed ??= (async () => {
        http.closeAllConnections();
        await Promise.all([new Promise<void>((resolve) => http.close(() => resolve())), peers.close()]);
        services.close();
      })();
      return closed;
    },
  };
}

/** `node examples/browser/serve.ts [--port N]`: serve until SIGINT/SIGTERM. */
async function main(argv: readonly string[]): Promise<void> {
  const portFlag = argv.indexOf('--port');
  const port = portFlag >= 0 ? Number(argv[portFlag + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number');
  const demo = await serveBrowserDemo({ port });
  console.log(`open ${demo.pageUrl}`);
  console.log(`  or ${demo.workerPageUrl} (a generated service in a Web Worker)`);
  console.log(`(WebSocket peers at ${demo.peerUrl}; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await demo.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error('demo:browser:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
