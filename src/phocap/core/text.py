"""Text helpers for Vietnamese."""

from __future__ import annotations

import unicodedata


def ascii_fold(text: str) -> str:
    """Strip Vietnamese diacritics: `Ủng hộ Đức Vân` → `Ung ho Duc Van` (đ/Đ are letters, not accents)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
