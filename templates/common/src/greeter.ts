// The Greeter service, the same whoever serves it (server.ts).
import type { GreeterImplementation } from './gen/index.js';

export const greeter: GreeterImplementation = {
  hello: ({ name }) => `Hello ${name}!`,
  *countdown({ start }) {
    for (let n = start; n >= 0; n--) yield n;
  },
  work: ({ steps, progress }) => {
    for (let step = 1; step <= steps; step++) progress({ step });
    return `${steps} steps done`;
  },
};
