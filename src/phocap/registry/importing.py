"""Importing commune spreadsheets of adults (issue #4, step 3).

The file is read and every row judged before anything is written: header found among title rows (in its
many spellings, with or without diacritics), the "(1) (2) …" numbering row, village section rows, footers and
blank rows skipped; each person row read with `normalize` into a value or Vietnamese problems. Outcomes:
created, updated (an existing resident matched by identity number gains information — a stored value is never
overwritten by an empty cell), duplicate (nothing new), rejected (with reasons). Then, unless it is a dry run,
all accepted rows are written in one transaction: a failure half-way leaves the registry as it was.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.crypto import blind_index
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.queries import in_chunks
from phocap.core.spreadsheets import read_rows
from phocap.core.text import ascii_fold
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import normalize as n
from phocap.registry.models import Resident

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("ho va ten", "ho ten", "ho, ten", "hovaten"),
    "birth": ("ngay thang nam sinh", "ngay sinh", "nam sinh", "ngay/thang/nam sinh"),
    "sex": ("gioi tinh",),
    "id": ("so cccd", "cccd/cmnd", "cccd", "cmnd", "so dinh danh", "so can cuoc", "can cuoc"),
    "ethnicity": ("dan toc",),
    "village": ("thon/ban", "thon, ban", "thon", "ban", "to dan pho"),
    "commune": ("xa/phuong", "xa, phuong", "ma xa", "xa", "phuong"),
    "poverty": ("dien ho", "ho ngheo", "ho can ngheo"),
    "phone": ("so dien thoai", "sdt", "dien thoai"),
    "smartphone": ("dien thoai thong minh", "co dtdd", "smartphone"),
    "notes": ("ghi chu",),
}
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
)
SECTION_RE = re.compile(r"^(thon|ban|to dan pho|xom|lang)\b")


def _norm(value: Any) -> str:
    return " ".join(ascii_fold(str(value or "")).lower().replace("\n", " ").split())


@dataclasses.dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    warnings: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)
    notes: list[RowError] = dataclasses.field(default_factory=list)  # warnings, per row and column

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "errors": [e.as_dict() for e in self.errors],
        }


def find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int], dict[str, int]]:
    """The header row, the column of each field, and — for the layout with the birth year written under
    "Nam" / "Nữ" columns — those two columns (from the header row or the row just below it)."""
    for index, row in enumerate(rows[:30]):
        cells = [_norm(c) for c in row]
        columns: dict[str, int] = {}
        for col, cell in enumerate(cells):
            if not cell:
                continue
            for field, words in HEADERS.items():
                if field not in columns and any(
                    cell == w or cell.startswith(w + " ") or cell.startswith(w + "(") or (w in cell and len(w) > 6)
                    for w in words
                ):
                    columns[field] = col
                    break
        if "name" in columns and ({"birth", "id"} & set(columns)):
            by_sex: dict[str, int] = {}
            below = [_norm(c) for c in rows[index + 1]] if index + 1 < len(rows) else []
            for probe in (cells, below):
                name_cell = probe[columns["name"]] if columns["name"] < len(probe) else ""
                if probe is below and name_cell:
                    continue  # a data row, not the second header row
                males = [c for c, cell in enumerate(probe) if cell == "nam"]
                females = [c for c, cell in enumerate(probe) if cell == "nu"]
                if len(males) == 1 and len(females) == 1 and abs(males[0] - females[0]) == 1:
                    by_sex = {"M": males[0], "F": females[0]}
            return index, columns, by_sex
    raise ValidationFailed(
        "Không tìm thấy dòng tiêu đề (cần ít nhất cột Họ và tên và cột Ngày sinh/Năm sinh hoặc Số CCCD).",
        code="header_not_found",
    )


def take(problems: list[tuple[str, n.Problem]], column: str, reading: n.Reading[Any]) -> Any:
    """Keep a reading's problems (with their column) and return its value."""
    problems.extend((column, p) for p in reading.problems)
    return reading.value


def _cell(row: list[Any], col: int | None) -> Any:
    return row[col] if col is not None and col < len(row) else None


def _classify(row: list[Any], columns: dict[str, int]) -> tuple[str, str]:
    """("blank" | "numbering" | "footer" | "section" | "person", village name for sections)."""
    texts = [str(c).strip() for c in row if c not in (None, "") and str(c).strip()]
    if not texts:
        return "blank", ""
    if all(re.fullmatch(r"\(?\d{1,2}\)?", t) for t in texts) and len(texts) >= 3:
        return "numbering", ""
    first = _norm(texts[0])
    if any(first.startswith(w) for w in FOOTER_WORDS):
        return "footer", ""
    name = _cell(row, columns.get("name"))
    if len(texts) == 1 and SECTION_RE.match(first) and (name in (None, "") or _norm(name) == first):
        return "section", " ".join(str(texts[0]).split())
    if re.fullmatch(r"\d{1,5}(\.0)?\.?", texts[0]):  # a row number (STT): a person, even with the name missing
        return "person", ""
    if name in (None, "") and not _cell(row, columns.get("id")):
        return "footer", ""
    return "person", ""


