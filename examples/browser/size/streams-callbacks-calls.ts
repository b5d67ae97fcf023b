/**
 * The calls of the `streams-callbacks-*` size pages: a callback param, a
 * stream result and a stream param, over the generated client of
 * schemas/size-streams-callbacks.sparrow.
 */
import { connectWebSocketPeer, type ConnectWebSocketPeerOptions } from 'sparrow-rpc';
import { createDemoClient, type DemoClient } from './generated-streams/index.ts';
import { line, peerUrl, report } from './report.ts';

/** Connects with `options` (the serialisers of the profile) and makes every call. */
export function runStreamsCallbacks(options: ConnectWebSocketPeerOptions): Promise<void> {
  return report(async () => {
    const peer = await connectWebSocketPeer(peerUrl(), options);
    const ok = await callStreamsCallbacks(createDemoClient(peer));
    peer.close();
    return ok;
  });
}

/** A callback param, a stream result and a stream param through `demo`, one result line each; true when all are right. */
export async function callStreamsCallbacks(demo: DemoClient): Promise<boolean> {
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
  return progressOk && pairsOk && sum === 44;
}
