"""The Python demo client (``npm run demo:py-client -- --connect <url> [--serializer json|msgpack|cbor] [--async]``).

Runs every call pattern of schemas/demo.sparrow through the generated
clients against a ``npm run demo:server`` (or any peer exporting the demo
services), one line per call, and exits 0 when every call gave the expected
result, 1 otherwise, 2 on a usage error, as ``npm run demo:client`` does.
Against a reference Python peer the Sparrow-only calls are skipped (it
answers ``#sys.features`` with not-found or a bare acknowledge).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from demo.common import Forbidden, Id, NotFound
from demo.v1 import (AsyncDemoClient, AsyncNotesClient, Circle, Color, DemoClient, Note, NotesClient, Point,
                     register_demo_client, register_demo_client_async)
from demo_urls import Endpoint, UsageError, parse_url, serialiser_code
from sparrowrpc.exceptions import CallerException
from sparrowrpc.registers import FunctionRegister
from sparrowrpc_typed import CallContext, RemoteError, create_engine

USAGE = 'usage: demo:py-client --connect <url> [--serializer json|msgpack|cbor] [--layout 0.1.2|next] [--async]'
CALL_TIMEOUT = 5.0
EVENT_TIMEOUT = 3.0
BLOB_SIZE = 256 * 1024
FRUIT = ['apple', 'banana', 'cherry']


class Report:
    """One line per call; counts passes and failures."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def call(self, what: str, detail: str, ok: bool) -> None:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f'  {"✓" if ok else "✗"} {what:<46} → {detail}', flush=True)

    def skip(self, what: str) -> None:
        self.skipped += 1
        print(f'  – {what:<46}   skipped (reference peer)', flush=True)


class Inbox:
    """What the server did to this client through its exported DemoClient (any thread)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.confirm_answer = True
        self.cond = threading.Condition()

    def push(self, kind: str, value: object) -> None:
        with self.cond:
            self.events.append((kind, value))
            self.cond.notify_all()

    def drain(self) -> list[tuple[str, object]]:
        with self.cond:
            events, self.events = self.events, []
            return events

    def wait_for(self, kind: str) -> list[tuple[str, object]]:
        deadline = time.monotonic() + EVENT_TIMEOUT
        with self.cond:
            while not any(k == kind for k, _ in self.events) and time.monotonic() < deadline:
                self.cond.wait(0.05)
        return self.drain()


class ThreadedInbox:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def show(self, ctx: CallContext, /, *, message: str) -> None:
        self.inbox.push('show', message)

    def confirm(self, ctx: CallContext, /, *, question: str) -> bool:
        self.inbox.push('confirm', question)
        return self.inbox.confirm_answer

    def ping_count(self, ctx: CallContext, /, *, count: int) -> None:
        self.inbox.push('ping_count', count)


class AsyncInbox:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def show(self, ctx: CallContext, /, *, message: str) -> None:
        self.inbox.push('show', message)

    async def confirm(self, ctx: CallContext, /, *, question: str) -> bool:
        self.inbox.push('confirm', question)
        return self.inbox.confirm_answer

    async def ping_count(self, ctx: CallContext, /, *, count: int) -> None:
        self.inbox.push('ping_count', count)


def failure(error: BaseException) -> str:
    return f'{type(error).__name__}: {error}'


def is_reference_answer(error: BaseException) -> bool:
    """A reference peer has no #sys.features: not-found (or the bare acknowledge the generated pump reads so)."""
    return isinstance(error, CallerException) and type(error).__name__ == 'TargetNotFound'


SPARROW_ONLY = ['notes.add', 'notes.get(missing)', 'notes.delete', 'notes.pick_color', 'notes.log', 'notes.changes', 'notes.put_blob + get_blob', 'notes.list']


def sparrow_peer(features: object, report: Report) -> bool:
    """Reports the ``#sys.features`` answer (or error); a reference peer gets the Sparrow-only calls skipped."""
    if isinstance(features, BaseException):
        if is_reference_answer(features):
            report.call('#sys.features()', 'not found: a reference peer, no extensions', True)
        else:
            report.call('#sys.features()', failure(features), False)
    else:
        report.call('#sys.features()', f'{features!r} (a Sparrow peer)', isinstance(features, list))
        if isinstance(features, list):
            return True
    for what in SPARROW_ONLY:
        report.skip(what)
    return False


def circle() -> Circle:
    return Circle(center=Point(x=1, y=2, color=Color.green), radius=3)


