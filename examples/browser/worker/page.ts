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

await report(async () => {
  const worker = new Worker(new URL('/worker.js', location.href), { type: 'module' });
  const peer = await connectPortPeer(worker, { scheme: 'worker', remote: 'web worker' });
  const demo = createDemoClient(peer);

  const hello = await demo.helloWorld({ name: 'worker' });
  line(`hello_world(name: "worker") → ${JSON.stringify(hello)}`, hello === 'Hello worker!');

  const progress: string[] = [];
  const processed = await demo.demoProgressUpdate({ data: ['a', 'b'], progress: ({ message }) => void progress.push(message) });
  const progressOk = processed === 'Processed 2 items' && progress.join(', ') === 'Processing a, Processing b';
  line(`demo_progress_update → ${JSON.stringify(processed)}, progress ${progress.join(', ')}`, progressOk);

  const pairs: string[] = [];
  for await (const pair of demo.demoMultipartResponse({ upTo: 3 })) pairs.push(JSON.stringify(pair));
  const pairsOk = pairs.join(' ') === '[1,2] [2,5] [3,10]';
  line(`demo_multipart_response(up_to: 3) → ${pairs.join(' ')}`, pairsOk);

  const sum = await demo.demoMultipartParam({ data: [1, 10, 30, 3].values() });
  line(`demo_multipart_param(1, 10, 30, 3) → ${sum}`, sum === 44);

  peer.close();
  worker.terminate();
  return hello === 'Hello worker!' && progressOk && pairsOk && sum === 44;
});