@dataclasses.dataclass
class Candidate:
    row: int
    values: dict[str, Any]
    id_number: n.IdentityNumber | None
    commune: ProgrammeCommune


def import_residents(
    *,
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    commune_code: str | None = None,
    smartphone_status: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    communes = {c.unit.code: c for c in programme.communes.select_related("unit")}
    default_commune = communes.get(commune_code) if commune_code else None
    if commune_code and default_commune is None:
        raise NotFound(f"Xã {commune_code} không thuộc chương trình.")
    writable = {code for code, c in communes.items() if scope.can_write_residents(actor, c)}
    if not writable or (default_commune is not None and default_commune.unit.code not in writable):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền nhập danh sách cho xã này).")
    if smartphone_status and smartphone_status not in Resident.Smartphone.values:
        raise ValidationFailed("Tình trạng điện thoại: lacks, has hoặc unknown.", field="smartphone_status")
    rows = read_rows(data, filename)
    header, columns, by_sex = find_header(rows)
    report = ImportReport()
    village = ""
    candidates: list[Candidate] = []
    seen_in_file: set[str] = set()
    for index in range(header + 1, len(rows)):
        row = list(rows[index])
        kind, section = _classify(row, columns)
        if kind == "section":
            village = section
        if kind != "person":
            continue
        number = index + 1  # as Excel shows it
        report.rows += 1
        problems: list[tuple[str, n.Problem]] = []

        name = take(problems, "name", n.read_name(_cell(row, columns.get("name"))))
        sex = take(problems, "sex", n.read_sex(_cell(row, columns.get("sex"))))
        birth_cell = _cell(row, columns.get("birth"))
        if by_sex:  # the birth year written under "Nam" or "Nữ": the column says the sex
            birth_cell = None
            for s_, col in by_sex.items():
                if _cell(row, col) not in (None, ""):
                    birth_cell, sex = _cell(row, col), sex or s_
        birth = take(problems, "birth", n.read_birth(birth_cell, today=programme.reference_date))
        ident = take(
            problems,
            "id",
            n.read_id_number(_cell(row, columns.get("id")), birth_year=birth.year if birth else None, sex=sex),
        )
        ethnicity = take(problems, "ethnicity", n.read_ethnicity(_cell(row, columns.get("ethnicity"))))
        phone = take(problems, "phone", n.read_phone(_cell(row, columns.get("phone"))))
        commune = default_commune
        commune_cell = _cell(row, columns.get("commune"))
        if commune_cell not in (None, ""):
            commune = _commune_from_cell(commune_cell, communes) or None
            if commune is None:
                problems.append(
                    (
                        "commune",
                        n.Problem(
                            "error", "commune_not_in_programme", f"Xã {commune_cell!r} không thuộc chương trình."
                        ),
                    )
                )
        elif commune is None:
            problems.append(
                (
                    "commune",
                    n.Problem("error", "commune_missing", "Thiếu xã/phường (chọn xã khi nhập tệp không có cột xã)."),
                )
            )
        if commune is not None and commune.unit.code not in writable:
            problems.append(("commune", n.Problem("error", "commune_not_yours", "Bạn không được nhập cho xã này.")))
        if birth is not None and not n.is_adult(birth, programme.reference_date):
            problems.append(
                (
                    "birth",
                    n.Problem("error", "under_18", f"Chưa đủ 18 tuổi vào ngày {programme.reference_date:%d/%m/%Y}."),
                )
            )
        errors = [(c, p) for c, p in problems if p.severity == "error"]
        report.notes.extend(RowError(number, c, p.code, p.message) for c, p in problems if p.severity == "warning")
        if errors:
            report.rejected += 1
            report.errors.extend(RowError(number, c, p.code, p.message) for c, p in errors)
            continue
        if any(p.severity == "warning" for _, p in problems):
            report.warnings += 1
        row_village = " ".join(str(_cell(row, columns.get("village")) or "").split()) or village
        status = _smartphone(_cell(row, columns.get("smartphone"))) or smartphone_status or Resident.Smartphone.UNKNOWN
        values = {
            "full_name": name,
            "birth_date": birth.date,
            "birth_year": birth.year,
            "sex": sex or "",
            "village": row_village,
            "ethnicity_code": ethnicity.code if ethnicity else "",
            "phone": phone.number if phone else "",
            "phone_carrier": (phone.carrier or "") if phone else "",
            "smartphone_status": status,
            "notes": " ".join(str(_cell(row, columns.get("notes")) or "").split()),
        }
        key = blind_index(ident.number) if ident is not None else _person_key(commune, values)
        if key in seen_in_file:
            report.duplicates += 1
            continue
        seen_in_file.add(key)
        assert commune is not None
        candidates.append(Candidate(number, values, ident, commune))
    _settle(actor, programme, candidates, report, dry_run=dry_run, filename=filename)
    return report


def _commune_from_cell(value: Any, communes: dict[str, ProgrammeCommune]) -> ProgrammeCommune | None:
    text = str(value).strip()
    if text.isdigit():
        return communes.get(text.zfill(5))
    key = re.sub(r"^(xa|phuong|thi tran)\s+", "", _norm(text))
    for commune in communes.values():
        if re.sub(r"^(xa|phuong|thi tran)\s+", "", _norm(commune.unit.name)) == key:
            return commune
    return None