# ───────────────────────────── threaded ─────────────────────────────

def run_threaded(endpoint: Endpoint, serialiser: str, tag: str, report: Report) -> None:
    from sparrowrpc.threaded import ThreadedDispatcher
    from sparrowrpc.threaded.transports import ThreadedTcpConnector, ThreadedUnixSocketConnector
    from sparrowrpc.threaded.transports.websockets import ThreadedWebsocketConnector

    engine = create_engine()
    dispatcher = ThreadedDispatcher(num_threads=4)
    register = FunctionRegister()
    inbox = Inbox()
    register_demo_client(ThreadedInbox(inbox), register)
    channel: Any
    if endpoint.kind == 'tcp':
        channel = ThreadedTcpConnector(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register).connect(endpoint.host, endpoint.port)
    elif endpoint.kind == 'unix':
        channel = ThreadedUnixSocketConnector(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register).connect(endpoint.path)
    else:
        channel = ThreadedWebsocketConnector(engine, dispatcher, default_serialiser_sig=serialiser, func_registers=register).connect(endpoint.url())
    channel.start_channel()
    demo = DemoClient(channel, timeout=CALL_TIMEOUT)
    notes = NotesClient(channel, timeout=CALL_TIMEOUT)

    def step(what: str, body: Callable[[], None]) -> None:
        try:
            body()
        except Exception as error:
            report.call(what, failure(error), False)

    def ping() -> None:
        answer = channel.request(namespace='#sys').ping()
        report.call('#sys.ping()', repr(answer), answer == 'pong')

    def hello() -> None:
        answer = demo.hello_world()
        report.call('hello_world()', repr(answer), answer == 'Hello world!')
        answer = demo.hello_world(name='Bill')
        report.call('hello_world(name="Bill")', repr(answer), answer == 'Hello Bill!')

    def progress() -> None:
        seen: list[str] = []
        answer = demo.demo_progress_update(data=FRUIT, progress=seen.append)
        for _ in range(100):
            if len(seen) >= len(FRUIT):
                break
            time.sleep(0.01)
        report.call('demo_progress_update(data, progress)', f'{answer!r} after {len(seen)} progress callbacks', answer == 'Processed 3 items' and len(seen) == 3)

    def multipart() -> None:
        parts = list(demo.demo_multipart_response(up_to=4))
        report.call('demo_multipart_response(up_to=4)', f'{len(parts)} parts: {parts}', parts == [(1, 2), (2, 5), (3, 10), (4, 17)])

    def iterable_param() -> None:
        answer = demo.demo_multipart_param(data=iter([1, 10, 30, 3]))
        report.call('demo_multipart_param(data=iter)', repr(answer), answer == 44)

    for what, body in [('#sys.ping()', ping), ('hello_world()', hello), ('demo_progress_update', progress),
                       ('demo_multipart_response', multipart), ('demo_multipart_param', iterable_param)]:
        step(what, body)

    try:
        features: object = channel.request(namespace='#sys').features()
    except Exception as error:
        features = error
    if not sparrow_peer(features, report):
        return

    added: list[Note] = []

    def add() -> None:
        note = notes.add(text=f'first note ({tag})', shape=circle())
        added.append(note)
        events = inbox.drain()
        ok = isinstance(note.shape, Circle) and isinstance(note.created_at, int) and any(k == 'show' for k, _ in events)
        report.call('notes.add(text, shape=Circle)', f'Note {note.id.value}, shape {type(note.shape).__name__}, created_at {note.created_at}', ok)

    def get_missing() -> None:
        try:
            note = notes.get(id=Id(value='missing'))
            report.call('notes.get(id="missing")', f'expected NotFound, got {note!r}', False)
        except NotFound as error:
            report.call('notes.get(id="missing")', f'raised NotFound(id={error.id!r}) (the generated class)', error.id == 'missing')

    def delete() -> None:
        if not added:
            raise RuntimeError('no note to delete (notes.add failed)')
        inbox.confirm_answer = True
        notes.delete(id=added[0].id)
        confirmed = any(k == 'confirm' for k, _ in inbox.drain())
        report.call(f'notes.delete(id="{added[0].id.value}")  @auth', 'deleted once the client confirmed', confirmed)
        second = notes.add(text=f'second note ({tag})')
        inbox.drain()
        inbox.confirm_answer = False
        try:
            notes.delete(id=second.id)
            report.call(f'notes.delete(id="{second.id.value}")  @auth', 'expected Forbidden, but it was deleted', False)
        except Forbidden as error:
            report.call(f'notes.delete(id="{second.id.value}")  @auth', f'raised Forbidden(reason={error.reason!r})', True)
        finally:
            inbox.confirm_answer = True

    def pick() -> None:
        offered: list[Color] = []

        def choose(options: list[Color]) -> Color:
            offered.extend(options)
            return Color.green

        color = notes.pick_color(choose=choose)
        report.call('notes.pick_color(choose=callback)', f'{color.name}: chosen from {", ".join(c.name for c in offered)}', color == Color.green)

    def log() -> None:
        notes.log(line='hello from the Python client')
        events = inbox.wait_for('ping_count')
        ok = any(k == 'show' for k, _ in events) and any(k == 'ping_count' for k, _ in events)
        report.call('notes.log(line)  notification', 'the server called back afterwards, outside any call' if ok else f'only {len(events)} calls back', ok)

    def changes() -> None:
        wanted = 3
        seen: list[Note] = []
        done = threading.Event()
        subscription = notes.changes()

        def consume() -> None:
            for note in subscription:
                if tag in note.text and note.text.startswith('tick'):
                    seen.append(note)
                    if len(seen) == wanted:
                        done.set()
                        return

        threading.Thread(target=consume, daemon=True).start()
        # The subscription is in place once the server has our request: a ping behind it proves that.
        channel.request(namespace='#sys').ping()
        for i in range(1, wanted + 1):
            notes.add(text=f'tick {i} ({tag})')
        done.wait(EVENT_TIMEOUT)
        inbox.drain()
        report.call('notes.changes  topic', f'subscribed, {len(seen)} published values', len(seen) == wanted)

    def blobs() -> None:
        blob = os.urandom(BLOB_SIZE)
        key = f'blob-{tag}'
        notes.put_blob(key=key, data=blob)
        back = notes.get_blob(key=key)
        same = hashlib.sha256(back).hexdigest() == hashlib.sha256(blob).hexdigest()
        report.call(f'notes.put_blob + get_blob({BLOB_SIZE // 1024} KiB)', f'{len(back)} bytes back, sha256 {"matches" if same else "differs"}', same)

    def listing() -> None:
        page = notes.list_()
        ours = sum(1 for note in page if tag in note.text)
        report.call('notes.list()', f'{len(page)} notes ({ours} from this run)', 0 < len(page) <= 100)

    for what, body in [('notes.add', add), ('notes.get(missing)', get_missing), ('notes.delete', delete), ('notes.pick_color', pick),
                       ('notes.log', log), ('notes.changes', changes), ('notes.put_blob + get_blob', blobs), ('notes.list', listing)]:
        step(what, body)


