"""Time-ordered ids (issue #18): valid version-7 UUIDs, increasing within a process, unique."""

from __future__ import annotations

import time
import uuid

from phocap.core.ids import uuid7, uuid7_hex


def test_ids_are_version_7_increasing_and_unique():
    ids = [uuid7() for _ in range(20_000)]
    assert {u.version for u in ids} == {7}
    assert {u.variant for u in ids} == {"specified in RFC 4122"}
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert abs((ids[0].int >> 80) - time.time_ns() // 1_000_000) < 60_000  # the millisecond it was made
    assert uuid.UUID(hex=uuid7_hex()) > ids[-1]
