"""Runs the reference's threaded or asyncio client against a TypeScript server.

Usage: client_driver.py threaded|async reference|demo SPEC_JSON

SPEC_JSON: {"connections": [{"transport": "tcp", "address": ...}, ...],
"serialisers": ["j", "m", "c"]}; address is [host, port] for tcp, a path for
unix, a ws:// URL for ws. Every case runs on a fresh channel per transport x
serialiser; each prints one JSON line {transport, serialiser, case, ok,
detail}. A case that does not finish within CASE_TIMEOUT seconds is reported
as a hang and ends that channel (the reference's client has no timeouts).
"""
import asyncio
import json
import logging
import math
import sys
import threading
import time

from sparrowrpc import export
from sparrowrpc.engine import ProtocolEngine
from sparrowrpc.exceptions import CalleeException, CallerException, TargetNotFound
from sparrowrpc.messages import Notification, RequestType

from describe import describe

logging.basicConfig(stream=sys.stderr, level=logging.CRITICAL)
ENGINE, TARGET = sys.argv[1], sys.argv[2]
SPEC = json.loads(sys.argv[3])
CASE_TIMEOUT = 60
# Megabytes through the reference's 8 KiB reads take long on a loaded machine.
LARGE_TIMEOUT = 240
THREADED = ENGINE == 'threaded'

if THREADED:
    from sparrowrpc.threaded import ThreadedDispatcher as Dispatcher
else:
    from sparrowrpc.asyncio import AsyncDispatcher as Dispatcher

# Reverse calls from the TS server land here (the global register).
if THREADED:
    @export
    def display_chat_message(msg):
        return f'shown {msg}'
else:
    @export
    async def display_chat_message(msg):
        return f'shown {msg}'


class Client:
    """One channel, with the engine's differences (await or not) kept here."""

    def __init__(self, channel):
        self.channel = channel

    async def call(self, target, namespace=None, multipart=False, request_type=RequestType.NORMAL, ack_callback=None, **params):
        maker = self.channel.request(namespace=namespace, multipart_response=multipart, request_type=request_type, ack_callback=ack_callback)
        proxy = getattr(maker, target)
        if THREADED:
            def run():
                result = proxy(**params)
                return list(result) if multipart else result
            return await asyncio.to_thread(run)
        result = await proxy(**params)
        if multipart:
            return [item async for item in result]
        return result

    async def notify(self, target, params):
        message = Notification(target=target, params=params)
        proxy = self.channel.get_proxy()
        if THREADED:
            await asyncio.to_thread(proxy.send_notification, message)
        else:
            await proxy.send_notification(message)

    def callback(self, func):
        """A callback param in the engine's style (asyncio wants a coroutine function)."""
        if THREADED:
            return func

        async def wrapper(*args, **kwargs):
            return func(*args, **kwargs)
        return wrapper

    def iterable(self, items):
        if THREADED:
            return iter(list(items))

        async def generate():
            for item in items:
                yield item
        return generate()


def expect(condition, detail):
    if not condition:
        raise AssertionError(detail)


async def expect_raises(kind, coroutine):
    try:
        result = await coroutine
    except kind as error:
        return error
    raise AssertionError(f'expected {kind.__name__}, got result {result!r}')


def same(value, expected):
    """Equal and of the same types all the way down (5 != 5.0, -0.0 != 0.0, nan == nan)."""
    return describe(value) == describe(expected)


# ---------------------------------------------------------------- cases

async def case_ping(c, ser):
    expect(await c.call('ping', namespace='#sys') == 'pong', 'pong')


async def case_hello_world(c, ser):
    expect(await c.call('hello_world') == 'Hello world!', 'hello world')


async def case_named_params(c, ser):
    result = await c.call('hello_world', name='Bill')
    expect(result == 'Hello Bill!', result)


async def case_namespace(c, ser):
    result = await c.call('add', namespace='maths', a=2, b=3)
    expect(same(result, 5), describe(result))


