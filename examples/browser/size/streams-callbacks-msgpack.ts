/** The `streams-callbacks-msgpack` size page: callbacks and streams, with calls in msgpack. */
import { msgpackSerialiser } from 'sparrow-rpc/msgpack';
import { runStreamsCallbacks } from './streams-callbacks-calls.ts';

await runStreamsCallbacks({ serialisers: [msgpackSerialiser], serialiser: 'm' });
