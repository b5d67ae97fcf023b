"""What the threaded and asyncio helpers share: call contexts, error revival, param handling."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sparrowrpc.exceptions import InvalidParams
from sparrowrpc.messages import ExceptionCategory, ExceptionInfo, ExceptionResponse

from .errors import CallTimeout, PermissionDenied, RemoteError, SchemaError, remember_raised
from .values import SchemaValueError

ErrorTable = Mapping[str, Callable[[object, str, str], SchemaError]]
"""Schema error classes by wire ``type``: their ``from_wire(data, path, message)``."""

CHANNEL_PARAM = '_sparrowrpc_typed_channel'
"""The injected param that carries the connection to a handler wrapper."""

TIMEOUT_TYPE = '#timeout'


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a handler learns about the call besides its params."""

    channel: Any
    """The connection the call arrived on (``ThreadedMsgChannel`` or ``AsyncMsgChannel``): call the caller back through it."""
    namespace: str
    target: str


Authorize = Callable[[CallContext, Sequence[str]], bool]
"""Decides whether the caller may use an ``@auth`` member (its groups given); without one, such members are refused."""


def context_of(params: dict[str, object], namespace: str, target: str) -> CallContext:
    """Takes the injected connection out of ``params``."""
    return CallContext(params.pop(CHANNEL_PARAM, None), namespace, target)


def check_auth(ctx: CallContext, groups: Sequence[str], authorize: Authorize | None) -> None:
    """Fail closed: refuses the call with ``PermissionDenied`` unless ``authorize`` allows it."""
    if authorize is None or not authorize(ctx, groups):
        raise PermissionDenied(f'{ctx.target} requires one of the groups: {", ".join(groups)}')


@contextmanager
def decoding() -> Iterator[None]:
    """Params that do not match the schema answer ``InvalidParams`` (cat r), as the TypeScript runtime does."""
    try:
        yield
    except SchemaValueError as error:
        raise InvalidParams(str(error)) from error


@contextmanager
def raising() -> Iterator[None]:
    """A schema error raised by the handler travels with its fields."""
    try:
        yield
    except SchemaError as error:
        remember_raised(error)
        raise


def timeout_event() -> Any:
    """The event a pump sees when its call ran out of time."""
    return ExceptionResponse(0, exc_info=ExceptionInfo(ExceptionCategory.CALLEE, TIMEOUT_TYPE, 'no answer in time'))


def revive(exc_info: Any, errors: ErrorTable) -> Exception | None:
    """The exception for a callee error: the schema error class when its type is one, else ``RemoteError``."""
    if exc_info.exc_type == TIMEOUT_TYPE:
        return CallTimeout(exc_info.msg)
    if exc_info.category != ExceptionCategory.CALLEE:
        return None
    message = exc_info.msg if isinstance(exc_info.msg, str) else ''
    from_wire = errors.get(exc_info.exc_type)
    if from_wire is not None:
        data = getattr(exc_info, 'data', None)
        try:
            return from_wire(data if isinstance(data, dict) else {}, 'data', message)
        except SchemaValueError:
            pass
    return RemoteError(exc_info.exc_type, message)


def unknown_target(namespace: str, target: str) -> Exception:
    """A bare acknowledge is how the reference answers a call to a target it does not have."""
    from sparrowrpc.exceptions import TargetNotFound

    return TargetNotFound(f'{namespace}.{target}: the peer answered with a bare acknowledge (it has no such target)')
