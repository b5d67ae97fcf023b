// `npm start`: a server on a free port and a client against it, in one process.
import { startServer } from './server.js';
import { runClient } from './client.js';

const server = await startServer('tcp://127.0.0.1:0');
console.log(`server listening on ${server.url}`);
try {
  await runClient(server.url);
} finally {
  await server.close();
}
