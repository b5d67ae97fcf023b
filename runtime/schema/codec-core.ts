/**
 * The core of the one value codec: how a refused value gets its precise
 * path, the types that need no number rules (bool, string, bytes, any,
 * void: `plainCodec`, what generated code gets when it passes no codec), and
 * the encoder of maps of fields. The numbers are codec-scalars.ts's
 * (`scalarCodec`), the decoder of maps of fields codec-fields.ts's, every
 * other type compiled-codec.ts's (`valueCodec`): a client of a schema of
 * strings carries only this file.
 *
 * Decoders are built once per type and check a value in one pass. The first
 * thing a decoder refuses throws a {@link Refusal}; each container it leaves
 * adds its step (`.name`, `[3]`, `["key"]`) on the way out, and the entry
 * turns it into `SparrowError('invalid-params', 'params.items[3].id: expected
 * int32, got string')`. A valid value builds no path string at all.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { tsKey, type FieldDesc, type TypeDesc, type TypeTable } from './descriptor.ts';

/** Options of a decoder. */
export interface DecodeOptions {
  /** Reject unknown struct fields and params instead of ignoring them. */
  readonly strict?: boolean;
  /** Accept integers as decimal strings (the model's JSON form of int64 defaults and constants). */
  readonly modelForm?: boolean;
}

/** A built decoder: the TS value, or a thrown {@link Refusal}. */
export type Decode = (value: unknown) => unknown;
/** A built encoder: the wire value. Encoders trust the static types and do not validate. */
export type Encode = (value: unknown) => unknown;

/**
 * Builds decoders and encoders of value types: `plainCodec` knows bool,
 * string, bytes, any and void; `scalarCodec` every scalar; `valueCodec`
 * every type of the IDL.
 */
export interface ValueCodec {
  /** @throws SparrowError `invalid-state` when this codec cannot decode `type`. */
  decoder(type: TypeDesc, types: TypeTable, options: DecodeOptions): Decode;
  /** @throws SparrowError `invalid-state` when this codec cannot encode `type`. */
  encoder(type: TypeDesc, types: TypeTable): Encode;
}

/** A refused value on its way out of a decoder; `path` grows one step per container it leaves. */
export class Refusal {
  declare path: string;
  declare readonly message: string;

  /** The message at its final `path`, when that decides it (a refused key names a param or a field: codec-fields.ts). */
  declare at: ((path: string) => string) | undefined;

  constructor(message: string) {
    this.path = '';
    this.message = message;
  }
}

/** Refuses the value being decoded. */
export function refuse(message: string): never {
  throw new Refusal(message);
}

/** Rethrows `error` one container further out: `step` is `.name`, `[3]` or `["key"]`. */
export function below(error: unknown, step: string): never {
  if (error instanceof Refusal) error.path = step + error.path;
  throw error;
}

/** The `invalid-params` error for a value at `path`. */
export function invalid(path: string, message: string): SparrowError {
  return new SparrowError(ErrorCode.InvalidParams, path === '' ? message : `${path}: ${message}`);
}

/** `error` as the decoder's caller sees it: a refusal becomes a `SparrowError` naming its path under `root`. */
export function refusalError(error: unknown, root: string): unknown {
  if (!(error instanceof Refusal)) return error;
  const path = root === '' && error.path.startsWith('.') ? error.path.slice(1) : root + error.path;
  return invalid(path, error.at?.(path) ?? error.message);
}

/**
 * `decode` with a path for its errors: what the glue calls.
 * @throws SparrowError `invalid-params` naming the refused value's path under `root`.
 */
export function rooted(decode: Decode, root = ''): Decode {
  return (value) => {
    try {
      return decode(value);
    } catch (error) {
      throw refusalError(error, root);
    }
  };
}

/** How a refused value is named in messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'number' || typeof value === 'bigint') return `${typeof value === 'bigint' || Number.isInteger(value) ? 'integer' : 'number'} ${value}`;
  return typeof value;
}

/** Refuses `value`, which is not a `name`. */
export function expected(name: string, value: unknown): never {
  return refuse(`expected ${name}, got ${describeValue(value)}`);
}

/** The decoder (and encoder) of values that travel as they are. */
export const identity: Decode = (value) => value;

/** True for an encoder that hands values over as they are (no call per field needed). */
export function isIdentity(encode: Encode): boolean {
  return encode === identity;
}

/** The decoder of bool, string, bytes, any or void, or undefined for anything else. */
export function plainDecoder(type: TypeDesc): Decode | undefined {
  switch (type) {
    case 'bool':
    case 'string': {
      const name = type === 'bool' ? 'boolean' : 'string';
      return (value) => (typeof value === name ? value : expected(type, value));
    }
    case 'bytes':
      return (value) => (value instanceof Uint8Array ? value : expected(type, value));
    case 'any':
      return identity;
    case 'void':
      return () => undefined;
  }
  return undefined;
}

/** @throws SparrowError `invalid-state`: a descriptor bug, or generated code built without the part it needs. */
export function descriptorError(message: string): never {
  throw new SparrowError(ErrorCode.InvalidState, message);
}

/** @throws SparrowError `invalid-state`: `type` needs a codec the definition was built without. */
export function unsupported(type: TypeDesc, codec: string): never {
  return descriptorError(`${JSON.stringify(type)} needs the ${codec}`);
}

/**
 * The codec of a schema whose values are all bool, string, bytes, any or
 * void: what the glue uses when generated code passes no `codec`.
 */
export const plainCodec: ValueCodec = {
  // A float or an integer a JS number holds is the scalarCodec's, anything else the valueCodec's (named without the range table).
  decoder: (type) => plainDecoder(type) ?? unsupported(type, /^(u?int(8|16|32)|int|float(32|64))$/.test(type as string) ? 'scalarCodec' : 'valueCodec'),
  // Every type it knows travels as it is; the decoder refuses the others.
  encoder: (type, types) => (plainCodec.decoder(type, types, {}), identity),
};

/**
 * An encoder of an object keyed by TS names into a wire map keyed by wire
 * names; absent stays absent (the receiver applies the default itself). No
 * object at all (a call without args) is an empty map.
 */
export function fieldsEncoder(fields: readonly FieldDesc[], codec: ValueCodec, types: TypeTable): (value: unknown) => Record<string, unknown> {
  const count = fields.length;
  const names = fields.map((field) => field.name);
  const keys = fields.map(tsKey);
  const encoders = fields.map((field) => codec.encoder(field.type, types));
  return (value) => {
    const record = (value ?? {}) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (let k = 0; k < count; k++) {
      const item = record[keys[k]!];
      // Scalar fields travel as they are: no call per field.
      const encode = encoders[k]!;
      if (item !== undefined) result[names[k]!] = encode === identity ? item : encode(item);
    }
    return result;
  };
}
