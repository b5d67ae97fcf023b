/**
 * The Web Worker page (`npm run demo:browser`, then `/worker.html`): the
 * page starts a Web Worker that serves the `Demo` service generated from
 * schemas/size-streams-callbacks.sparrow, and calls it through the
 * generated client over the worker's MessagePort — a call, a callback from
 * the worker back to the page, a stream result and a stream param. No
 * network: page and worker are two threads of one tab.
 */
import { connectPortPeer } from 'sparrow-rpc';
import { createDemoClient } from '../size/generated-streams/index.ts';
import { line, report } from '../size/report.ts';
import { callStreamsCallbacks } from '../size/streams-callbacks-calls.ts';

await report(async () => {
  const worker = new Worker(new URL('/worker.js', location.href), { type: 'module' });
  const peer = await connectPortPeer(worker, { scheme: 'worker', remote: 'web worker' });
  const demo = createDemoClient(peer);

  const hello = await demo.helloWorld({ name: 'worker' });
  line(`hello_world(name: "worker") → ${JSON.stringify(hello)}`, hello === 'Hello worker!');

  const streamsOk = await callStreamsCallbacks(demo);

  peer.close();
  worker.terminate();
  return hello === 'Hello worker!' && streamsOk;
});
