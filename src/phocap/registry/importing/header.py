"""Step 2 of an import: find the header among the title rows, and what each column holds.

Spellings with or without diacritics; columns an officer mapped before (remembered per commune, `ColumnMapping`)
are tried first; the two-row layout with the birth year written under "Nam" / "Nữ" columns is recognised."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.db.models import Q

from phocap.core.errors import ValidationFailed
from phocap.core.text import ascii_fold
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import ColumnMapping

HEADERS: dict[str, tuple[str, ...]] = {
    # "Quan hệ với chủ hộ" and "Họ tên chủ hộ" before "Họ tên", which they contain
    "relation": ("quan he voi chu ho", "quan he voi ch", "quan he"),
    "head": ("ho ten chu ho", "ho va ten chu ho", "ten chu ho", "chu ho"),
    "household": ("ma ho", "ma so ho", "ma ho gia dinh", "so ho"),
    # the national population database's exports: "Họ, chữ đệm và tên", "Ngày, tháng, năm sinh"
    "name": ("ho va ten", "ho ten", "ho, ten", "hovaten", "ho, chu dem va ten", "ho chu dem va ten"),
    "birth": ("ngay thang nam sinh", "ngay, thang, nam sinh", "ngay sinh", "nam sinh", "ngay/thang/nam sinh"),
    "sex": ("gioi tinh",),
    "id": ("so cccd", "cccd/cmnd", "cccd", "cmnd", "so dinh danh", "so can cuoc", "can cuoc"),
    "ethnicity": ("dan toc",),
    "village": ("thon/ban", "thon, ban", "thon", "ban", "to dan pho"),
    "commune": ("xa/phuong", "xa, phuong", "ma xa", "xa", "phuong"),
    "poverty": ("dien ho", "ho ngheo", "ho can ngheo", "phan loai ho"),
    "phone": ("so dien thoai", "sdt", "dien thoai"),
    "smartphone": ("dien thoai thong minh", "co dtdd", "smartphone"),
    "notes": ("ghi chu",),
    # "Nơi thường trú: Thôn Nà Pài, xã Giáo Hiệu, …": the village is its first part, when no village column
    "address": ("noi thuong tru", "dia chi thuong tru", "noi o hien tai", "noi o", "dia chi"),
}
CONSENT_HEADER_RE = re.compile(r"\bdong y\b")
POVERTY_HEADER_RE = re.compile(r"\b(dien ho|ho ngheo|ho can ngheo|phan loai ho)\b")
PRIORITY_HEADER_RE = re.compile(
    r"\b(uu tien|doi tuong|co cong|chinh sach|khuyet tat|neo don|mot minh|cao tuoi|uy tin)\b"
)
NUMBERING_HEADERS = ("stt", "tt", "so tt", "so thu tu")


def norm(value: Any) -> str:
    """A cell as the importer compares it: without diacritics, lower case, one space between words."""
    return " ".join(ascii_fold(str(value or "")).lower().replace("\n", " ").split())


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where things are in a sheet: the header row, each field's column, the "Nam"/"Nữ" birth-year columns, and
    the columns of poverty status and priority groups (several of each may be ticked)."""

    header: int
    columns: dict[str, int]
    by_sex: dict[str, int]
    titles: list[str]  # the header row's cells, folded
    poverty: list[int]
    priority: list[int]

    def cell(self, row: list[Any], field: str) -> Any:
        col = self.columns.get(field)
        return row[col] if col is not None and col < len(row) else None


