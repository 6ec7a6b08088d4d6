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


_NOT_CODE = bytes(c for c in range(256) if not (48 <= c <= 57 or 65 <= c <= 90))  # all but 0-9 A-Z


def normalise(text: str) -> str:
    """Upper-case ASCII letters and digits only: spaces, dots, dashes that banks or donors put inside a code go.
    (`bytes.translate` deletes them in one pass: this runs on every line of a statement.)"""
    upper = (text if text.isascii() else ascii_fold(text)).upper()
    if upper.isascii():
        return upper.encode().translate(None, _NOT_CODE).decode()
    return re.sub(r"[^0-9A-Z]", "", upper)


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
    """The known references present in the text (usually zero or one), in the order the text holds them. Known
    codes are valid codes, so the text's windows are intersected with them as sets — no check symbol computed
    per window (issue #18: that was a statement import's matching time)."""
    known_set = known if isinstance(known, (set, frozenset)) else set(known)
    flat = normalise(text)
    windows = {flat[start : start + LENGTH] for start in range(len(flat) - LENGTH + 1)}
    return sorted(windows & known_set, key=flat.find)


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
        self.blanked_keys = set(self.blanked)  # a set: `isdisjoint` with a dict would walk the whole dict

    def near(self, text: str) -> dict[str, str]:
        """{known code: what was typed for it} for every window of the text that is not itself a valid code.

        The text's windows are first tested all at once, as sets (issue #18: every credit the import cannot settle
        is asked): only a window that does come near a code is then looked at on its own, in the text's order."""
        flat = normalise(text)
        windows = {flat[start : start + LENGTH] for start in range(len(flat) - LENGTH + 1)} - self.known
        blanked = {w[:i] + "*" + w[i + 1 :] for w in windows for i in range(LENGTH)}
        swapped = {w[:i] + w[i + 1] + w[i] + w[i + 2 :] for w in windows for i in range(LENGTH - 1)}
        if blanked.isdisjoint(self.blanked_keys) and swapped.isdisjoint(self.known):
            return {}
        found: dict[str, str] = {}
        for start in range(len(flat) - LENGTH + 1):
            window = flat[start : start + LENGTH]
            if window in self.known or is_valid(window):
                continue
            for i in range(LENGTH):
                for code in self.blanked.get(window[:i] + "*" + window[i + 1 :], ()):
                    found.setdefault(code, window)
            for i in range(LENGTH - 1):
                turned = window[:i] + window[i + 1] + window[i] + window[i + 2 :]
                if turned in self.known:
                    found.setdefault(turned, window)
        return found

    def only(self, text: str) -> tuple[str, str] | None:
        """The one known code the text nearly holds, with what was typed; None when none or several."""
        found = self.near(text)
        return next(iter(found.items())) if len(found) == 1 else None
