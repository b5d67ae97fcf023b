// A client of the Greeter service: connects, makes each kind of call, prints the results.
import { connectPeer } from 'sparrow-rpc/node';
import { createGreeterClient } from './gen/index.js';

export async function runClient(url: string): Promise<void> {
  const peer = await connectPeer(url);
  try {
    const greeter = createGreeterClient(peer);
    console.log('hello()            ->', await greeter.hello());
    console.log('hello("Sparrow")   ->', await greeter.hello({ name: 'Sparrow' }));
    const counted: number[] = [];
    for await (const n of greeter.countdown({ start: 3 })) counted.push(n);
    console.log('countdown(3)       ->', counted.join(' '));
    const steps: number[] = [];
    console.log('work(3, progress)  ->', await greeter.work({ steps: 3, progress: ({ step }) => void steps.push(step) }), `(progress: ${steps.join(', ')})`);
  } finally {
    peer.close();
    await peer.closed;
  }
}
