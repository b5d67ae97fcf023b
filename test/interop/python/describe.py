"""describe(value): a text that shows exactly what Python decoded, types included.

The same notation as describeValue in test/interop/values.ts, so a test can
compare what each side saw: int:5, float:5.0, float:-0.0, str:'a',
bytes:00ff, None, bool:True, [..], {key=value, ..}; anything else (cbor2's
undefined) as <type>:<repr>.
"""
import math


def describe(value):
    if value is None:
        return 'None'
    if isinstance(value, bool):
        return f'bool:{value}'
    if isinstance(value, int):
        return f'int:{value}'
    if isinstance(value, float):
        if math.isnan(value):
            return 'float:nan'
        return f'float:{value!r}'
    if isinstance(value, str):
        return f'str:{ascii(value)}'
    if isinstance(value, (bytes, bytearray)):
        return f'bytes:{bytes(value).hex()}'
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(describe(item) for item in value) + ']'
    if isinstance(value, dict):
        return '{' + ', '.join(f'{describe(k)}={describe(v)}' for k, v in value.items()) + '}'
    return f'{type(value).__name__}:{value!r}'
