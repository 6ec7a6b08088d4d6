"""Names as an officer looks for them (issue #14): folded for a search typed without diacritics, and keyed so
that a list sorts in Vietnamese alphabetical order — given name first (the last word), then family and middle
names; letters in the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), tones only to break ties
(none, huyền, hỏi, ngã, sắc, nặng).

Why not a database collation: SQLite has none for Vietnamese, PostgreSQL's ICU collations depend on how the
server was built, and neither puts the given name first. The key is digits only, so any collation orders it
the same way; it is computed wherever a name is written (`Resident.save`, the import's plan)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from phocap.core.text import ascii_fold

# The Vietnamese alphabet, with the Latin letters it lacks (f, j, w, z: names of other origins) in Latin order.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz0123456789"
_CODE = {ch: f"{i + 1:02d}" for i, ch in enumerate(ALPHABET)}
_SHAPES = {"\u0306": "ă", "\u0302": "^", "\u031b": "'"}  # breve, circumflex, horn
_WITH_SHAPE = {("a", "ă"): "ă", ("a", "^"): "â", ("e", "^"): "ê", ("o", "^"): "ô", ("o", "'"): "ơ", ("u", "'"): "ư"}
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}  # huyền hỏi ngã sắc nặng
SORT_MAX = 600


def _letters(word: str) -> tuple[str, str]:
    """(letter codes, tone digits) of one word: two digits per letter, one tone digit per letter."""
    codes: list[str] = []
    tones: list[str] = []
    for cluster in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.combining(cluster):
            if cluster in _TONES and tones:
                tones[-1] = _TONES[cluster]
            elif cluster in _SHAPES and codes:
                base = ALPHABET[int(codes[-1]) - 1]
                shaped = _WITH_SHAPE.get((base, "ă" if cluster == "\u0306" else _SHAPES[cluster]))
                if shaped:
                    codes[-1] = _CODE[shaped]
            continue
        code = _CODE.get(cluster)
        if code is None:
            folded = ascii_fold(cluster).lower()
            code = _CODE.get(folded[:1]) if folded else None
        if code is not None:
            codes.append(code)
            tones.append("0")
    return "".join(codes), "".join(tones)


@lru_cache(maxsize=65_536)
def name_keys(full_name: str) -> tuple[str, str]:
    """(folded, sort key) of a full name: `Nguyễn Thị Hà` → (`nguyen thi ha`, key of "Hà" + "Nguyễn Thị")."""
    words = full_name.split()
    folded = " ".join(ascii_fold(full_name).lower().split())
    if not words:
        return folded, ""
    ordered = [words[-1], *words[:-1]]
    parts = [_letters(w) for w in ordered]
    key = "00".join(p[0] for p in parts) + "00" + "".join(p[1] for p in parts)
    return folded, key[:SORT_MAX]


def fold_query(text: str) -> str:
    """A typed search as it is compared with `name_folded`."""
    return " ".join(ascii_fold(unicodedata.normalize("NFC", text)).lower().split())