# ───────────────────────────── asyncio ─────────────────────────────

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


def main(argv: list[str]) -> int:
    # The reference logs every remote error it passes on; the demo reports them itself.
    logging.getLogger('sparrowrpc').setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(prog='demo:py-client', usage=USAGE.removeprefix('usage: '))
    parser.add_argument('--connect')
    parser.add_argument('--serializer', default='json')
    parser.add_argument('--layout', default='0.1.2', choices=['0.1.2', 'next'])
    parser.add_argument('--async', dest='use_async', action='store_true')
    args = parser.parse_args(argv)
    try:
        if args.connect is None:
            raise UsageError('--connect <url> is required')
        endpoint = parse_url(args.connect)
        serialiser = serialiser_code(args.serializer)
    except UsageError as error:
        print(f'demo:py-client: {error}\n{USAGE}', file=sys.stderr)
        return 2
    engine_name = 'asyncio' if args.use_async else 'threaded'
    print(f'── {args.connect} · {args.serializer} · layout {args.layout} · {engine_name} ──', flush=True)
    report = Report()
    tag = f'{os.getpid()}-{args.serializer}-{engine_name}'
    try:
        if args.use_async:
            asyncio.run(asyncio.wait_for(run_async(endpoint, serialiser, tag, report), 120))
        else:
            run_threaded(endpoint, serialiser, tag, report)
    except Exception as error:
        report.call(f'connect {args.connect}', failure(error), False)
    skipped = f', {report.skipped} skipped' if report.skipped else ''
    print(f'  {report.passed + report.failed} calls: {report.passed} ✓, {report.failed} ✗{skipped}', flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == '__main__':
    code = main(sys.argv[1:])
    sys.stdout.flush()
    # The reference's channel threads do not all stop: leave without waiting for them.
    os._exit(code)
