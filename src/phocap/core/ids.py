"""Time-ordered UUIDs (RFC 9562 version 7), for primary keys written in bulk (issue #18).

A random UUID (version 4) lands anywhere in its table's and every referring index's B-tree, so a statement's
hundred thousand ledger entries touched pages at random; a version-7 UUID begins with the millisecond it was made,
and here a counter in its next 12 bits keeps the ids of one process increasing, so inserts append. Python 3.12 has
no `uuid7` (it comes in 3.14); these lines follow the RFC's layout: 48 bits of Unix milliseconds, the version
(7), 12 bits of sequence, the variant (10), 62 random bits."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = [0, 0]  # (millisecond, sequence) of the last id made


def uuid7() -> uuid.UUID:
    return uuid.UUID(int=_next())


def uuid7_hex() -> str:
    """The same, as 32 hexadecimal digits: what a foreign key to a UUID column takes on both databases."""
    return f"{_next():032x}"


def _next() -> int:
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last[0]:  # the same millisecond (or the clock went back): the next sequence number
            ms, sequence = _last[0], _last[1] + 1
            if sequence > 0xFFF:
                ms, sequence = ms + 1, 0
        else:
            sequence = 0
        _last[0], _last[1] = ms, sequence
    random = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    return (ms << 80) | (0x7 << 76) | (sequence << 64) | (0b10 << 62) | random
