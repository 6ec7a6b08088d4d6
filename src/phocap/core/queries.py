"""Query helpers shared by the importers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

IN_CHUNK = 5000  # PostgreSQL takes at most 65,535 parameters in one statement; SQLite builds may take fewer


def in_chunks[T](values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """Split a long `__in` list so that each query stays within the databases' parameter limits."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]
