/**
 * The `unary-json` size page (`npm run size`): a generated client that makes
 * plain calls only, in JSON, over the browser's WebSocket. Schema:
 * schemas/size-unary.sparrow.
 */
import { connectWebSocketPeer } from 'sparrow-rpc';
import { createGreeterClient } from './generated-unary/index.ts';
import { line, peerUrl, report } from './report.ts';

await report(async () => {
  const peer = await connectWebSocketPeer(peerUrl());
  const answer = await createGreeterClient(peer).helloWorld({ name: 'unary' });
  line(`hello_world → ${JSON.stringify(answer)}`, answer === 'Hello unary!');
  peer.close();
  return answer === 'Hello unary!';
});
