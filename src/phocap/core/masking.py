"""Masking personal data for screens, logs and the audit trail."""

from __future__ import annotations

from typing import Any


def mask_text(value: str, *, keep_start: int = 2, keep_end: int = 2) -> str:
    """`0912345678` → `09******78`; short values are fully masked."""
    text = str(value)
    if len(text) <= keep_start + keep_end + 1:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask_name(name: str) -> str:
    """`Nông Thị Hoa` → `N*** T** H**`: enough to tell two rows apart on screen, not enough to name anyone."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in str(name).split())


def mask_value(value: Any) -> Any:
    if value is None or value == "":
        return value
    return mask_text(str(value))
