"""Which interface a piece of work came through (web, api, cli, task), for the audit trail."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

CHANNELS = ("web", "api", "cli", "task", "system")
_channel: ContextVar[str] = ContextVar("phocap_channel", default="system")


def current_channel() -> str:
    return _channel.get()


@contextlib.contextmanager
def channel(name: str) -> Iterator[None]:
    if name not in CHANNELS:
        raise ValueError(name)
    token = _channel.set(name)
    try:
        yield
    finally:
        _channel.reset(token)
