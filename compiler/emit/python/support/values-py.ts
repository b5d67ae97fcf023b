/** `sparrowrpc_typed/values.py`, written verbatim beside generated Python (see ../support.ts). */
export const VALUES_PY = `"""Validation and wire conversion shared by generated modules.

A decoder takes a wire value and the path it sits at, checks it against
the schema and returns the Python value; it raises \`\`SchemaValueError\`\`
naming the path. Encoders turn Python values back into wire values.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, overload

T = TypeVar('T')
K = TypeVar('K')
V = TypeVar('V')
E = TypeVar('E')
A = TypeVar('A')
B = TypeVar('B')
C = TypeVar('C')
D = TypeVar('D')

Decoder = Callable[[object, str], T]
"""Checks a wire value at a path and returns its Python form."""

Encoder = Callable[[T], object]
"""Turns a Python value into its wire form."""


class SchemaValueError(ValueError):
    """A value does not match the schema; \`\`path\`\` says where (\`\`params.note.id\`\`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f'{path}: {message}')
        self.path = path


def _describe(value: object) -> str:
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return f'bool {value}'
    if isinstance(value, (int, float)):
        return f'number {value!r}'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, (bytes, bytearray)):
        return 'bytes'
    if isinstance(value, dict):
        return 'map'
    if isinstance(value, (list, tuple)):
        return 'list'
    return type(value).__name__


def boolean(value: object, path: str) -> bool:
    """A \`\`bool\`\`."""
    if not isinstance(value, bool):
        raise SchemaValueError(path, f'expected bool, got {_describe(value)}')
    return value


def string(value: object, path: str) -> str:
    """A \`\`string\`\`."""
    if not isinstance(value, str):
        raise SchemaValueError(path, f'expected string, got {_describe(value)}')
    return value


def binary(value: object, path: str) -> bytes:
    """\`\`bytes\`\` (a bytearray is copied)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    raise SchemaValueError(path, f'expected bytes, got {_describe(value)}')


def floating(value: object, path: str) -> float:
    """\`\`float32\`\`/\`\`float64\`\`: an integer is accepted, as a JS peer cannot tell 5.0 from 5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SchemaValueError(path, f'expected float, got {_describe(value)}')
    return float(value)


def anything(value: object, path: str) -> Any:
    """\`\`any\`\`: the wire value as it arrived."""
    return value


def integer(name: str, low: int, high: int) -> Decoder[int]:
    """An integer type with inclusive bounds; an integral float (a peer that widened it) is accepted."""

    def decode(value: object, path: str) -> int:
        if isinstance(value, bool):
            raise SchemaValueError(path, f'expected {name}, got {_describe(value)}')
        if isinstance(value, float):
            if not (math.isfinite(value) and value.is_integer() and abs(value) <= 2**53 - 1):
                raise SchemaValueError(path, f'expected {name}, got {_describe(value)}')
            value = int(value)
        if not isinstance(value, int):
            raise SchemaValueError(path, f'expected {name}, got {_describe(value)}')
        if value < low or value > high:
            raise SchemaValueError(path, f'{value} is out of range for {name}')
        return value

    return decode


int8 = integer('int8', -(2**7), 2**7 - 1)
int16 = integer('int16', -(2**15), 2**15 - 1)
int32 = integer('int32', -(2**31), 2**31 - 1)
uint8 = integer('uint8', 0, 2**8 - 1)
uint16 = integer('uint16', 0, 2**16 - 1)
uint32 = integer('uint32', 0, 2**32 - 1)
int_ = integer('int', -(2**53 - 1), 2**53 - 1)
int64 = integer('int64', -(2**63), 2**63 - 1)
uint64 = integer('uint64', 0, 2**64 - 1)


def map_key_integer(name: str, low: int, high: int) -> Decoder[int]:
    """An integer map key: on the wire a decimal string (an integer key is accepted too)."""
    inner = integer(name, low, high)

    def decode(value: object, path: str) -> int:
        if isinstance(value, str):
            try:
                value = int(value, 10)
            except ValueError:
                raise SchemaValueError(path, f'map key {value!r} is not a {name}') from None
        return inner(value, path)

    return decode


def list_of(item: Decoder[T]) -> Decoder[list[T]]:
    """A \`\`list<T>\`\`."""

    def decode(value: object, path: str) -> list[T]:
        if not isinstance(value, (list, tuple)):
            raise SchemaValueError(path, f'expected list, got {_describe(value)}')
        return [item(element, f'{path}[{index}]') for index, element in enumerate(value)]

    return decode


def map_of(key: Decoder[K], item: Decoder[V]) -> Decoder[dict[K, V]]:
    """A \`\`map<K, V>\`\`."""

    def decode(value: object, path: str) -> dict[K, V]:
        if not isinstance(value, dict):
            raise SchemaValueError(path, f'expected map, got {_describe(value)}')
        return {key(k, f'{path} key'): item(v, f'{path}[{k!r}]') for k, v in value.items()}

    return decode


@overload
def tuple_of(a: Decoder[A], /) -> Decoder[tuple[A]]: ...
@overload
def tuple_of(a: Decoder[A], b: Decoder[B], /) -> Decoder[tuple[A, B]]: ...
@overload
def tuple_of(a: Decoder[A], b: Decoder[B], c: Decoder[C], /) -> Decoder[tuple[A, B, C]]: ...
@overload
def tuple_of(a: Decoder[A], b: Decoder[B], c: Decoder[C], d: Decoder[D], /) -> Decoder[tuple[A, B, C, D]]: ...
@overload
def tuple_of(*items: Decoder[Any]) -> Decoder[tuple[Any, ...]]: ...
def tuple_of(*items: Decoder[Any]) -> Decoder[tuple[Any, ...]]:
    """A \`\`tuple<...>\`\`: on the wire a list of exactly that many items."""

    def decode(value: object, path: str) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise SchemaValueError(path, f'expected list, got {_describe(value)}')
        if len(value) != len(items):
            raise SchemaValueError(path, f'expected {len(items)} items, got {len(value)}')
        return tuple(item(element, f'{path}[{index}]') for index, (item, element) in enumerate(zip(items, value)))

    return decode


def enum_of(cls: Callable[[int], E], name: str) -> Decoder[E]:
    """An enum: the member's integer."""
    decode_int = integer(name, -(2**31), 2**31 - 1)

    def decode(value: object, path: str) -> E:
        number = decode_int(value, path)
        try:
            return cls(number)
        except ValueError:
            raise SchemaValueError(path, f'{number} is not a member of {name}') from None

    return decode


def fields_of(value: object, path: str) -> Mapping[str, object]:
    """A struct's wire map."""
    if not isinstance(value, dict):
        raise SchemaValueError(path, f'expected map, got {_describe(value)}')
    return value


def required(fields: Mapping[str, object], key: str, decode: Decoder[T], path: str) -> T:
    """A field that must be present."""
    if key not in fields or fields[key] is None:
        raise SchemaValueError(f'{path}.{key}', 'missing')
    return decode(fields[key], f'{path}.{key}')


def optional(fields: Mapping[str, object], key: str, decode: Decoder[T], path: str) -> T | None:
    """A \`\`name?:\`\` field: absent or null is \`\`None\`\`."""
    value = fields.get(key)
    return None if value is None else decode(value, f'{path}.{key}')


def defaulted(fields: Mapping[str, object], key: str, decode: Decoder[T], path: str, default: Callable[[], T]) -> T:
    """A field with a default used when it is absent."""
    value = fields.get(key)
    return default() if value is None else decode(value, f'{path}.{key}')


def encode_list(value: Sequence[T], item: Encoder[T]) -> list[object]:
    """A list in wire form."""
    return [item(element) for element in value]


def encode_map(value: Mapping[K, V], key: Callable[[K], object], item: Encoder[V]) -> dict[object, object]:
    """A map in wire form."""
    return {key(k): item(v) for k, v in value.items()}


def identity(value: T) -> T:
    """A value that is already in wire form."""
    return value


def encode_float(value: float) -> float:
    """A float stays a float on the wire (even when integral)."""
    return float(value)


def encode_int_key(value: int) -> str:
    """An integer map key: a decimal string on the wire."""
    return str(value)
`;