async def case_multipart(c, ser):
    result = await c.call('multipart_response', multipart=True)
    expect(result == ['apple', 'banana', 'mango'], result)


async def case_progress_notification(c, ser):
    messages = []
    result = await c.call('optional_progress_callback', progress=c.callback(lambda message: messages.append(message)))
    expect(result == 45, result)
    expect(messages == [f'Added {x} to total' for x in range(10)], messages)


async def case_progress_request(c, ser):
    result = await c.call('progress_request', progress=c.callback(lambda step: f'ok {step}'))
    expect(result == ['ok 0', 'ok 1', 'ok 2'], result)


async def case_iterable(c, ser):
    result = await c.call('iterable_param', nums=c.iterable([1, 10, 30, 3]))
    expect(result == 44, result)


async def case_division(c, ser):
    result = await c.call('division', a=10, b=4)
    expect(same(result, 2.5), describe(result))


async def case_caller_error(c, ser):
    error = await expect_raises(CallerException, c.call('division', a=10, b=0))
    expect('b must not be 0' in str(error), str(error))
    await expect_raises(CallerException, c.call('division', a=10, b=None))


async def case_callee_error(c, ser):
    error = await expect_raises(CalleeException, c.call('division', a=11, b=2))
    expect('a == 11 is a server bug' in str(error), str(error))


async def case_unknown_target(c, ser):
    await expect_raises(TargetNotFound, c.call('no_such_target', x=1))


async def case_notification(c, ser):
    text = f'note {ser} {id(c)}'
    await c.notify('record', {'text': text})
    for _ in range(100):
        if text in await c.call('recorded'):
            return
        await asyncio.sleep(0.02)
    raise AssertionError('notification never handled')


async def case_notification_without_params(c, ser):
    # The reference sends no params part for an empty notification (its own receiver dies on that).
    before = await c.call('empty_notifications')
    await c.notify('empty_notification', {})
    for _ in range(100):
        if await c.call('empty_notifications') > before:
            return
        await asyncio.sleep(0.02)
    raise AssertionError('empty notification never handled')


async def case_quiet(c, ser):
    result = await c.call('hello_world', request_type=RequestType.QUIET, name='q')
    expect(result is None, result)


async def case_ack(c, ser):
    acks = []
    result = await c.call('hello_world', ack_callback=c.callback(lambda *args, **kwargs: acks.append(1)), name='ack')
    expect(result == 'Hello ack!', result)
    expect(len(acks) == 1, acks)


async def case_reverse_call(c, ser):
    result = await c.call('reverse_call', text='hi')
    expect(result == 'server got back: shown hi', result)


async def case_bytes(c, ser):
    result = await c.call('bytes_result')
    expect(result == b'\x00\x01\xfe\xff', result)
    if ser != 'j':  # Python's json cannot write bytes
        data = bytes(range(256))
        expect(await c.call('echo', value=data) == data, 'bytes echo')


async def case_int64(c, ser):
    values = [2 ** 62, -(2 ** 63), 2 ** 63 - 1, 2 ** 53 + 1]
    if ser != 'j':
        values.append(2 ** 64 - 1)
    for value in values:
        result = await c.call('echo', value=value)
        expect(same(result, value), f'{value} came back as {describe(result)}')


async def case_unicode(c, ser):
    text = 'héllo ✓ 𝄞 中文 \x00 "quoted" \\'
    result = await c.call('echo', value=text)
    expect(result == text, ascii(result))


async def case_large(c, ser, transport):
    if transport == 'ws':
        return 'skipped: the reference ws client keeps a 1 MiB message limit (ws-message-limit)'
    # 8 MiB once per version x engine (tcp, msgpack): the reference reads 8 KiB at a time, so it is slow.
    for mib in ((1, 8) if transport == 'tcp' and ser == 'm' else (1,)):
        value = ('sparrow-interop-' * (mib * 65536)) if ser == 'j' else bytes(range(256)) * (mib * 4096)
        result = await c.call('echo', value=value)
        expect(result == value, f'{mib} MiB round trip')