def _smartphone(value: Any) -> str | None:
    text = _norm(value)
    if not text:
        return None
    if text in ("co", "x", "da co", "yes"):
        return Resident.Smartphone.HAS
    if text in ("khong", "chua co", "chua", "no"):
        return Resident.Smartphone.LACKS
    return None


def _person_key(commune: ProgrammeCommune | None, values: dict[str, Any]) -> str:
    """For a row without an identity number: the same name, birth, sex and village in the same commune is the
    same row again (a re-import, a pasted duplicate). Probabilistic matching of *similar* people is the dedup's
    job, with review; this only stops exact repeats."""
    return "|".join(
        str(x)
        for x in (
            commune.pk if commune else "",
            values["full_name"],
            values["birth_year"],
            values["birth_date"] or "",
            values["sex"],
            values["village"],
        )
    )


def _settle(
    actor: scope.Actor,
    programme: Programme,
    candidates: list[Candidate],
    report: ImportReport,
    *,
    dry_run: bool,
    filename: str,
) -> None:
    """Created, updated or duplicate against the registry; then write everything in one transaction."""
    hashes = {blind_index(c.id_number.number): c for c in candidates if c.id_number}
    existing = {
        r.id_hash: r
        for chunk in in_chunks(list(hashes))
        for r in Resident.objects.filter(programme=programme, id_hash__in=chunk)
    }
    without_number = {c.commune.pk for c in candidates if not c.id_number}
    known_people = {
        _person_key(
            r.commune,
            {
                "full_name": r.full_name,
                "birth_year": r.birth_year,
                "birth_date": r.birth_date,
                "sex": r.sex,
                "village": r.village,
            },
        )
        for r in Resident.objects.filter(
            programme=programme, id_hash="", commune_id__in=without_number, erased_at__isnull=True
        ).select_related("commune")
    }
    to_create: list[Resident] = []
    to_update: list[tuple[Resident, list[str]]] = []
    for c in candidates:
        key = blind_index(c.id_number.number) if c.id_number else ""
        stored = existing.get(key) if key else None
        if stored is None and not key and _person_key(c.commune, c.values) in known_people:
            report.duplicates += 1
            continue
        if stored is None:
            to_create.append(
                Resident(
                    programme=programme,
                    commune=c.commune,
                    id_number=c.id_number.number if c.id_number else "",
                    id_hash=key,
                    id_kind=c.id_number.kind if c.id_number else "",
                    **c.values,
                )
            )
            continue
        gained = [
            f
            for f, v in c.values.items()
            if v not in (None, "", Resident.Smartphone.UNKNOWN) and getattr(stored, f) in (None, "", "unknown")
        ]
        if gained:
            for f in gained:
                setattr(stored, f, c.values[f])
            to_update.append((stored, gained))
        else:
            report.duplicates += 1
    report.created, report.updated = len(to_create), len(to_update)
    if dry_run:
        return
    with transaction.atomic():
        created = Resident.objects.bulk_create(to_create, batch_size=1000)
        now = timezone.now()
        for resident, fields in to_update:
            resident.updated_at = now
            resident.save(update_fields=[*fields, "updated_at"])
        events = [
            audit.build(
                actor=actor,
                action="resident.register",
                obj=r,
                programme_code=programme.code,
                extra={"source": filename, "id_number_recorded": bool(r.id_hash)},
            )
            for r in created
        ]
        events += [
            audit.build(
                actor=actor,
                action="resident.update",
                obj=r,
                programme_code=programme.code,
                changes={f: ["", getattr(r, f)] for f in fields},
                extra={"source": filename},
            )
            for r, fields in to_update
        ]
        from phocap.core.models import AuditEvent

        AuditEvent.objects.bulk_create(events, batch_size=1000)


TEMPLATE_HEADER = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Dân tộc",
    "Thôn/Bản",
    "Xã/Phường",
    "Diện hộ",
    "Số điện thoại",
    "Điện thoại thông minh",
    "Ghi chú",
]


def template_xlsx() -> bytes:
    """The canonical layout, for communes starting a new list."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sach")
    sheet.append(["DANH SÁCH NGƯỜI TRƯỞNG THÀNH CHƯA CÓ ĐIỆN THOẠI THÔNG MINH"])
    sheet.append(TEMPLATE_HEADER)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_workbook(data: bytes, filename: str, report: ImportReport) -> bytes:
    """The original rows with one more column saying what is wrong (errors) or worth checking (warnings), to
    fix and upload again."""
    import io

    from openpyxl import Workbook

    messages: dict[int, list[str]] = {}
    for e in report.errors:
        messages.setdefault(e.row, []).append(f"LỖI: {e.message}")
    for w in report.notes:
        messages.setdefault(w.row, []).append(f"Lưu ý: {w.message}")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kiem tra")
    for number, row in enumerate(read_rows(data, filename), 1):
        sheet.append([*row, " · ".join(messages.get(number, []))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
