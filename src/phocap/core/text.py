"""Text helpers for Vietnamese."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from phocap.core.errors import ValidationFailed


@lru_cache(maxsize=65_536)  # spreadsheets repeat villages, ethnic groups, "Nam"/"Nữ", headers…
def ascii_fold(text: str) -> str:
    """Strip Vietnamese diacritics: `Ủng hộ Đức Vân` → `Ung ho Duc Van` (đ/Đ are letters, not accents)."""
    if text.isascii():
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()


def read_date(text: str | None) -> dt.date | None:
    """`YYYY-MM-DD` (or dd/mm/yyyy) → a date; empty → None. One parser for the pages, the API and the CLI."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(f"Ngày {text!r} không hợp lệ: viết YYYY-MM-DD, ví dụ 2023-12-31.", field="date")


def read_day(text: str | None, *, field: str = "date") -> dt.date:
    """`read_date` for a date that must be given."""
    day = read_date(text)
    if day is None:
        raise ValidationFailed("Cần ngày (YYYY-MM-DD).", field=field)
    return day


# Characters a reader cannot see but a program acts on: controls (C0/C1), format characters — the bidi
# overrides and isolates (U+202A–U+202E, U+2066–U+2069) that turn "Nguyễn" around on screen, zero-width
# spaces and joiners, the byte-order mark — and the line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_line(value: Any) -> str:
    """One line of text as a person meant it: NFC, invisible and control characters dropped (tabs and line breaks
    become spaces), runs of spaces made one. For names, villages, notes, descriptions, wherever they come from."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    if not text.isascii() or any(ch < " " or ch == "\x7f" for ch in text):
        text = "".join(
            " " if ch in "\t\n\r\x0b\x0c\u2028\u2029\x85" else ch
            for ch in text
            if ch in "\t\n\r\x0b\x0c\u2028\u2029\x85" or unicodedata.category(ch) not in _INVISIBLE
        )
    return " ".join(text.replace("\u00a0", " ").split())


def over_length(model: Any, values: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The fields of `values` longer than `model`'s column allows (PostgreSQL refuses them; SQLite would keep
    them): (field, its maximum). Checked per row by importers, so one long name is one row's error."""
    found = []
    for name, value in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            found.append((name, limit))
    return found