def _columns(cells: list[str], learned: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for col, cell in enumerate(cells):
        if not cell:
            continue
        field = learned.get(cell)
        if field is None and "consent" not in columns and CONSENT_HEADER_RE.search(cell):
            field = "consent"  # before the rules below: "Đồng ý nhận điện thoại thông minh" is not the phone column
        if field is not None:
            if field not in columns and field not in ("ignore", "poverty", "priority"):
                columns[field] = col
            continue
        for field, words in HEADERS.items():
            if field not in columns and any(
                cell == w or cell.startswith(w + " ") or cell.startswith(w + "(") or (w in cell and len(w) > 6)
                for w in words
            ):
                columns[field] = col
                break
    return columns


def _sex_columns(rows: list[list[Any]], index: int, columns: dict[str, int]) -> dict[str, int]:
    """Two adjacent columns headed "Nam" and "Nữ" (in the header row or the row just below it): the birth year
    is written under one of them."""
    cells = [norm(c) for c in rows[index]]
    below = [norm(c) for c in rows[index + 1]] if index + 1 < len(rows) else []
    by_sex: dict[str, int] = {}
    for probe in (cells, below):
        name_cell = probe[columns["name"]] if columns["name"] < len(probe) else ""
        if probe is below and name_cell:
            continue  # a data row, not the second header row
        males = [c for c, cell in enumerate(probe) if cell == "nam"]
        females = [c for c, cell in enumerate(probe) if cell == "nu"]
        if len(males) == 1 and len(females) == 1 and abs(males[0] - females[0]) == 1:
            by_sex = {"M": males[0], "F": females[0]}
    return by_sex


def find_header(
    rows: list[list[Any]], learned: dict[str, str] | None = None
) -> tuple[int, dict[str, int], dict[str, int]]:
    """The header row, the column of each field, and — for the layout with the birth year written under
    "Nam" / "Nữ" columns — those two columns. `learned`: header texts (folded) an officer mapped to a field
    before, tried first."""
    learned = learned or {}
    for index, row in enumerate(rows[:30]):
        columns = _columns([norm(c) for c in row], learned)
        if "name" in columns and ({"birth", "id"} & set(columns)):
            return index, columns, _sex_columns(rows, index, columns)
    raise ValidationFailed(
        "Không tìm thấy dòng tiêu đề (cần ít nhất cột Họ và tên và cột Ngày sinh/Năm sinh hoặc Số CCCD). "
        "Hãy chọn nghĩa của các cột bên dưới.",
        code="header_not_found",
    )


def layout_of(rows: list[list[Any]], learned: dict[str, str]) -> Layout:
    header, columns, by_sex = find_header(rows, learned)
    titles = [norm(c) for c in rows[header]]
    poverty = [
        i
        for i, t in enumerate(titles)
        if learned.get(t) == "poverty" or (t not in learned and POVERTY_HEADER_RE.search(t))
    ]
    priority = [
        i
        for i, t in enumerate(titles)
        if t
        and i not in columns.values()
        and (learned.get(t) == "priority" or (t not in learned and PRIORITY_HEADER_RE.search(t)))
    ]
    return Layout(header, columns, by_sex, titles, poverty, priority)


def header_guess(rows: list[list[Any]]) -> tuple[int, list[str]]:
    """When no header is recognised: the row among the first 30 with the most text cells, most likely the header,
    so the officer can say what its columns mean."""
    best, cells, score = 0, list[str](), 0
    for index, row in enumerate(rows[:30]):
        texts = [str(c).strip() if c not in (None, "") else "" for c in row]
        words = len([t for t in texts if t and not t.replace(".", "").isdigit()])
        if words > score:
            best, cells, score = index, texts, words
    return best, cells


def learned_mappings(programme: Programme, commune: ProgrammeCommune | None) -> dict[str, str]:
    """Remembered column meanings: the programme's, overridden by the commune's."""
    qs = ColumnMapping.objects.filter(programme=programme).filter(
        Q(commune__isnull=True) | Q(commune=commune) if commune is not None else Q(commune__isnull=True)
    )
    rows = sorted(qs.values_list("commune_id", "header", "field"), key=lambda r: r[0] is not None)
    return {header: field for _, header, field in rows}


def with_mapping(learned: dict[str, str], mapping: dict[str, str] | None) -> dict[str, str]:
    """The remembered meanings plus those given for this import only (the CLI's --map), checked."""
    valid = {f for f, _ in ColumnMapping.FIELDS}
    out = dict(learned)
    for text, meaning in (mapping or {}).items():
        if meaning not in valid:
            raise ValidationFailed(
                f"Không rõ nghĩa cột {meaning!r} (chọn: {', '.join(sorted(valid))}).", field="mapping"
            )
        out[norm(text)] = meaning
    return out


def unrecognised_columns(rows: list[list[Any]], layout: Layout, learned: dict[str, str]) -> list[str]:
    """Header cells of the found header row that mean nothing to the importer yet (shown for mapping)."""
    known = set(layout.columns.values())
    out = []
    for col, cell in enumerate(rows[layout.header]):
        folded = norm(cell)
        if (
            folded
            and col not in known
            and folded not in learned
            and folded not in NUMBERING_HEADERS
            and not POVERTY_HEADER_RE.search(folded)
            and not PRIORITY_HEADER_RE.search(folded)
            and folded not in ("nam", "nu")
        ):
            out.append(" ".join(str(cell).split()))
    return out
