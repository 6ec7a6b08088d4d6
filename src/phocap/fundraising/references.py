"""Pledge reference codes: short, unique, unambiguous, checkable, findable inside any bank's transfer text.

7 symbols from a 32-letter alphabet without 0/O and 1/I (6 random + 1 check symbol), e.g. `K7QM4XP`.
The check symbol catches every single-symbol typo and almost every swap of two neighbours (all but swaps of
symbols 16 apart), and keeps 31 of 32 random words in transfer texts from looking like a code.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator

from phocap.core.text import ascii_fold

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY = 6
LENGTH = BODY + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_symbol(body: str) -> str:
    # odd weights are invertible mod 32: every single-symbol substitution changes the check symbol
    total = sum((2 * i + 1) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[total % 32]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return body + check_symbol(body)


def is_valid(code: str) -> bool:
    code = code.upper()
    return len(code) == LENGTH and all(ch in _VALUE for ch in code) and check_symbol(code[:BODY]) == code[BODY]


def normalise(text: str) -> str:
    """Upper-case ASCII letters and digits only: spaces, dots, dashes that banks or donors put inside a code go."""
    return re.sub(r"[^0-9A-Z]", "", ascii_fold(text).upper())


def candidates(text: str) -> Iterator[str]:
    """Every well-formed code inside a transfer text, whatever the bank put around or inside it."""
    flat = normalise(text)
    seen: set[str] = set()
    for start in range(len(flat) - LENGTH + 1):
        window = flat[start : start + LENGTH]
        if window not in seen and is_valid(window):
            seen.add(window)
            yield window


def find(text: str, known: Iterable[str]) -> list[str]:
    """The known references present in the text (usually zero or one)."""
    known_set = known if isinstance(known, (set, frozenset)) else set(known)
    return [c for c in candidates(text) if c in known_set]
