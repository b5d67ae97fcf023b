/**
 * describeValue: what a TS peer decoded, in the notation of
 * test/interop/python/describe.py, so a test can compare both sides.
 * JS has one number type: an integral number reads `int:N` whatever the
 * wire said (5.0 and 5 look the same), −0 reads `float:-0.0`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return value ? 'bool:True' : 'bool:False';
    case 'bigint':
      return `int:${value}`;
    case 'number':
      if (Object.is(value, -0)) return 'float:-0.0';
      if (Number.isNaN(value)) return 'float:nan';
      if (!Number.isFinite(value)) return value > 0 ? 'float:inf' : 'float:-inf';
      return Number.isInteger(value) ? `int:${value}` : `float:${value}`;
    case 'string':
      return `str:'${value}'`;
    default:
      break;
  }
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (value instanceof Map) return `Map{${[...(value as Map<unknown, unknown>)].map(([k, v]) => `${describeValue(k)}=${describeValue(v)}`).join(', ')}}`;
  return `{${Object.entries(value as object).map(([k, v]) => `${describeValue(k)}=${describeValue(v)}`).join(', ')}}`;
}
