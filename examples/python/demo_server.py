"""The Python demo server (``npm run demo:py-server -- --listen <url> [--listen <url>...] [--async]``).

Serves ``Demo`` and ``Notes`` from schemas/demo.sparrow through the code
``sparrowc gen --target python`` generated (examples/python/generated), on
the reference ``sparrowrpc``, threaded or (``--async``) asyncio. Prints
``listening on <url>`` per listener with the real port, and exits 0 on
SIGINT or SIGTERM, as ``npm run demo:server`` does. ``Notes`` calls the
caller back through the ``DemoClient`` service the caller exports.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

from demo.common import Forbidden, Id, NotFound
from demo.v1 import (AsyncDemoClientClient, Color, DemoClientClient, Note, Shape, register_demo, register_demo_async,
                     register_notes, register_notes_async)
from demo_urls import Endpoint, UsageError, parse_url, serialiser_code
from sparrowrpc.registers import FunctionRegister
from sparrowrpc_typed import CallContext, create_engine

USAGE = 'usage: demo:py-server --listen <url> [--listen <url>...] [--serializer json|msgpack|cbor] [--layout 0.1.2|next] [--async]'
REVERSE_CALL_TIMEOUT = 5.0
MAX_PAGE = 100


def allow_admin(ctx: CallContext, groups: Any) -> bool:
    """The demo has no login: every caller may use @auth("admin") members."""
    return 'admin' in groups


class NoteStore:
    """Notes and blobs kept by one server (both engines)."""

    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}
        self.blobs: dict[str, bytes] = {}
        self.seq = 0

    def add(self, text: str, shape: Shape | None, by: str) -> Note:
        self.seq += 1
        note = Note(id=Id(value=f'n{self.seq}'), text=text, created_at=int(time.time() * 1000), shape=shape, meta={'by': by})
        self.notes[note.id.value] = note
        return note

    def find(self, id: Id) -> Note:
        note = self.notes.get(id.value)
        if note is None:
            raise NotFound(f'no note {id.value}', id=id.value)
        return note

    def page(self, limit: int, offset: int) -> list[Note]:
        return list(self.notes.values())[offset:offset + min(max(limit, 0), MAX_PAGE)]


# ───────────────────────────── threaded ─────────────────────────────

class Demo:
    """The seed README's functions."""

    def hello_world(self, ctx: CallContext, /, *, name: str) -> str:
        return f'Hello {name}!'

    def demo_progress_update(self, ctx: CallContext, /, *, data: list[str], progress: Callable[[str], None]) -> str:
        for item in data:
            progress(f'Processing {item}')
        return f'Processed {len(data)} items'

    def demo_multipart_response(self, ctx: CallContext, /, *, up_to: int) -> Iterable[tuple[int, int]]:
        return ((x, x * x + 1) for x in range(1, up_to + 1))

    def demo_multipart_param(self, ctx: CallContext, /, *, data: Iterator[int]) -> int:
        return sum(data)


class Notes:
    """Notes, blobs and calls back to the caller."""

    def __init__(self) -> None:
        self.store = NoteStore()
        self.lock = threading.Lock()

    def _client(self, ctx: CallContext) -> DemoClientClient:
        return DemoClientClient(ctx.channel, timeout=REVERSE_CALL_TIMEOUT)

    def add(self, ctx: CallContext, /, *, text: str, shape: Shape | None) -> Note:
        with self.lock:
            note = self.store.add(text, shape, 'python')
        try:
            self._client(ctx).show(message=f'saved note {note.id.value}')
        except Exception:
            pass  # the caller exports no DemoClient: the note is saved all the same
        return note

    def get(self, ctx: CallContext, /, *, id: Id) -> Note:
        return self.store.find(id)

    def list_(self, ctx: CallContext, /, *, limit: int, offset: int) -> list[Note]:
        return self.store.page(limit, offset)

    def list_all(self, ctx: CallContext, /) -> list[Note]:
        return list(self.store.notes.values())

    def put_blob(self, ctx: CallContext, /, *, key: str, data: bytes) -> None:
        self.store.blobs[key] = data

    def get_blob(self, ctx: CallContext, /, *, key: str) -> bytes:
        data = self.store.blobs.get(key)
        if data is None:
            raise NotFound(f'no blob {key}', id=key)
        return data

    def delete(self, ctx: CallContext, /, *, id: Id) -> None:
        self.store.find(id)
        try:
            yes = self._client(ctx).confirm(question=f'Delete note {id.value}?')
        except Exception:
            yes = False
        if not yes:
            raise Forbidden(f'delete of {id.value} not confirmed', reason='the client did not confirm')
        self.store.notes.pop(id.value, None)

    def log(self, ctx: CallContext, /, *, line: str, level: int) -> None:
        def later() -> None:
            try:
                client = self._client(ctx)
                client.show(message=f'read your log line "{line}"')
                client.ping_count(count=1)
            except Exception:
                pass
        threading.Thread(target=later, daemon=True).start()

    def pick_color(self, ctx: CallContext, /, *, choose: Callable[[list[Color]], Color]) -> Color:
        return choose([Color.red, Color.green, Color.blue])


