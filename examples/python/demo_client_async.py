"""The Python demo client's asyncio run: every call pattern through the generated asyncio clients."""
from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from demo.common import Forbidden, Id, NotFound
from demo.v1 import AsyncDemoClient, AsyncNotesClient, Circle, Color, Note, register_demo_client_async
from demo_client_common import BLOB_SIZE, CALL_TIMEOUT, EVENT_TIMEOUT, FRUIT, TOKEN_SKIP, AsyncInbox, Inbox, Report, circle, failure, is_token_refusal, sparrow_peer
from demo_urls import Endpoint
from sparrowrpc.registers import FunctionRegister
from sparrowrpc_typed import create_engine


async def run_async(endpoint: Endpoint, serialiser: str, tag: str, report: Report) -> None:
    from sparrowrpc.asyncio import AsyncDispatcher
    from sparrowrpc.asyncio.transports import AsyncTcpConnector, AsyncUnixSocketConnector
    from sparrowrpc.asyncio.transports.websockets import AsyncWebsocketConnector

    engine = create_engine()
    dispatcher = AsyncDispatcher(num_threads=4)
    register = FunctionRegister()
    inbox = Inbox()
    register_demo_client_async(AsyncInbox(inbox), register)
    channel: Any
    if endpoint.kind == 'tcp':
        channel = await AsyncTcpConnector(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register).connect(endpoint.host, endpoint.port)
    elif endpoint.kind == 'unix':
        channel = await AsyncUnixSocketConnector(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register).connect(endpoint.path)
    else:
        channel = await AsyncWebsocketConnector(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register).connect(endpoint.url())
    await channel.start_channel()
    demo = AsyncDemoClient(channel, timeout=CALL_TIMEOUT)
    notes = AsyncNotesClient(channel, timeout=CALL_TIMEOUT)

    async def step(what: str, body: Callable[[], Any]) -> None:
        try:
            await body()
        except Exception as error:
            if is_token_refusal(error):
                report.skip(what, TOKEN_SKIP)
            else:
                report.call(what, failure(error), False)

    async def ping() -> None:
        answer = await channel.request(namespace='#sys').ping()
        report.call('#sys.ping()', repr(answer), answer == 'pong')

    async def hello() -> None:
        answer = await demo.hello_world()
        report.call('hello_world()', repr(answer), answer == 'Hello world!')
        answer = await demo.hello_world(name='Bill')
        report.call('hello_world(name="Bill")', repr(answer), answer == 'Hello Bill!')

    async def progress() -> None:
        seen: list[str] = []
        answer = await demo.demo_progress_update(data=FRUIT, progress=seen.append)
        for _ in range(100):
            if len(seen) >= len(FRUIT):
                break
            await asyncio.sleep(0.01)
        report.call('demo_progress_update(data, progress)', f'{answer!r} after {len(seen)} progress callbacks', answer == 'Processed 3 items' and len(seen) == 3)

    async def multipart() -> None:
        parts = [part async for part in demo.demo_multipart_response(up_to=4)]
        report.call('demo_multipart_response(up_to=4)', f'{len(parts)} parts: {parts}', parts == [(1, 2), (2, 5), (3, 10), (4, 17)])

    async def iterable_param() -> None:
        async def items() -> AsyncIterator[int]:
            for item in [1, 10, 30, 3]:
                yield item

        answer = await demo.demo_multipart_param(data=items())
        report.call('demo_multipart_param(data=async iter)', repr(answer), answer == 44)

    for what, body in [('#sys.ping()', ping), ('hello_world()', hello), ('demo_progress_update', progress),
                       ('demo_multipart_response', multipart), ('demo_multipart_param', iterable_param)]:
        await step(what, body)

    try:
        features: object = await channel.request(namespace='#sys').features()
    except Exception as error:
        features = error
    if not sparrow_peer(features, report):
        return

    added: list[Note] = []

    async def add() -> None:
        note = await notes.add(text=f'first note ({tag})', shape=circle())
        added.append(note)
        events = inbox.drain()
        ok = isinstance(note.shape, Circle) and isinstance(note.created_at, int) and any(k == 'show' for k, _ in events)
        report.call('notes.add(text, shape=Circle)', f'Note {note.id.value}, shape {type(note.shape).__name__}, created_at {note.created_at}', ok)

    async def get_missing() -> None:
        try:
            note = await notes.get(id=Id(value='missing'))
            report.call('notes.get(id="missing")', f'expected NotFound, got {note!r}', False)
        except NotFound as error:
            report.call('notes.get(id="missing")', f'raised NotFound(id={error.id!r}) (the generated class)', error.id == 'missing')

    async def delete() -> None:
        if not added:
            raise RuntimeError('no note to delete (notes.add failed)')
        inbox.confirm_answer = True
        await notes.delete(id=added[0].id)
        confirmed = any(k == 'confirm' for k, _ in inbox.drain())
        report.call(f'notes.delete(id="{added[0].id.value}")  @auth', 'deleted once the client confirmed', confirmed)
        second = await notes.add(text=f'second note ({tag})')
        inbox.drain()
        inbox.confirm_answer = False
        try:
            await notes.delete(id=second.id)
            report.call(f'notes.delete(id="{second.id.value}")  @auth', 'expected Forbidden, but it was deleted', False)
        except Forbidden as error:
            report.call(f'notes.delete(id="{second.id.value}")  @auth', f'raised Forbidden(reason={error.reason!r})', True)
        finally:
            inbox.confirm_answer = True

    async def pick() -> None:
        offered: list[Color] = []

        async def choose(options: list[Color]) -> Color:
            offered.extend(options)
            return Color.green

        color = await notes.pick_color(choose=choose)
        report.call('notes.pick_color(choose=callback)', f'{color.name}: chosen from {", ".join(c.name for c in offered)}', color == Color.green)

    async def log() -> None:
        await notes.log(line='hello from the Python client')
        events = await asyncio.to_thread(inbox.wait_for, 'ping_count')
        ok = any(k == 'show' for k, _ in events) and any(k == 'ping_count' for k, _ in events)
        report.call('notes.log(line)  notification', 'the server called back afterwards, outside any call' if ok else f'only {len(events)} calls back', ok)

    async def changes() -> None:
        wanted = 3
        seen: list[Note] = []

        async def consume() -> None:
            async for note in notes.changes():
                if tag in note.text and note.text.startswith('tick'):
                    seen.append(note)
                    if len(seen) == wanted:
                        return

        # The asyncio subscription goes out when the task first asks for an item, which this
        # coroutine cannot observe: ticks are added until three have arrived (at most ten).
        task = asyncio.create_task(consume())
        for i in range(1, 11):
            if task.done():
                break
            await notes.add(text=f'tick {i} ({tag})')
            await asyncio.wait({task}, timeout=0.3)
        if not task.done():
            await asyncio.wait({task}, timeout=EVENT_TIMEOUT)
        task.cancel()
        inbox.drain()
        report.call('notes.changes  topic', f'subscribed, {len(seen)} published values', len(seen) == wanted)

    async def blobs() -> None:
        blob = os.urandom(BLOB_SIZE)
        key = f'blob-{tag}'
        await notes.put_blob(key=key, data=blob)
        back = await notes.get_blob(key=key)
        same = hashlib.sha256(back).hexdigest() == hashlib.sha256(blob).hexdigest()
        report.call(f'notes.put_blob + get_blob({BLOB_SIZE // 1024} KiB)', f'{len(back)} bytes back, sha256 {"matches" if same else "differs"}', same)

    async def listing() -> None:
        page = await notes.list_()
        ours = sum(1 for note in page if tag in note.text)
        report.call('notes.list()', f'{len(page)} notes ({ours} from this run)', 0 < len(page) <= 100)

    for what, body in [('notes.add', add), ('notes.get(missing)', get_missing), ('notes.delete', delete), ('notes.pick_color', pick),
                       ('notes.log', log), ('notes.changes', changes), ('notes.put_blob + get_blob', blobs), ('notes.list', listing)]:
        await step(what, body)
