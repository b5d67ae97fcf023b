/**
 * The Web Worker of the worker page: serves the generated `Demo` service
 * to the page that started it, over its own global scope's MessagePort
 * (`servePort(self)`). `demo_progress_update` calls the page back.
 */
import { servePort, type MessagePortLike } from 'sparrow-rpc';
import { registerDemo } from '../size/generated-streams/index.ts';

// A dedicated worker's global scope is its port to the page.
const peer = servePort(globalThis as unknown as MessagePortLike, { scheme: 'worker', remote: 'page' });

registerDemo(peer, {
  helloWorld: ({ name }) => `Hello ${name}!`,
  demoProgressUpdate: ({ data, progress }) => {
    for (const item of data) progress({ message: `Processing ${item}` });
    return `Processed ${data.length} items`;
  },
  *demoMultipartResponse({ upTo }) {
    for (let x = 1; x <= upTo; x++) yield [x, x * x + 1];
  },
  demoMultipartParam: async ({ data }) => {
    let sum = 0;
    for await (const item of data) sum += item;
    return sum;
  },
});
