/**
 * The "basic" `b` protocol (PROTOCOL.md §9): a JSON-RPC-like envelope with
 * no payload parts, kept frozen upstream for a future handshake.
 *
 *   request       {target, [namespace], [node], [params], id}
 *   notification  {target, [namespace], [node], [params]}
 *   response      {result, id}
 *   error         {error: {cat, type, msg, ...}, id}
 *
 * No callbacks, multipart, acks, quiet/silent or mixed serialisers.
 * In the 0.1.2 layout the version must travel in the envelope, so we write
 * `v: "b"` there (0.1.2 itself forgot it, so its replies were unreadable;
 * vector json-basic-encoder-ping.hex); in the HEAD layout it travels in
 * chain part 0 and the envelope has no `v`, as HEAD writes it.
 */
import { ErrorCode, SparrowError, readWireError } from '../errors.ts';
import { idOf } from './ids.ts';
import type { BasicProtocol } from './codec.ts';
import type { DecodeChainOptions } from './decode.ts';
import type { ChainLayout, IncomingMessage, Message, Params, SerialiserCode } from './message.ts';

function unsupported(what: string): SparrowError {
  return new SparrowError(ErrorCode.Unsupported, `the "b" protocol cannot carry ${what} (PROTOCOL.md §9)`);
}

/**
 * Builds the envelope map of a `b` message.
 *
 * @throws SparrowError `unsupported` for acks, multipart responses,
 *   quiet/silent/ack requests, callbacks and callback declarations.
 */
export function encodeBasic(message: Message, layout: ChainLayout): Record<string, unknown> {
  const envelope: Record<string, unknown> = {};
  switch (message.kind) {
    case 'request':
    case 'notification': {
      if (message.kind === 'request' && (message.requestType !== 'normal' || message.ack)) throw unsupported('quiet, silent or acknowledged requests');
      if (message.kind === 'request' && message.declarations !== undefined) throw unsupported('callback params');
      if (message.callbackOf !== undefined) throw unsupported('callbacks');
      envelope.target = message.target;
      if (message.namespace) envelope.namespace = message.namespace;
      if (message.node !== undefined) envelope.node = message.node;
      if (message.params !== undefined) envelope.params = message.params;
      if (message.kind === 'request') envelope.id = message.id;
      break;
    }
    case 'response': {
      if (message.multipart || message.final !== undefined || message.ack) throw unsupported('multipart or acknowledged responses');
      envelope.result = message.hasResult && message.result !== undefined ? message.result : null;
      envelope.id = message.to;
      break;
    }
    case 'exception': {
      const error: Record<string, unknown> = { cat: message.error.cat === 'r' ? 'r' : 'e', type: message.error.type || 'Exception', msg: message.error.msg ?? '' };
      if (message.error.details !== undefined) error.details = message.error.details;
      if (message.error.value !== undefined) error.value = message.error.value;
      envelope.error = error;
      envelope.id = message.to;
      break;
    }
    case 'ack':
      throw unsupported('acknowledges');
  }
  if (layout === '0.1.2') envelope.v = 'b';
  return envelope;
}

function protocolError(message: string): SparrowError {
  return new SparrowError(ErrorCode.ProtocolError, message);
}

/**
 * Reads the envelope map of a `b` message (the `v` key, if any, is ignored).
 *
 * @throws SparrowError `protocol-error` when the map has none of the
 *   shapes above or a field has the wrong type.
 */
export function decodeBasic(envelope: Record<string, unknown>): Message {
  if ('target' in envelope) {
    const target = envelope.target;
    if (typeof target !== 'string') throw protocolError('"b" target is not a string');
    const base: { target: string; namespace?: string; node?: string; params?: Params } = { target };
    if (typeof envelope.namespace === 'string' && envelope.namespace !== '') base.namespace = envelope.namespace;
    if (typeof envelope.node === 'string') base.node = envelope.node;
    const params = envelope.params;
    if (params !== undefined && params !== null) {
      if (typeof params !== 'object' || Array.isArray(params) || ArrayBuffer.isView(params)) throw protocolError('"b" params are not a map');
      base.params = params as Params;
    }
    if (envelope.id === undefined || envelope.id === null) return { kind: 'notification', ...base };
    return { kind: 'request', ...base, id: idOf(envelope.id, 'id'), requestType: 'normal', ack: false };
  }
  if (envelope.id === undefined || envelope.id === null) throw protocolError('"b" message has neither a target nor an id');
  const to = idOf(envelope.id, 'id');
  if ('error' in envelope) {
    const raw = envelope.error;
    const map = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    return { kind: 'exception', to, ack: false, error: readWireError(map) };
  }
  if ('result' in envelope) {
    const result = envelope.result;
    return result === null || result === undefined
      ? { kind: 'response', to, multipart: false, ack: false, hasResult: false }
      : { kind: 'response', to, multipart: false, ack: false, hasResult: true, result };
  }
  throw protocolError('"b" message has no target, result or error');
}

/** A `b` chain's message (BasicProtocol.read). */
function readBasic(envelope: Record<string, unknown>, layout: ChainLayout, serialiser: SerialiserCode, payloadParts: number, options: DecodeChainOptions): IncomingMessage {
  if (payloadParts > 0) options.onWarning?.(protocolError('payload parts on a "b" message (ignored)'));
  return { ...decodeBasic(envelope), format: { layout, serialiser, protocol: 'b' } };
}

/** The `b` protocol as a codec part (installed by envelope/node-parts.ts). */
export const basicProtocol: BasicProtocol = { encode: encodeBasic, read: readBasic };
