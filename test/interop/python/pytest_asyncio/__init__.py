"""A minimal stand-in for pytest-asyncio, enough for the reference's tests/test_async.py.

Debian's python3-pytest-asyncio (0.20) predates the `loop_scope` the suite
uses; this runs every async fixture and test on one event loop for the
session (one test module per run), which is what the suite asks for with
loop_scope="module". Loaded with `-p pytest_asyncio`.
"""
import asyncio
import functools
import inspect

import pytest

_loop = None


def _get_loop():
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop


def fixture(*args, **kwargs):
    """pytest_asyncio.fixture: an async (generator) fixture run on the shared loop."""
    def wrap(func):
        if inspect.isasyncgenfunction(func):
            @functools.wraps(func)
            def sync_generator(*a, **kw):
                generator = func(*a, **kw)
                yield _get_loop().run_until_complete(generator.__anext__())
                try:
                    _get_loop().run_until_complete(generator.__anext__())
                except StopAsyncIteration:
                    pass
            return pytest.fixture(*args, **kwargs)(sync_generator)
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            def sync_function(*a, **kw):
                return _get_loop().run_until_complete(func(*a, **kw))
            return pytest.fixture(*args, **kwargs)(sync_function)
        return pytest.fixture(*args, **kwargs)(func)

    if len(args) == 1 and callable(args[0]) and not kwargs:
        func, args = args[0], ()
        return wrap(func)
    return wrap


def pytest_configure(config):
    config.addinivalue_line('markers', 'asyncio: run the coroutine test on the shared event loop')


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    _get_loop().run_until_complete(pyfuncitem.obj(**kwargs))
    return True
