/**
 * Command-line flags shared by the demo server and client. node:util's
 * parseArgs keeps these entry points free of the compiler's dependencies,
 * so each starts in about 0.3 s.
 */
import type { SerialiserCode } from 'sparrow-rpc';

/** `--serializer` names (as `sparrowc call` spells them) → wire codes. */
export const SERIALISERS: Readonly<Record<string, SerialiserCode>> = { json: 'j', msgpack: 'm', cbor: 'c' };

/** The chain layouts of PROTOCOL.md "Decisions" 1. */
export const LAYOUTS = ['0.1.2', 'next'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** A bad flag: the entry point prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The wire code of a `--serializer` value; throws UsageError for anything else. */
export function serialiserCode(name: string | undefined): SerialiserCode {
  const code = SERIALISERS[name ?? 'json'];
  if (code === undefined) throw new UsageError(`--serializer must be one of ${Object.keys(SERIALISERS).join(', ')} (got ${String(name)})`);
  return code;
}

/** A `--layout` value; throws UsageError for anything else. */
export function layoutOf(name: string | undefined): Layout {
  const layout = name ?? '0.1.2';
  if (!(LAYOUTS as readonly string[]).includes(layout)) throw new UsageError(`--layout must be one of ${LAYOUTS.join(', ')} (got ${layout})`);
  return layout as Layout;
}
