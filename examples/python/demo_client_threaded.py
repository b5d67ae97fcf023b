"""The Python demo client's threaded run: every call pattern through the generated threaded clients."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from demo.common import Forbidden, Id, NotFound
from demo.v1 import Circle, Color, DemoClient, Note, NotesClient, register_demo_client
from demo_client_common import BLOB_SIZE, CALL_TIMEOUT, EVENT_TIMEOUT, FRUIT, TOKEN_SKIP, Inbox, Report, ThreadedInbox, circle, failure, is_token_refusal, sparrow_peer
from demo_urls import Endpoint
from sparrowrpc.registers import FunctionRegister
from sparrowrpc_typed import create_engine


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
            if is_token_refusal(error):
                report.skip(what, TOKEN_SKIP)
            else:
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
