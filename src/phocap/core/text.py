"""Text helpers for Vietnamese."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65_536)  # spreadsheets repeat villages, ethnic groups, "Nam"/"Nữ", headers…
def ascii_fold(text: str) -> str:
    """Strip Vietnamese diacritics: `Ủng hộ Đức Vân` → `Ung ho Duc Van` (đ/Đ are letters, not accents)."""
    if text.isascii():
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
