"""What the Python demo client's threaded and asyncio runs share: the report, the inbox of calls back, constants."""
from __future__ import annotations

import threading
import time

from demo.v1 import Circle, Color, Point
from sparrowrpc.exceptions import CallerException
from sparrowrpc_typed import CallContext

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

    def skip(self, what: str, reason: str = 'reference peer') -> None:
        self.skipped += 1
        print(f'  – {what:<46}   skipped ({reason})', flush=True)


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


def is_token_refusal(error: BaseException) -> bool:
    """A Sparrow server that wants its token for @auth members: the reference runtime cannot send a credential."""
    return isinstance(error, CallerException) and type(error).__name__ == 'PermissionDenied'


TOKEN_SKIP = 'the server wants its token for @auth members; a Python client cannot send one'


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
