// The page: a WebSocket peer to the server, through the browser-safe `sparrow-rpc` entry.
import { connectWebSocketPeer } from 'sparrow-rpc';
import { createGreeterClient } from './gen/index.js';

const out = document.getElementById('out')!;
const lines: string[] = [];
const print = (line: string): void => {
  lines.push(line);
  out.textContent = lines.join('\n');
};

try {
  const peer = await connectWebSocketPeer(new URL(location.href).searchParams.get('peer')!);
  const greeter = createGreeterClient(peer);
  print(`hello("browser")  -> ${await greeter.hello({ name: 'browser' })}`);
  const counted: number[] = [];
  for await (const n of greeter.countdown({ start: 3 })) counted.push(n);
  print(`countdown(3)      -> ${counted.join(' ')}`);
  const steps: number[] = [];
  print(`work(3, progress) -> ${await greeter.work({ steps: 3, progress: ({ step }) => void steps.push(step) })} (progress: ${steps.join(', ')})`);
} catch (error) {
  print(`failed: ${String(error)}`);
}