def wait_for(get: Callable[[], Any], what: str) -> Any:
    """Polls until the reference's listener has bound (it binds on its own thread or task)."""
    for _ in range(500):
        value = get()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f'{what} did not start listening')


def tcp_port(listener: Any) -> int:
    sock = listener.server_socket
    try:
        return int(sock.getsockname()[1]) if sock is not None else 0
    except OSError:
        return 0


def serve_threaded(endpoints: list[Endpoint], serialiser: str) -> None:
    from sparrowrpc.threaded import ThreadedDispatcher
    from sparrowrpc.threaded.transports import ThreadedTcpListener, ThreadedUnixSocketListener
    from sparrowrpc.threaded.transports.websockets import ThreadedWebsocketListener

    engine = create_engine()
    dispatcher = ThreadedDispatcher(num_threads=8)
    register = FunctionRegister()
    register_demo(Demo(), register)
    register_notes(Notes(), register, authorize=allow_admin)
    for endpoint in endpoints:
        if endpoint.kind == 'tcp':
            tcp = ThreadedTcpListener(engine, dispatcher, func_registers=register)
            tcp.run_server(endpoint.host, endpoint.port, block=False)
            port = wait_for(lambda: tcp_port(tcp), endpoint.url())
        elif endpoint.kind == 'unix':
            unix = ThreadedUnixSocketListener(engine, dispatcher, func_registers=register)
            unix.run_server(endpoint.path, replace_if_in_use=True, block=False)
            wait_for(lambda: os.path.exists(endpoint.path), endpoint.url())
            port = 0
        else:
            ws = ThreadedWebsocketListener(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register)
            ws.run_server(endpoint.host, endpoint.port, block=False)
            port = wait_for(lambda: ws.websocket_server and ws.websocket_server.socket.getsockname()[1], endpoint.url())
        print(f'listening on {endpoint.url(port)}', flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


# ───────────────────────────── asyncio ─────────────────────────────

class AsyncDemo:
    """The seed README's functions, asyncio."""

    async def hello_world(self, ctx: CallContext, /, *, name: str) -> str:
        return f'Hello {name}!'

    async def demo_progress_update(self, ctx: CallContext, /, *, data: list[str], progress: Callable[[str], Awaitable[None]]) -> str:
        for item in data:
            await progress(f'Processing {item}')
        return f'Processed {len(data)} items'

    async def demo_multipart_response(self, ctx: CallContext, /, *, up_to: int) -> AsyncIterator[tuple[int, int]]:
        for x in range(1, up_to + 1):
            yield (x, x * x + 1)

    async def demo_multipart_param(self, ctx: CallContext, /, *, data: AsyncIterator[int]) -> int:
        return sum([item async for item in data])


class AsyncNotes:
    """Notes, blobs and calls back to the caller, asyncio."""

    def __init__(self) -> None:
        self.store = NoteStore()
        self.tasks: set[asyncio.Task[None]] = set()

    def _client(self, ctx: CallContext) -> AsyncDemoClientClient:
        return AsyncDemoClientClient(ctx.channel, timeout=REVERSE_CALL_TIMEOUT)

    async def add(self, ctx: CallContext, /, *, text: str, shape: Shape | None) -> Note:
        note = self.store.add(text, shape, 'python')
        try:
            await self._client(ctx).show(message=f'saved note {note.id.value}')
        except Exception:
            pass
        return note

    async def get(self, ctx: CallContext, /, *, id: Id) -> Note:
        return self.store.find(id)

    async def list_(self, ctx: CallContext, /, *, limit: int, offset: int) -> list[Note]:
        return self.store.page(limit, offset)

    async def list_all(self, ctx: CallContext, /) -> list[Note]:
        return list(self.store.notes.values())

    async def put_blob(self, ctx: CallContext, /, *, key: str, data: bytes) -> None:
        self.store.blobs[key] = data

    async def get_blob(self, ctx: CallContext, /, *, key: str) -> bytes:
        data = self.store.blobs.get(key)
        if data is None:
            raise NotFound(f'no blob {key}', id=key)
        return data

    async def delete(self, ctx: CallContext, /, *, id: Id) -> None:
        self.store.find(id)
        try:
            yes = await self._client(ctx).confirm(question=f'Delete note {id.value}?')
        except Exception:
            yes = False
        if not yes:
            raise Forbidden(f'delete of {id.value} not confirmed', reason='the client did not confirm')
        self.store.notes.pop(id.value, None)

    async def log(self, ctx: CallContext, /, *, line: str, level: int) -> None:
        async def later() -> None:
            try:
                client = self._client(ctx)
                await client.show(message=f'read your log line "{line}"')
                await client.ping_count(count=1)
            except Exception:
                pass
        task = asyncio.create_task(later())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def pick_color(self, ctx: CallContext, /, *, choose: Callable[[list[Color]], Awaitable[Color]]) -> Color:
        return await choose([Color.red, Color.green, Color.blue])


async def async_wait_for(get: Callable[[], Any], what: str) -> Any:
    for _ in range(500):
        value = get()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise RuntimeError(f'{what} did not start listening')


def async_port(server: Any) -> int:
    if server is None or not server.sockets:
        return 0
    return int(server.sockets[0].getsockname()[1])


async def serve_async(endpoints: list[Endpoint], serialiser: str) -> None:
    from sparrowrpc.asyncio import AsyncDispatcher
    from sparrowrpc.asyncio.transports import AsyncTcpListener, AsyncUnixSocketListener
    from sparrowrpc.asyncio.transports.websockets import AsyncWebsocketListener

    engine = create_engine()
    dispatcher = AsyncDispatcher(num_threads=8)
    register = FunctionRegister()
    register_demo_async(AsyncDemo(), register)
    register_notes_async(AsyncNotes(), register, authorize=allow_admin)
    for endpoint in endpoints:
        if endpoint.kind == 'tcp':
            tcp = AsyncTcpListener(engine, dispatcher, func_registers=register)
            await tcp.run_server(endpoint.host, endpoint.port, block=False)
            port = await async_wait_for(lambda: async_port(tcp.async_server), endpoint.url())
        elif endpoint.kind == 'unix':
            unix = AsyncUnixSocketListener(engine, dispatcher, func_registers=register)
            await unix.run_server(endpoint.path, replace_if_in_use=True, block=False)
            await async_wait_for(lambda: os.path.exists(endpoint.path), endpoint.url())
            port = 0
        else:
            ws = AsyncWebsocketListener(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register)
            await ws.run_server(endpoint.host, endpoint.port, block=False)
            port = await async_wait_for(lambda: ws.websocket_server and async_port(ws.websocket_server), endpoint.url())
        print(f'listening on {endpoint.url(port)}', flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def main(argv: list[str]) -> int:
    # The reference logs every remote error it passes on; the demo reports them itself.
    logging.getLogger('sparrowrpc').setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(prog='demo:py-server', usage=USAGE.removeprefix('usage: '), add_help=True)
    parser.add_argument('--listen', action='append', default=[])
    parser.add_argument('--serializer', default='json')
    parser.add_argument('--layout', default='0.1.2', choices=['0.1.2', 'next'], help='the reference version (the launcher puts it on the path)')
    parser.add_argument('--async', dest='use_async', action='store_true')
    args = parser.parse_args(argv)
    try:
        if not args.listen:
            raise UsageError('--listen <url> is required')
        endpoints = [parse_url(url) for url in args.listen]
        serialiser = serialiser_code(args.serializer)
    except UsageError as error:
        print(f'demo:py-server: {error}\n{USAGE}', file=sys.stderr)
        return 2
    if args.use_async:
        asyncio.run(serve_async(endpoints, serialiser))
    else:
        serve_threaded(endpoints, serialiser)
    return 0


if __name__ == '__main__':
    code = main(sys.argv[1:])
    sys.stdout.flush()
    # The reference's listener and channel threads do not all stop on shutdown: leave without waiting for them.
    os._exit(code)
