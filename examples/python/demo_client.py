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
import logging
import os
import sys

from demo_client_async import run_async
from demo_client_common import Report, failure
from demo_client_threaded import run_threaded
from demo_urls import UsageError, parse_url, serialiser_code

USAGE = 'usage: demo:py-client --connect <url> [--serializer json|msgpack|cbor] [--layout 0.1.2|next] [--async]'


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
