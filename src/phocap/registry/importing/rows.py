"""Step 3 of an import: tell the person rows from the rest — the "(1) (2) …" numbering row, village section rows
("Thôn Khuổi Ỏ"), blank rows and the footer (totals, place and date, signers) — and keep the village a section
names for the people under it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from phocap.registry.importing.header import Layout, norm

FOOTER_WORDS = (
    "tong",
    "cong",
    "nguoi lap",
    "xac nhan",
    "ky ten",
    "ky, ghi ro",
    "truong thon",
    "chu tich",
    "thu truong",
    "ngay thang nam",
    "tm.",
    "tm ",
    "t/m",
    "pho chu tich",
    "can bo",
    "ke toan",
)
# what begins a list's end: its totals, the place-and-date line, the signers' headings. Every row after one of
# these is footer — the signers' names under the headings are not people missing a birth date.
END_RE = re.compile(
    r"^(tong cong|tong so|tong:|cong:|cong so|nguoi lap|tm[ .]|t/m|chu tich|pho chu tich|xac nhan|ky ten|"
    r"truong thon|truong ban|can bo|ke toan|thu truong|[^,]{2,40}, ngay\b|ngay \S+ thang)"
)
SECTION_RE = re.compile(r"^(thon|ban|to dan pho|xom|lang)\b")
ROW_NUMBER_RE = re.compile(r"\d{1,5}(\.0)?\.?")  # a row number (STT) as a text cell: "12", "12.", "12.0"
NUMBERING_RE = re.compile(r"\(?\d{1,2}\)?")  # the "(1) (2) (3) …" row under a header
BLANK, NUMBERING, FOOTER, SECTION, PERSON = "blank", "numbering", "footer", "section", "person"


def classify(row: list[Any], layout: Layout) -> tuple[str, str]:
    """(kind of row, village name for sections)."""
    first_cell = row[0] if row else None
    name = layout.cell(row, "name")
    if name not in (None, ""):  # the common cases: a row number (STT) and a name
        if type(first_cell) in (int, float):
            return PERSON, ""
        if (
            first_cell.__class__ is str
            and ROW_NUMBER_RE.fullmatch(first_cell.strip())
            and not NUMBERING_RE.fullmatch(str(name).strip())
        ):
            return PERSON, ""  # (a CSV's row number; a name that is a small number may be the numbering row's)
    texts = [str(c).strip() for c in row if c not in (None, "") and str(c).strip()]
    if not texts:
        return BLANK, ""
    if all(NUMBERING_RE.fullmatch(t) for t in texts) and len(texts) >= 3:
        return NUMBERING, ""
    first = norm(texts[0])
    if any(first.startswith(w) for w in FOOTER_WORDS):
        return FOOTER, ""
    if len(texts) == 1 and SECTION_RE.match(first) and (name in (None, "") or norm(name) == first):
        return SECTION, " ".join(str(texts[0]).split())
    if ROW_NUMBER_RE.fullmatch(texts[0]):  # a row number (STT): a person, even with the name missing
        return PERSON, ""
    if name in (None, "") and not layout.cell(row, "id"):
        return FOOTER, ""
    return PERSON, ""


def _ends(row: list[Any]) -> bool:
    texts = [norm(c) for c in row if c not in (None, "") and str(c).strip()]
    return any(END_RE.match(t) for t in texts[:3])


def person_rows(rows: Iterable[list[Any]], layout: Layout) -> Iterator[tuple[int, list[Any], str]]:
    """(row number as the spreadsheet shows it, the row, the village of the section it is under), from `rows` — the
    sheet's rows from its first, read as they come — until the list's end (the rest is left unread)."""
    village = ""
    for index, row in enumerate(rows):
        if index <= layout.header:
            continue
        kind, section = classify(row, layout)
        if kind == FOOTER and _ends(row):
            return
        if kind == SECTION:
            village = section
        if kind == PERSON:
            yield index + 1, row, village
