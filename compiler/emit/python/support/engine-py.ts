/** `sparrowrpc_typed/engine.py`, written verbatim beside generated Python (see ../support.ts). */
export const ENGINE_PY = `"""A \`\`ProtocolEngine\`\` that completes the reference where Sparrow needs more.

- Typed errors: the reference sends only \`\`cat\`\`/\`\`type\`\`/\`\`msg\`\` and drops a
  received \`\`data\`\`; this engine adds the raised schema error's fields as
  \`\`data\`\` and keeps a received \`\`data\`\` on \`\`exc_info.data\`\`.
- Bytes over JSON: JSON cannot carry bytes, so a payload holding bytes goes
  out with a msgpack payload (\`\`l: "m"\`\`), as the TypeScript runtime does.

Both work with the \`\`0.1.2\`\` and \`\`next\`\` layouts: the error map is the
chain's last part in both.
"""
from __future__ import annotations

from typing import Any, cast

from binarychain import BinaryChain
from sparrowrpc.engine import ProtocolEngine
from sparrowrpc.messages import CallBase, ExceptionResponse, MessageBase, Response

from .errors import raised_error


def _holds_bytes(value: object, depth: int = 0) -> bool:
    if isinstance(value, (bytes, bytearray)):
        return True
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(_holds_bytes(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_bytes(v, depth + 1) for v in value)
    return False


class SparrowEngine(ProtocolEngine):
    """The reference engine plus typed error fields and bytes over JSON; use it for every channel."""

    def _payload_serialiser(self, message: MessageBase) -> Any:
        code: Any = getattr(message, 'payload_serialisation_code', None) or message.envelope_serialisation_code
        return self.serialisers.get(code)

    def parse_incoming_message(self, incoming_bin_chain: BinaryChain) -> Any:
        message = super().parse_incoming_message(incoming_bin_chain)
        if isinstance(message, ExceptionResponse) and incoming_bin_chain.parts:
            serialiser = self._payload_serialiser(message)
            try:
                raw = serialiser.deserialise(incoming_bin_chain.parts[-1]) if serialiser is not None else None
            except Exception:
                raw = None
            if isinstance(raw, dict) and isinstance(raw.get('data'), dict):
                exc_info: Any = message.exc_info
                exc_info.data = raw['data']
        return message

    def message_to_binary_chain(self, message: MessageBase) -> Any:
        if isinstance(message, (CallBase, Response)) and 'm' in self.serialisers:
            payload = message.params if isinstance(message, CallBase) else message.result
            code = getattr(message, 'payload_serialisation_code', None) or message.envelope_serialisation_code
            if code == 'j' and _holds_bytes(payload):
                message.payload_serialisation_code = 'm'
        chain = super().message_to_binary_chain(message)
        if isinstance(message, ExceptionResponse):
            pending = raised_error.get()
            exc_info = message.exc_info
            if pending is not None and exc_info is not None and pending[0] == exc_info.exc_type and pending[1] == exc_info.msg:
                raised_error.set(None)
                serialiser = self._payload_serialiser(message)
                parts = cast(list[bytes], chain.parts)
                raw = serialiser.deserialise(parts[-1])
                if isinstance(raw, dict):
                    raw['data'] = pending[2]
                    parts[-1] = serialiser.serialise(raw)
        return chain


def create_engine() -> SparrowEngine:
    """The engine generated code expects: json, msgpack and cbor, both layouts."""
    return SparrowEngine()
`;