# Values arrive as they were sent (docs/interop.md): each goes to the TS peer and back.
VALUES = {
    '2^32': 2 ** 32,
    'ms timestamp': 1700000000000,
    '-(2^31) - 1': -(2 ** 31) - 1,
    '-(2^32) - 1': -(2 ** 32) - 1,
    'float 0.5': 0.5,
    'integral float 5.0 (comes back as int 5: JS cannot tell)': None,
    'NaN': float('nan'),
    'Infinity': float('inf'),
    '-Infinity': float('-inf'),
    '-0.0': -0.0,
}


async def case_values(c, ser):
    failures = []
    for name, value in VALUES.items():
        if value is None:
            result = await c.call('echo', value=5.0)
            if not same(result, 5):
                failures.append(f'{name}: {describe(result)}')
            continue
        result = await c.call('echo', value=value)
        if not same(result, value):
            failures.append(f'{name}: sent {describe(value)}, got {describe(result)}')
    expect(not failures, '; '.join(failures))


async def case_iterable_none(c, ser):
    result = await c.call('iterable_collect', items=c.iterable([1, None, 2]))
    expect(same(result, [1, None, 2]), describe(result))


async def case_int_keys(c, ser):
    value = {1: 'one', 2: 'two'}
    if ser == 'c':
        result = await c.call('echo', value=value)
        expect(same(result, value), describe(result))
    # What the TS peer decoded: a Map with the keys' own types (JSON keys are strings).
    seen = await c.call('describe_value', namespace='probe', value=value)
    expected = "{str:'1'=str:'one', str:'2'=str:'two'}" if ser == 'j' else "Map{int:1=str:'one', int:2=str:'two'}"
    expect(seen == expected, seen)


async def case_undecodable(c, ser):
    # Deeper than the TS peer's 64-level limit (the params map counts): a typed error answer, never silence.
    deep = 'bottom'
    for _ in range(70):
        deep = [deep]
    error = await expect_raises(CallerException, c.call('echo', value=deep))
    expect('nested deeper' in str(error), str(error))
    if ser != 'j':
        # Bytes keys, which the reference decodes: decoded (a Map keyed by bytes) and answered.
        seen = await c.call('describe_value', namespace='probe', value={b'k': 1})
        expect(seen == 'Map{bytes:6b=int:1}', seen)
    expect(await c.call('ping', namespace='#sys') == 'pong', 'connection alive after')


REFERENCE_CASES = [
    case_ping, case_hello_world, case_named_params, case_namespace, case_multipart, case_progress_notification,
    case_progress_request, case_iterable, case_division, case_caller_error, case_callee_error, case_unknown_target,
    case_notification, case_notification_without_params, case_quiet, case_ack, case_reverse_call, case_bytes,
    case_int64, case_unicode, case_large, case_values, case_iterable_none, case_int_keys, case_undecodable,
]


# The TS demo server (npm run demo:server): the seed README's calls as a Python client makes them.
async def demo_hello(c, ser):
    expect(await c.call('hello_world', name='Py') == 'Hello Py!', 'hello')


async def demo_progress(c, ser):
    messages = []
    result = await c.call('demo_progress_update', data=['a', 'b', 'c'], progress=c.callback(lambda message: messages.append(message)))
    expect(result == 'Processed 3 items', result)
    expect(len(messages) == 3, messages)


async def demo_multipart(c, ser):
    result = await c.call('demo_multipart_response', multipart=True, up_to=4)
    expect(result == [[x, x * x + 1] for x in range(1, 5)], result)


async def demo_iterable(c, ser):
    expect(await c.call('demo_multipart_param', data=c.iterable([1, 10, 30, 3])) == 44, 'sum')


