/**
 * Typed errors: every schema `error` becomes a generated class extending
 * {@link SchemaError}. Thrown by an implementation it travels as cat `e`
 * with `type` = the schema name and `data` = the fields; the caller gets the
 * generated class back (IDL.md "Typed errors on the wire").
 */
import { ErrorCode, SparrowError } from '../errors.ts';

/** Options of a typed error. */
export interface SchemaErrorOptions {
  cause?: unknown;
  details?: string;
}

/** Base of generated error classes: code `callee-error`, `remoteType` = the schema name. */
export class SchemaError<F extends object = Record<string, unknown>> extends SparrowError {
  /** The error's fields, in TS form (int64 as bigint, maps as `Map`). */
  readonly fields: F;

  /**
   * @param type the error's name as written in the schema (its wire `type`)
   * @param fields the error's fields
   * @param message human-readable; defaults to `type`
   */
  constructor(type: string, fields: F, message?: string, options: SchemaErrorOptions = {}) {
    super(ErrorCode.CalleeError, message ?? type, {
      remoteType: type,
      data: fields as Record<string, unknown>,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.details === undefined ? {} : { details: options.details }),
    });
    this.fields = fields;
  }
}

/** A generated error class. */
export type SchemaErrorClass = new (fields: never, message?: string, options?: SchemaErrorOptions) => SchemaError<object>;
