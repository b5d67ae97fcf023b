/** `sparrowrpc_typed/aio.py`, written verbatim beside generated Python (see ../support.ts). */
export const AIO_PY = `"""Typed helpers over the reference's asyncio API, used by generated async clients and \`\`register_*_async\`\`."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
import inspect
from typing import Any, TypeVar, cast

T = TypeVar('T')

from sparrowrpc.asyncio import AsyncMsgChannelInjector, AsyncResponsePump
from sparrowrpc.messages import IterableCallbackInfo, Notification, Request, RequestCallbackInfo, ResponseType
from sparrowrpc.registers import FunctionRegister

from .common import CHANNEL_PARAM, ErrorTable, raising, revive, timeout_event, unknown_target
from .values import Decoder


class _Pump(AsyncResponsePump):
    """The reference's pump, with schema errors revived, a real timeout and no hang on a bare ack."""

    def __init__(self, proxy: Any, errors: ErrorTable, multipart: bool, timeout: float | None, where: tuple[str, str]) -> None:
        super().__init__(proxy, expected_response_type=ResponseType.MULTIPART if multipart else ResponseType.NORMAL)
        self._errors = errors
        self._wait = timeout
        self._where = where

    async def get_next_event_with_timeout(self) -> Any:
        try:
            return await asyncio.wait_for(self.return_queue.get(), timeout=self._wait)
        except asyncio.TimeoutError:
            return timeout_event()

    async def call_ack_callback(self, event: Any) -> None:
        raise unknown_target(*self._where)

    async def process_incoming_exception(self, event: Any) -> None:
        error = revive(event.exc_info, self._errors)
        if error is not None:
            raise error
        await cast(Any, super()).process_incoming_exception(event)


def _request(namespace: str, target: str, params: dict[str, object], callbacks: dict[str, object]) -> Any:
    return Request(target=target, namespace=namespace, params=params, callback_params=cast(Any, callbacks or None))


async def call(channel: Any, namespace: str, target: str, params: dict[str, object], callbacks: dict[str, object], errors: ErrorTable, timeout: float | None) -> object:
    """One request; returns the wire result or raises the revived error."""
    pump = _Pump(channel.get_proxy(), errors, False, timeout, (namespace, target))
    await pump.send_message(_request(namespace, target, params, callbacks), timeout)
    return cast(object, await cast(Any, pump).__anext__())


async def call_stream(channel: Any, namespace: str, target: str, params: dict[str, object], callbacks: dict[str, object], errors: ErrorTable, timeout: float | None) -> AsyncIterator[object]:
    """A multipart request; yields each wire part."""
    pump = _Pump(channel.get_proxy(), errors, True, timeout, (namespace, target))
    await pump.send_message(_request(namespace, target, params, callbacks), timeout)
    while True:
        try:
            part = await cast(Any, pump).__anext__()
        except StopAsyncIteration:
            return
        yield part


async def notify(channel: Any, namespace: str, target: str, params: dict[str, object]) -> None:
    """A notification: sent, never answered."""
    await channel.get_proxy().send_notification(Notification(target=target, namespace=namespace, params=params))


async def settle(value: T | Awaitable[T]) -> T:
    """The value of a callback that may be a coroutine function."""
    if inspect.isawaitable(value):
        return cast(T, await value)
    return cast(T, value)


def callback(fn: Callable[..., object]) -> object:
    """A callback param the callee may call (a notification or a request); \`\`fn\`\` may be a coroutine function."""
    return RequestCallbackInfo(func=fn)


def iterable(items: AsyncIterable[object]) -> object:
    """An iterable param the callee pulls items from."""
    return IterableCallbackInfo(iter=cast(Any, aiter(items)))


def export(register: FunctionRegister, namespace: str, target: str, fn: Callable[..., object], multipart: bool, auth: list[str] | None,
           special: dict[str, str] | None = None) -> None:
    """Exports \`\`fn\`\` under the schema's wire name and namespace; the connection is injected for the call context.

    \`\`special\`\` (callback and iterable params: \`\`notification\`\`, \`\`request\`\` or \`\`iterable\`\`) is kept on
    \`\`fn.sparrow_special_params\`\` for tools that compare an export with the schema.
    """
    setattr(fn, 'sparrow_special_params', dict(special or {}))
    cast(Any, register).register_func(fn, target_name=target, namespace=namespace, auth_groups=auth, multipart_response=multipart,
                           injectable_params={CHANNEL_PARAM: AsyncMsgChannelInjector})


def callback_proxy(params: Mapping[str, object], name: str, request: bool) -> Any:
    """The proxy for a callback param (\`\`None\`\` when the caller passed none), set to notify or request."""
    proxy: Any = params.get(name)
    if proxy is None:
        return None
    if not request:
        proxy.set_to_notification()
    return proxy


async def call_back(proxy: Any, params: dict[str, object], request: bool = False) -> object:
    """Calls a callback param; a request-style one returns its wire result.

    A request goes out here, not through the proxy: the reference's proxy
    sends a notification for \`\`RequestType.NORMAL\`\` (its value \`\`''\`\` is falsy).
    """
    if not request:
        return cast(object, await proxy(**params))
    message = Request(target=proxy._cb_param_name, callback_request_id=proxy._callback_request_id, params=params)
    pump = _Pump(proxy._channel.get_proxy(), {}, False, None, ('callback', proxy._cb_param_name))
    await pump.send_message(message, None)
    return cast(object, await cast(Any, pump).__anext__())


def pull(params: Mapping[str, object], name: str, decode: Decoder[Any], path: str) -> AsyncIterator[Any]:
    """The items of an iterable param, decoded as the callee pulls them."""
    source: Any = params.get(name)

    async def items() -> AsyncIterator[Any]:
        if source is None:
            return
        index = 0
        async for item in source:
            yield decode(item, f'{path}[{index}]')
            index += 1

    return items()


async def stream(source: AsyncIterable[Any], encode: Callable[[Any], object]) -> AsyncIterator[object]:
    """A handler's multipart result in wire form; a schema error raised mid-stream still travels typed."""
    with raising():
        async for item in source:
            yield encode(item)
`;
