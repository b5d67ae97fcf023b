/**
 * Plain value params between generated code and the wire: the callee's wire
 * params become the implementation's args (validated). The caller's args
 * are encoded by the codec's `fieldsEncoder`. Callback and stream
 * params are the callback glue's (service-callbacks.ts).
 */
import type { Params } from '../envelope/message.ts';
import { rooted, type DecodeOptions, type ValueCodec } from './codec-core.ts';
import { fieldsDecoder } from './codec-fields.ts';
import { tsKey, type FieldDesc, type TypeTable } from './descriptor.ts';

/**
 * The implementation's args from wire params that are all plain values:
 * validated by a decoder built once, or only renamed when not `validate`.
 * @throws SparrowError `invalid-params`: `missing required param x`, `x.y: expected int32, got string`.
 */
export function valueArgsDecoder(params: readonly FieldDesc[], codec: ValueCodec, types: TypeTable, options: DecodeOptions, validate: boolean): (params: Params) => Record<string, unknown> {
  // The dispatcher calls the hook with more arguments: the built decoder ignores them.
  if (validate) return rooted(fieldsDecoder(params, codec, types, options, 'params')) as (params: Params) => Record<string, unknown>;
  return (wire) => {
    const args: Record<string, unknown> = {};
    for (const param of params) if (Object.hasOwn(wire, param.name)) args[tsKey(param)] = wire[param.name];
    return args;
  };
}
