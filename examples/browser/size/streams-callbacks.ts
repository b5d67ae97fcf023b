/** The `streams-callbacks-json` size page: callbacks and streams, in JSON. */
import { runStreamsCallbacks } from './streams-callbacks-calls.ts';

await runStreamsCallbacks({});