async def demo_notes(c, ser):
    note = await c.call('add', namespace='notes', text='from python')
    expect(note['text'] == 'from python' and isinstance(note['created_at'], int), describe(note))
    got = await c.call('get', namespace='notes', id=note['id'])
    expect(got == note, describe(got))
    error = await expect_raises(Exception, c.call('get', namespace='notes', id={'value': 'no-such-note'}))
    expect(isinstance(error, (CallerException, CalleeException)) and 'NotFound' in f'{type(error).__name__} {error}', f'{type(error).__name__}: {error}')


DEMO_CASES = [demo_hello, demo_progress, demo_multipart, demo_iterable, demo_notes]


# ---------------------------------------------------------------- running

def connector_for(transport, engine, dispatcher, ser):
    if THREADED:
        if transport == 'ws':
            from sparrowrpc.threaded.transports.websockets import ThreadedWebsocketConnector as Connector
        elif transport == 'tcp':
            from sparrowrpc.threaded.transports import ThreadedTcpConnector as Connector
        else:
            from sparrowrpc.threaded.transports import ThreadedUnixSocketConnector as Connector
    else:
        if transport == 'ws':
            from sparrowrpc.asyncio.transports.websockets import AsyncWebsocketConnector as Connector
        elif transport == 'tcp':
            from sparrowrpc.asyncio.transports import AsyncTcpConnector as Connector
        else:
            from sparrowrpc.asyncio.transports import AsyncUnixSocketConnector as Connector
    return Connector(engine, dispatcher, default_serialiser_sig=ser)


async def open_channel(connection, ser):
    engine = ProtocolEngine()
    dispatcher = Dispatcher(num_threads=5)
    connector = connector_for(connection['transport'], engine, dispatcher, ser)
    address = connection['address']
    args = tuple(address) if isinstance(address, list) else (address,)
    if THREADED:
        channel = await asyncio.to_thread(connector.connect, *args)
        channel.start_channel()
    else:
        channel = await connector.connect(*args)
        await channel.start_channel()
    return channel, dispatcher


async def close_channel(channel, dispatcher):
    if THREADED:
        # Joining the reader of a dead channel may block: give it a bounded thread.
        thread = threading.Thread(target=lambda: (channel.shutdown_channel(), dispatcher.shutdown()), daemon=True)
        thread.start()
        await asyncio.to_thread(thread.join, 5)
    else:
        try:
            await asyncio.wait_for(channel.shutdown_channel(), 5)
            await asyncio.wait_for(dispatcher.shutdown(), 5)
        except Exception:
            pass


def report(connection, ser, name, ok, detail=''):
    print(json.dumps({'transport': connection['transport'], 'serialiser': ser, 'case': name, 'ok': ok, 'detail': detail}), flush=True)


async def run_connection(connection, ser, cases):
    channel, dispatcher = await open_channel(connection, ser)
    client = Client(channel)
    alive = True
    for case in cases:
        name = case.__name__.removeprefix('case_').removeprefix('demo_')
        if not alive:
            report(connection, ser, name, False, 'not run: an earlier case hung')
            continue
        try:
            args = (client, ser, connection['transport']) if case is case_large else (client, ser)
            started = time.monotonic()
            detail = await asyncio.wait_for(case(*args), LARGE_TIMEOUT if case is case_large else CASE_TIMEOUT)
            report(connection, ser, name, True, (detail or '') + f' [{time.monotonic() - started:.2f} s]')
        except asyncio.TimeoutError:
            alive = False
            report(connection, ser, name, False, 'hung: no answer within the case timeout')
        except Exception as error:
            report(connection, ser, name, False, f'{type(error).__name__}: {error}')
    await close_channel(channel, dispatcher)


async def main():
    cases = REFERENCE_CASES if TARGET == 'reference' else DEMO_CASES
    for connection in SPEC['connections']:
        for ser in SPEC['serialisers']:
            await run_connection(connection, ser, cases)


if __name__ == '__main__':
    asyncio.run(main())
    # Threads of channels the TS side never closed must not keep the process alive.
    sys.stdout.flush()
    import os
    os._exit(0)
