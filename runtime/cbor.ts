// `sparrow-rpc/cbor`: the CBOR serialiser (cbor-x), for `serialisers: [cborSerialiser]`. Browser-safe.
export { cborSerialiser } from './serialisation/cbor.ts';
