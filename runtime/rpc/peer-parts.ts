/**
 * Where a peer finds the parts it was not given (`PeerFeature`): the
 * platform's defaults (`setDefaultPeerFeatures`; Node: every part), and
 * what a missing part means for the caller (`unsupported`, a stream that
 * fails at its first read).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { CallStream, PeerFeature } from './types.ts';

/** The parts a peer made without `PeerOptions.features` gets (see `setDefaultPeerFeatures`). */
let defaultFeatures: readonly PeerFeature[] = [];

/**
 * Sets the parts every later `createCorePeer` (and so `openPeer`) gives a
 * peer whose options name none. The platform decides: the Node endpoints
 * set every part, as a server must answer whatever the other side calls;
 * a browser bundle keeps none, so it carries only what it names.
 */
export function setDefaultPeerFeatures(features: readonly PeerFeature[]): void {
  defaultFeatures = features;
}

/** The platform's parts (see `setDefaultPeerFeatures`). */
export function defaultPeerFeatures(): readonly PeerFeature[] {
  return defaultFeatures;
}

/** `unsupported`: `target` needs the part `key`, which this peer does not have. */
export function unsupported(target: string, key: string): SparrowError {
  return new SparrowError(ErrorCode.Unsupported, `${target}: this peer has no ${key} part (give it ${key}Feature, or use createPeer)`);
}

/** A stream that rejects its first read with `error`, then is done: `callStream` on a peer without the streams part. */
export function failedStream<T>(error: SparrowError): CallStream<T> {
  // A generator that only throws: next, return and the iterator protocol come with it.
  const stream = (async function* (): AsyncGenerator<T, undefined, undefined> {
    throw error;
  })();
  return Object.assign(stream, { tryNext: () => undefined, cancel: () => void stream.return(undefined) });
}
