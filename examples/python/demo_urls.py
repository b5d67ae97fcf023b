"""URLs and flags shared by the Python demo server and client (the TS demo's contract).

``tcp://host:port``, ``unix:/path`` (also ``unix:///path``) and
``ws://host:port/``; ``--serializer json|msgpack|cbor``.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SERIALISERS = {'json': 'j', 'msgpack': 'm', 'cbor': 'c'}


class UsageError(Exception):
    """A bad flag or URL: the script prints it with the usage and exits 2."""


@dataclass(frozen=True)
class Endpoint:
    kind: str  # tcp, unix or ws
    host: str
    port: int
    path: str

    def url(self, port: int | None = None) -> str:
        """The URL as printed in ``listening on <url>`` (with the real port)."""
        real = self.port if port is None else port
        if self.kind == 'unix':
            return f'unix:{self.path}'
        if self.kind == 'ws':
            return f'ws://{self.host}:{real}/'
        return f'tcp://{self.host}:{real}'


def parse_url(url: str) -> Endpoint:
    """An endpoint from a URL; raises ``UsageError`` for anything else."""
    if url.startswith('unix:'):
        path = url[len('unix:'):]
        if path.startswith('//'):
            path = path[2:]
        if not path:
            raise UsageError(f'no socket path in {url}')
        return Endpoint('unix', '', 0, path)
    parts = urlsplit(url)
    if parts.scheme not in ('tcp', 'ws') or parts.hostname is None or parts.port is None:
        raise UsageError(f'unsupported URL {url} (tcp://host:port, unix:/path or ws://host:port/)')
    return Endpoint(parts.scheme, parts.hostname, parts.port, parts.path or '/')


def serialiser_code(name: str) -> str:
    """The wire code of a ``--serializer`` value."""
    try:
        return SERIALISERS[name]
    except KeyError:
        raise UsageError(f'--serializer must be one of {", ".join(SERIALISERS)} (got {name})') from None
