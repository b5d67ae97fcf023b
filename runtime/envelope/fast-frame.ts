/**
 * The fast framer (a codec part, see `EnvelopeParts`): writes the chains the
 * general path would, with fewer allocations and copies. Node installs it
 * (envelope/node-parts.ts); a browser page leaves it out unless it
 * installs it. The first of these that applies writes the chain:
 * 1. every part small and flat, in a serialiser with `writeSmall`: the
 *    whole chain straight into the link's slab (nearly every message);
 * 2. one payload that is a large `Uint8Array`, in a serialiser with
 *    `encodeBytesHeader`: the caller's array goes out uncopied (a blob);
 * 3. one payload, in a serialiser with `encodeWithHeadroom`: packed with
 *    room for the head in front, so it is never copied again (a 1 MiB
 *    blob: 220 -> 120 µs per encode);
 * else it declines and the general path writes the chain. Every hook
 * writes exactly `encode`'s bytes (the `Serialiser` contract).
 */
import { EMPTY_PART } from '../framing/chain-encoder.ts';
import { chainHeadSize, createChainSlab, encodeChainPieces, encodeSmallChain, finishChainInPlace, type ChainSlab } from '../framing/chain-writers.ts';
import { MAX_HEADROOM, type Serialiser } from '../serialisation/serialiser.ts';
import type { ChainBytes } from '../wire.ts';
import { encodeValue, type ChainFramer, type EnvelopeWriter } from './codec.ts';
import type { MessageId } from './message.ts';

/** The longest part header: SOP and up to 8 length bytes (PROTOCOL.md §1). */
const MAX_PART_HEADER = 9;
/** Largest envelope written into the writer's scratch (larger ones are encoded). */
const ENVELOPE_SCRATCH_BYTES = 256;
const EMPTY = new Uint8Array(0);

/**
 * The framer's state in one link's writer: the slab small chains are
 * written into, the scratch a larger message's envelope is written into,
 * and the last stream part envelope ({pm: N, v}) it wrote, since a stream
 * sends the same one per item.
 */
interface FrameState {
  readonly slab: ChainSlab;
  readonly scratch: Uint8Array;
  /** The scratch holds an envelope a chain still needs. */
  envelopeBusy: boolean;
  partSerialiser: Serialiser | undefined;
  partTo: MessageId | undefined;
  partBytes: Uint8Array;
}

function stateOf(writer: EnvelopeWriter): FrameState {
  return (writer.fast ??= { slab: createChainSlab(), scratch: new Uint8Array(ENVELOPE_SCRATCH_BYTES), envelopeBusy: false, partSerialiser: undefined, partTo: undefined, partBytes: EMPTY } satisfies FrameState) as FrameState;
}

/** The fast framer (see the module comment). */
export const fastFramer: ChainFramer = (writer, prefix, head, envelopeSerialiser, payloadSerialiser, envelope, message, payload): ChainBytes | undefined => {
  const state = stateOf(writer);
  // A stream part's envelope ({pm: N, v}) is the same for every item: its bytes are kept per link.
  const streamTo =
    message.kind === 'response' && message.multipart && message.final === undefined && !message.ack && message.id === undefined && payloadSerialiser === envelopeSerialiser ? message.to : undefined;
  const writeSmall = envelopeSerialiser.writeSmall;
  if (writeSmall !== undefined && payloadSerialiser === envelopeSerialiser) {
    const chain = encodeSmallChain(state.slab, prefix, head, envelope, payload, writeSmall);
    if (chain !== undefined) return chain;
  }
  if (payload === undefined || payload.length !== 1 || payload[0] === EMPTY_PART) return undefined;
  const only = payload[0];
  const header = payloadSerialiser.encodeBytesHeader?.(only);
  const envelopeBytes = envelopePart(state, envelopeSerialiser, envelope, streamTo);
  if (header !== undefined) return encodeChainPieces(prefix, [...head, envelopeBytes], header, only as Uint8Array);
  const withHeadroom = payloadSerialiser.encodeWithHeadroom;
  if (withHeadroom === undefined || typeof envelopeBytes === 'string') return undefined;
  const parts = [...head, envelopeBytes];
  const headSize = chainHeadSize(prefix, parts);
  const headroom = headSize + MAX_PART_HEADER;
  if (headroom > MAX_HEADROOM) return undefined;
  // The envelope may sit in the scratch: a payload's toJSON that encodes another message on this link must not reuse it.
  state.envelopeBusy = true;
  try {
    const span = withHeadroom(only, headroom);
    return span === undefined ? undefined : finishChainInPlace(span.buffer, span.start, span.end, headroom, prefix, parts, headSize);
  } finally {
    state.envelopeBusy = false;
  }
};

/**
 * The envelope's bytes: a stream part's from the state's cache (one
 * encode per stream, not per item), a small flat one written by
 * `writeSmall` into the scratch, else `encode`.
 */
function envelopePart(state: FrameState, serialiser: Serialiser, envelope: unknown, streamTo: MessageId | undefined): Uint8Array | string {
  if (streamTo !== undefined && serialiser === state.partSerialiser && streamTo === state.partTo) return state.partBytes;
  let bytes: Uint8Array | string;
  const writeSmall = serialiser.writeSmall;
  const end = writeSmall === undefined || state.envelopeBusy ? -1 : writeSmall(envelope, state.scratch, 0, state.scratch.length);
  if (end >= 0) bytes = state.scratch.subarray(0, end);
  else bytes = encodeValue(serialiser, envelope);
  if (streamTo !== undefined && typeof bytes !== 'string') {
    // A copy: the scratch is overwritten by the next message.
    state.partBytes = bytes = bytes.slice();
    state.partSerialiser = serialiser;
    state.partTo = streamTo;
  }
  return bytes;
}
