// `sparrow-rpc/msgpack`: the msgpack serialiser (msgpackr), for `serialisers: [msgpackSerialiser]`. Browser-safe.
export { msgpackSerialiser } from './serialisation/msgpack.ts';
