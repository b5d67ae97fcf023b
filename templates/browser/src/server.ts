// `npm start`: bundles page.ts for the browser, serves the page on 127.0.0.1
// and the Greeter service to its WebSocket peer, until Ctrl-C.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { listenPeers } from 'sparrow-rpc/node';
import { registerGreeter } from './gen/index.js';
import { greeter } from './greeter.js';

const port = Number(process.env['PORT'] ?? 0);
const [bundle, html] = await Promise.all([
  build({ entryPoints: [new URL('./page.ts', import.meta.url).pathname], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false }),
  readFile(new URL('../index.html', import.meta.url), 'utf8'),
]);
const pageJs = bundle.outputFiles[0]!.text;

const peers = await listenPeers('ws://127.0.0.1:0/');
registerGreeter(peers.registry, greeter);

const http = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  else if (path === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(pageJs);
  else response.writeHead(404).end('not found');
});
await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
const { port: httpPort } = http.address() as AddressInfo;
console.log(`open http://127.0.0.1:${httpPort}/?peer=${encodeURIComponent(peers.url)}`);
console.log(`WebSocket peers at ${peers.url} (Ctrl-C stops)`);

await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
http.closeAllConnections();
await Promise.all([new Promise<void>((resolve) => http.close(() => resolve())), peers.close()]);
console.log('stopped');
