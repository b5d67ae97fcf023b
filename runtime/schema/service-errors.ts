/**
 * Typed errors across the wire for the service glue (`typedErrorGlue`): a
 * remote callee error whose type is a schema error becomes its generated
 * class on the caller, and a thrown generated error becomes a wire error
 * with its fields on the callee.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { fieldsEncoder, plainCodec, rooted } from './codec-core.ts';
import { fieldsDecoder } from './codec-fields.ts';
import type { ServiceDefinition, TypedErrorGlue } from './definition.ts';
import type { CallDesc, ServiceDescriptor } from './descriptor.ts';
import { SchemaError } from './typed-error.ts';

/** The typed errors part of the service glue; generated code passes it when the service declares errors. */
export const typedErrorGlue: TypedErrorGlue = {
  reviver: (definition, member) => (error) => reviveError(definition, member.kind === 'call' ? member : undefined, error),
  encodeThrown,
};

/** The qualified name of the error declaration whose schema name is `type`, preferring the member's `throws`. */
function findErrorName(descriptor: ServiceDescriptor, throws: readonly string[] | undefined, type: string): string | undefined {
  const candidates = [...(throws ?? []), ...Object.keys(descriptor.types)];
  return candidates.find((q) => {
    const decl = descriptor.types[q];
    return decl?.kind === 'error' && decl.name === type;
  });
}

/**
 * Turns a remote callee error whose type is a schema error into the
 * generated class; anything else is returned unchanged.
 */
function reviveError(definition: ServiceDefinition, member: CallDesc | undefined, error: unknown): unknown {
  if (!(error instanceof SparrowError) || error.code !== ErrorCode.CalleeError || error.remoteType === undefined || error instanceof SchemaError) return error;
  const name = findErrorName(definition.descriptor, member?.throws, error.remoteType);
  const Class = name === undefined ? undefined : definition.errors[name];
  const decl = name === undefined ? undefined : definition.descriptor.types[name];
  if (Class === undefined || decl === undefined || decl.kind !== 'error') return error;
  let fields: Record<string, unknown>;
  try {
    fields = rooted(fieldsDecoder(decl.fields, definition.glue.codec ?? plainCodec, definition.descriptor.types, {}, decl.name), 'data')(error.data ?? {}) as Record<string, unknown>;
  } catch {
    // Malformed fields: keep the generic callee error rather than invent values.
    return error;
  }
  const options = { cause: error, ...(error.details === undefined ? {} : { details: error.details }) };
  return new (Class as unknown as new (f: unknown, m: string, o: unknown) => SchemaError)(fields, error.message, options);
}

/** A thrown generated error becomes a wire error with its fields in `data`; anything else goes as is. */
function encodeThrown(definition: ServiceDefinition, error: unknown): unknown {
  if (!(error instanceof SchemaError) || error.remoteType === undefined) return error;
  const name = findErrorName(definition.descriptor, undefined, error.remoteType);
  const decl = name === undefined ? undefined : definition.descriptor.types[name];
  if (decl === undefined || decl.kind !== 'error') return error;
  const data = fieldsEncoder(decl.fields, definition.glue.codec ?? plainCodec, definition.descriptor.types)(error.fields);
  return new SparrowError(ErrorCode.CalleeError, error.message, {
    remoteType: error.remoteType,
    data,
    cause: error,
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}
