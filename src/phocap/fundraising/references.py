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


class NearCodes:
    """The known codes a transfer text holds with one symbol wrong (PAPMMAX typed for PAPMMAY) or two neighbours
    swapped — what the check symbol detects but cannot correct. Indexed once per import: each code under its seven
    "one symbol blanked" keys, so a window of the text is looked up in seven steps, whatever the number of codes."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = set(known)
        self.blanked: dict[str, set[str]] = {}
        for code in self.known:
            for i in range(LENGTH):
                self.blanked.setdefault(code[:i] + "*" + code[i + 1 :], set()).add(code)

    def near(self, text: str) -> dict[str, str]:
        """{known code: what was typed for it} for every window of the text that is not itself a valid code."""
        flat = normalise(text)
        found: dict[str, str] = {}
        for start in range(len(flat) - LENGTH + 1):
            window = flat[start : start + LENGTH]
            if window in self.known or is_valid(window):
                continue
            for i in range(LENGTH):
                for code in self.blanked.get(window[:i] + "*" + window[i + 1 :], ()):
                    found.setdefault(code, window)
            for i in range(LENGTH - 1):
                swapped = window[:i] + window[i + 1] + window[i] + window[i + 2 :]
                if swapped in self.known:
                    found.setdefault(swapped, window)
        return found

    def only(self, text: str) -> tuple[str, str] | None:
        """The one known code the text nearly holds, with what was typed; None when none or several."""
        found = self.near(text)
        return next(iter(found.items())) if len(found) == 1 else None
