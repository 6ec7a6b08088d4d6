"""Text helpers for Vietnamese."""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import lru_cache

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
