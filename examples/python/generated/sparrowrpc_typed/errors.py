"""Typed errors: every schema ``error`` becomes a subclass of ``SchemaError``.

Raised by a handler, it travels as a callee error whose ``type`` is the
schema name and whose ``data`` is the fields map (what a Sparrow peer
expects); a generated client raises it again from such an answer.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import ClassVar

from sparrowrpc.exceptions import CalleeException, CallerException


class SchemaError(CalleeException):
    """Base of generated error classes; ``TYPE`` is the name as written in the schema."""

    TYPE: ClassVar[str] = ''

    def to_wire(self) -> dict[str, object]:
        """The fields in wire form."""
        return {}


class RemoteError(CalleeException):
    """A callee error that is not one of the call's schema errors: its wire ``type`` and ``msg``."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f'{type_name}: {message}')
        self.type_name = type_name
        self.message = message


class PermissionDenied(CallerException):
    """An ``@auth`` member refused (wire: cat r, ``PermissionDenied``, as the TypeScript runtime sends)."""


class CallTimeout(TimeoutError):
    """No answer within the client's ``timeout``."""


# The typed error a handler raised on this thread or task, until the engine sends it.
raised_error: ContextVar[tuple[str, str, dict[str, object]] | None] = ContextVar('sparrowrpc_typed_raised_error', default=None)


def remember_raised(error: SchemaError) -> None:
    """Records ``error`` so the engine adds its fields to the exception it sends."""
    raised_error.set((type(error).__name__, str(error), error.to_wire()))
