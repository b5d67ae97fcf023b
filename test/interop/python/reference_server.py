"""The reference's own listening server, plus a few probes of our own.

Usage: reference_server.py threaded|async --tcp_port N --uds_path P --ws_port N

Imports the reference's tests/listening_server_code_<engine>.py unchanged
(its @export functions land in the global register), adds the targets the
interop matrix needs beyond it (echo, describe, reverse calls, a recorded
notification, request-style callbacks), then runs the reference's main().
PYTHONPATH must hold the reference's src (see test/helpers/python-reference.ts).
"""
import logging
import os
import sys

import sparrowrpc
from sparrowrpc import export
from sparrowrpc.messages import RequestType

from describe import describe

ENGINE = sys.argv[1]
sys.argv = [sys.argv[0]] + sys.argv[2:]
TESTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(sparrowrpc.__file__)))), 'tests')
sys.path.insert(0, TESTS_DIR)

if ENGINE == 'threaded':
    import listening_server_code_threaded as reference
    from sparrowrpc.threaded import ThreadedMsgChannelInjector as ChannelInjector
else:
    import listening_server_code_async as reference
    from sparrowrpc.asyncio import AsyncMsgChannelInjector as ChannelInjector

# The reference logs every message at DEBUG: megabytes per large payload.
logging.getLogger().setLevel(logging.WARNING)

RECORDED = []


@export
def echo(value=None):
    return value


@export(namespace='probe')
def describe_value(value=None):
    return describe(value)


@export
def fail_empty():
    raise RuntimeError()


@export
def record(text):
    RECORDED.append(text)


@export
def recorded():
    return list(RECORDED)


if ENGINE == 'threaded':
    @export
    def iterable_collect(items):
        return list(items)

    @export(injectable_params=dict(channel=ChannelInjector))
    def reverse_call(text, channel):
        reply = channel.request.display_chat_message(msg=text)
        return f'server got back: {reply}'

    @export
    def quiet_progress(progress):
        # Request-style callbacks: only QUIET ones really are requests in the reference (NORMAL degrades).
        progress.set_to_request(RequestType.QUIET)
        for step in range(3):
            progress(step=step)
        return 'done'

    @export(multipart_response=True)
    def count_to(n):
        for k in range(n):
            yield k
else:
    @export
    async def iterable_collect(items):
        return [item async for item in items]

    @export(injectable_params=dict(channel=ChannelInjector))
    async def reverse_call(text, channel):
        reply = await channel.request.display_chat_message(msg=text)
        return f'server got back: {reply}'

    @export
    async def quiet_progress(progress):
        progress.set_to_request(RequestType.QUIET)
        for step in range(3):
            await progress(step=step)
        return 'done'

    @export(multipart_response=True)
    async def count_to(n):
        for k in range(n):
            yield k


if __name__ == '__main__':
    if ENGINE == 'threaded':
        reference.main()
    else:
        import asyncio
        asyncio.run(reference.main())
