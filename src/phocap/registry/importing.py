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
import hashlib
import re
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.crypto import blind_index
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.queries import in_chunks, insert_many
from phocap.core.spreadsheets import read_rows
from phocap.core.text import ascii_fold
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import normalize as n
from phocap.registry.models import (
    ColumnMapping,
    Household,
    ImportBatch,
    ListedElsewhere,
    PovertyStatus,
    PriorityFlag,
    Resident,
)

HEADERS: dict[str, tuple[str, ...]] = {
    # "Quan hệ với chủ hộ" and "Họ tên chủ hộ" before "Họ tên", which they contain
    "relation": ("quan he voi chu ho", "quan he voi ch", "quan he"),
    "head": ("ho ten chu ho", "ho va ten chu ho", "ten chu ho", "chu ho"),
    "household": ("ma ho", "ma so ho", "ma ho gia dinh", "so ho"),
    "name": ("ho va ten", "ho ten", "ho, ten", "hovaten"),
    "birth": ("ngay thang nam sinh", "ngay sinh", "nam sinh", "ngay/thang/nam sinh"),
    "sex": ("gioi tinh",),
    "id": ("so cccd", "cccd/cmnd", "cccd", "cmnd", "so dinh danh", "so can cuoc", "can cuoc"),
    "ethnicity": ("dan toc",),
    "village": ("thon/ban", "thon, ban", "thon", "ban", "to dan pho"),
    "commune": ("xa/phuong", "xa, phuong", "ma xa", "xa", "phuong"),
    "poverty": ("dien ho", "ho ngheo", "ho can ngheo", "phan loai ho"),
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
POVERTY_HEADER_RE = re.compile(r"\b(dien ho|ho ngheo|ho can ngheo|phan loai ho)\b")
PRIORITY_HEADER_RE = re.compile(
    r"\b(uu tien|doi tuong|co cong|chinh sach|khuyet tat|neo don|mot minh|cao tuoi|uy tin)\b"
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
    columns: dict[str, str] = dataclasses.field(default_factory=dict)  # field → the header it was read from
    unrecognised: list[str] = dataclasses.field(default_factory=list)  # header cells not read (to map)

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


def find_header(
    rows: list[list[Any]], learned: dict[str, str] | None = None
) -> tuple[int, dict[str, int], dict[str, int]]:
    """The header row, the column of each field, and — for the layout with the birth year written under
    "Nam" / "Nữ" columns — those two columns (from the header row or the row just below it). `learned`:
    header texts (folded) an officer mapped to a field before, tried first."""
    learned = learned or {}
    for index, row in enumerate(rows[:30]):
        cells = [_norm(c) for c in row]
        columns = _columns(cells, learned)
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
        "Không tìm thấy dòng tiêu đề (cần ít nhất cột Họ và tên và cột Ngày sinh/Năm sinh hoặc Số CCCD). "
        "Hãy chọn nghĩa của các cột bên dưới.",
        code="header_not_found",
    )


def _columns(cells: list[str], learned: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for col, cell in enumerate(cells):
        if not cell:
            continue
        field = learned.get(cell)
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


def unrecognised_columns(
    rows: list[list[Any]], header: int, columns: dict[str, int], learned: dict[str, str]
) -> list[str]:
    """Header cells of the found header row that mean nothing to the importer yet (shown for mapping)."""
    known = set(columns.values())
    out = []
    for col, cell in enumerate(rows[header]):
        folded = _norm(cell)
        if (
            folded
            and col not in known
            and folded not in learned
            and folded not in ("stt", "tt", "so tt", "so thu tu")
            and not POVERTY_HEADER_RE.search(folded)
            and not PRIORITY_HEADER_RE.search(folded)
            and folded not in ("nam", "nu")
        ):
            out.append(" ".join(str(cell).split()))
    return out


def take(problems: list[tuple[str, n.Problem]], column: str, reading: n.Reading[Any]) -> Any:
    """Keep a reading's problems (with their column) and return its value."""
    problems.extend((column, p) for p in reading.problems)
    return reading.value


def _cell(row: list[Any], col: int | None) -> Any:
    return row[col] if col is not None and col < len(row) else None


def _classify(row: list[Any], columns: dict[str, int]) -> tuple[str, str]:
    """("blank" | "numbering" | "footer" | "section" | "person", village name for sections)."""
    first_cell = row[0] if row else None
    if type(first_cell) in (int, float) and _cell(row, columns.get("name")) not in (None, ""):
        return "person", ""  # the common case: a row number (STT) and a name
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


@dataclasses.dataclass(frozen=True)
class HouseholdRow:
    """What a row says of its household: its code (from the list, or derived from the head's name, or one of
    its own when only the poverty status is given), head and poverty status (None: the list does not say)."""

    code: str
    head_name: str
    poverty_status: str | None


@dataclasses.dataclass
class Candidate:
    row: int
    values: dict[str, Any]
    id_number: n.IdentityNumber | None
    commune: ProgrammeCommune
    household: HouseholdRow | None = None
    flags: frozenset[str] = frozenset()
    id_hash: str = ""  # the number's keyed hash, computed once

    FILLABLE = (
        "full_name",
        "birth_date",
        "birth_year",
        "sex",
        "village",
        "ethnicity_code",
        "phone",
        "phone_carrier",
        "smartphone_status",
        "notes",
    )


def _household_row(
    *, code: Any, head: str | None, relation: Any, name: str, poverty: str | None, key: str, village: str
) -> HouseholdRow | None:
    code_text = " ".join(str(code or "").split())
    if code_text.endswith(".0") and code_text[:-2].isdigit():
        code_text = code_text[:-2]  # a numeric cell
    if _norm(relation) in ("chu ho", "ch"):
        head = head or name
    if not code_text and head:
        code_text = "CH-" + hashlib.sha256(f"{_norm(village)}|{_norm(head)}".encode()).hexdigest()[:12]
    if not code_text and poverty is not None:
        code_text = "R-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    if not code_text:
        return None
    return HouseholdRow(code_text[:40], head or "", poverty)


def import_residents(
    *,
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    commune_code: str | None = None,
    smartphone_status: str | None = None,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
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
    learned = learned_mappings(programme, default_commune)
    valid = {f for f, _ in ColumnMapping.FIELDS}
    for text, meaning in (mapping or {}).items():  # given for this import only (the CLI's --map)
        if meaning not in valid:
            raise ValidationFailed(
                f"Không rõ nghĩa cột {meaning!r} (chọn: {', '.join(sorted(valid))}).", field="mapping"
            )
        learned[_norm(text)] = meaning
    header, columns, by_sex = find_header(rows, learned)
    titles = [_norm(c) for c in rows[header]]
    poverty_cols = [
        i
        for i, t in enumerate(titles)
        if learned.get(t) == "poverty" or (t not in learned and POVERTY_HEADER_RE.search(t))
    ]
    priority_cols = [
        i
        for i, t in enumerate(titles)
        if t
        and i not in columns.values()
        and (learned.get(t) == "priority" or (t not in learned and PRIORITY_HEADER_RE.search(t)))
    ]
    report = ImportReport()
    report.columns = {field: " ".join(str(rows[header][col]).split()) for field, col in columns.items()}
    report.unrecognised = unrecognised_columns(rows, header, columns, learned)
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
        poverty = None
        for col in poverty_cols:
            poverty = poverty or take(problems, "poverty", n.read_poverty(_cell(row, col), column=titles[col]))
        flags: frozenset[str] = frozenset()
        for col in priority_cols:
            if "ngheo" in _norm(_cell(row, col)):  # "Đối tượng: hộ nghèo" — the poverty status, not a flag
                poverty = poverty or n.read_poverty(_cell(row, col)).value
                continue
            flags |= take(problems, "priority", n.read_priority(_cell(row, col), column=titles[col])) or frozenset()
        head = n.read_name(_cell(row, columns.get("head"))).value if "head" in columns else None
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
        id_hash = blind_index(ident.number) if ident is not None else ""
        key = id_hash or _person_key(commune, values)
        if key in seen_in_file:
            report.duplicates += 1
            continue
        seen_in_file.add(key)
        assert commune is not None
        household = _household_row(
            code=_cell(row, columns.get("household")),
            head=head,
            relation=_cell(row, columns.get("relation")),
            name=name,
            poverty=poverty,
            key=key,
            village=row_village,
        )
        candidates.append(Candidate(number, values, ident, commune, household, flags, id_hash))
    _settle(
        actor,
        programme,
        candidates,
        report,
        dry_run=dry_run,
        filename=filename,
        digest=hashlib.sha256(data).hexdigest(),
        default_commune=default_commune,
    )
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


def _person_key(commune: ProgrammeCommune | int | None, values: dict[str, Any]) -> str:
    """For a row without an identity number: the same name, birth, sex and village in the same commune is the
    same row again (a re-import, a pasted duplicate). Probabilistic matching of *similar* people is the dedup's
    job, with review; this only stops exact repeats."""
    return "|".join(
        str(x)
        for x in (
            commune.pk if isinstance(commune, ProgrammeCommune) else (commune or ""),
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
    digest: str,
    default_commune: ProgrammeCommune | None,
) -> None:
    """Created, updated or duplicate against the registry; then write everything in one transaction."""
    hashes = {c.id_hash: c for c in candidates if c.id_hash}
    # stored residents with the file's numbers: the fields an import may fill, not the (encrypted) number
    existing = {
        r.id_hash: r
        for chunk in in_chunks(list(hashes))
        for r in Resident.objects.filter(programme=programme, id_hash__in=chunk).only(
            "id_hash", "commune_id", "household_id", *Candidate.FILLABLE
        )
    }
    commune_names = {c.commune.pk: c.commune.unit.name for c in candidates}
    commune_names.update({r.commune_id: "" for r in existing.values() if r.commune_id not in commune_names})
    for pc in ProgrammeCommune.objects.filter(pk__in=[k for k, v in commune_names.items() if not v]).select_related(
        "unit"
    ):
        commune_names[pc.pk] = pc.unit.name
    without_number = {c.commune.pk for c in candidates if not c.id_number}
    known_people = {
        _person_key(commune_id, {"full_name": a, "birth_year": b, "birth_date": c, "sex": d, "village": e})
        for commune_id, a, b, c, d, e in Resident.objects.filter(
            programme=programme, id_hash="", commune_id__in=without_number, erased_at__isnull=True
        ).values_list("commune_id", "full_name", "birth_year", "birth_date", "sex", "village")
    }
    households, household_changes = _households(programme, candidates, filename)
    stored_flags = {
        (f.resident_id, f.kind)
        for chunk in in_chunks([r.pk for r in existing.values()])
        for f in PriorityFlag.objects.filter(resident_id__in=chunk)
    }
    to_create: list[tuple[Resident, Candidate]] = []
    to_update: list[tuple[Resident, list[str], Candidate]] = []
    elsewhere: list[ListedElsewhere] = []
    for c in candidates:
        key = c.id_hash
        stored = existing.get(key) if key else None
        if stored is not None and stored.commune_id != c.commune.pk:
            report.notes.append(
                RowError(
                    c.row,
                    "id",
                    "id_in_other_commune",
                    f"Người này đã có trong danh sách {commune_names[stored.commune_id]}: báo cho cả hai xã.",
                )
            )
            report.warnings += 1
            elsewhere.append(ListedElsewhere(resident=stored, commune=c.commune, source=filename[:200], row=c.row))
        if stored is None and not key and _person_key(c.commune, c.values) in known_people:
            report.duplicates += 1
            continue
        household = households.get((c.commune.pk, c.household.code)) if c.household else None
        if stored is None:
            resident = Resident(
                programme=programme,
                commune=c.commune,
                id_number=c.id_number.number if c.id_number else "",
                id_hash=key,
                id_kind=c.id_number.kind if c.id_number else "",
                **c.values,
            )
            to_create.append((resident, c))
            continue
        gained = [
            f
            for f, v in c.values.items()
            if v not in (None, "", Resident.Smartphone.UNKNOWN) and getattr(stored, f) in (None, "", "unknown")
        ]
        for f in gained:
            setattr(stored, f, c.values[f])
        if household is not None and stored.household_id is None:
            stored.household = household
            gained.append("household")
        new_flags = sorted(k for k in c.flags if (stored.pk, k) not in stored_flags)
        if gained or new_flags:
            to_update.append((stored, gained, dataclasses.replace(c, flags=frozenset(new_flags))))
        else:
            report.duplicates += 1
    report.created, report.updated = len(to_create), len(to_update)
    if dry_run:
        return
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            programme=programme,
            commune=default_commune,
            filename=filename[:200],
            sha256=digest,
            imported_by=getattr(actor, "username", "") or "system",
            counts=report.as_dict() | {"errors": len(report.errors)},
        )
        new_households = [h for h, changes in household_changes if h.pk is None]
        stored_households = [(h, changes) for h, changes in household_changes if h.pk is not None]
        Household.objects.bulk_create(new_households, batch_size=1000)  # keys back on both databases
        events = [
            audit.build(
                actor=actor,
                action="household.update",
                obj=h,
                programme_code=programme.code,
                changes=changes,
                extra={"source": filename, "import_batch": batch.pk},
            )
            for h, changes in stored_households
        ]
        Household.objects.bulk_update(
            [h for h, _ in stored_households],
            ["head_name", "poverty_status", "poverty_source", "poverty_recorded_on"],
            batch_size=1000,
        )
        for resident, c in to_create:
            resident.import_batch, resident.source_row, resident.created_at, resident.updated_at = (
                batch,
                c.row,
                now,
                now,
            )
            if c.household is not None:
                resident.household = households[(c.commune.pk, c.household.code)]
        insert_many(Resident, [r for r, _ in to_create])
        ids = dict(Resident.objects.filter(import_batch=batch).values_list("source_row", "pk"))
        for resident, c in to_create:
            resident.pk = ids[c.row]
        for resident, fields, _c in to_update:
            if fields:
                resident.updated_at = now
                resident.save(update_fields=[*fields, "updated_at"])
        ListedElsewhere.objects.bulk_create(elsewhere, ignore_conflicts=True)
        PriorityFlag.objects.bulk_create(
            [
                PriorityFlag(resident=r, kind=kind, source=filename[:200], recorded_on=today)
                for r, c in [*to_create, *[(r, c) for r, _, c in to_update]]
                for kind in sorted(c.flags)
            ],
            batch_size=1000,
        )
        events += [
            audit.build(
                actor=actor,
                action="resident.update",
                obj=r,
                programme_code=programme.code,
                changes={f: ["", str(getattr(r, f))] for f in fields},
                extra={"source": filename, "import_batch": batch.pk, "priority": sorted(c.flags)},
            )
            for r, fields, c in to_update
        ]
        events.append(
            audit.build(
                actor=actor,
                action="registry.import",
                obj=batch,
                programme_code=programme.code,
                extra={
                    "file": filename,
                    "sha256": digest,
                    "created": len(to_create),
                    "updated": len(to_update),
                    "households_created": len(new_households),
                    "resident_ids": [min(ids.values()), max(ids.values())] if ids else [],
                },
            )
        )
        from phocap.core.models import AuditEvent

        AuditEvent.objects.bulk_create(events, batch_size=1000)


def _households(
    programme: Programme, candidates: list[Candidate], filename: str
) -> tuple[dict[tuple[int, str], Household], list[tuple[Household, dict[str, Any]]]]:
    """The households the rows name, stored or new, and the ones to write (new, or stored ones gaining a head or
    a poverty status they did not have — never overwriting one)."""
    wanted: dict[tuple[int, str], tuple[Candidate, HouseholdRow]] = {}
    for c in candidates:
        if c.household is not None:
            previous = wanted.get((c.commune.pk, c.household.code))
            if previous is None or (previous[1].poverty_status is None and c.household.poverty_status):
                wanted[(c.commune.pk, c.household.code)] = (c, c.household)
    found: dict[tuple[int, str], Household] = {}
    for commune_id in {k[0] for k in wanted}:
        codes = [code for cid, code in wanted if cid == commune_id]
        for chunk in in_chunks(codes):
            for h in Household.objects.filter(commune_id=commune_id, code__in=chunk):
                found[(commune_id, h.code)] = h
    changes: list[tuple[Household, dict[str, Any]]] = []
    today = timezone.localdate()
    for key, (c, row) in wanted.items():
        household = found.get(key)
        if household is None:
            household = Household(
                programme=programme,
                commune=c.commune,
                village=c.values["village"],
                code=row.code,
                head_name=row.head_name,
                poverty_status=row.poverty_status or PovertyStatus.NONE,
                poverty_source=filename[:200] if row.poverty_status else "",
                poverty_recorded_on=today if row.poverty_status else None,
            )
            found[key] = household
            changes.append((household, {"code": ["", row.code]}))
            continue
        diff: dict[str, Any] = {}
        if row.head_name and not household.head_name:
            household.head_name = row.head_name
            diff["head_name"] = ["", row.head_name]
        if row.poverty_status and not household.poverty_source:
            diff["poverty_status"] = [household.poverty_status, row.poverty_status]
            household.poverty_status, household.poverty_source = row.poverty_status, filename[:200]
            household.poverty_recorded_on = today
        if diff:
            changes.append((household, diff))
    return found, changes


TEMPLATE_HEADER = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Dân tộc",
    "Thôn/Bản",
    "Xã/Phường",
    "Mã hộ",
    "Chủ hộ",
    "Diện hộ",
    "Đối tượng ưu tiên",
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


def column_mapping_save(
    *, actor: scope.Actor, programme: Programme, commune: ProgrammeCommune | None, mapping: dict[str, str]
) -> int:
    """Remember what the officer said columns mean (header text → field), for their commune's next files."""
    valid = {f for f, _ in ColumnMapping.FIELDS}
    if commune is None and not scope.can_manage_programme(actor, programme):
        raise NotFound("Chọn xã để lưu cách đọc cột.")
    if commune is not None and not scope.can_write_residents(actor, commune):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền nhập danh sách cho xã này).")
    saved = 0
    with transaction.atomic():
        for header, field in mapping.items():
            folded = _norm(header)
            if not folded or not field:
                continue
            if field not in valid:
                raise ValidationFailed(f"Không rõ nghĩa cột {field!r}.", field="mapping")
            row, created = ColumnMapping.objects.update_or_create(
                programme=programme,
                commune=commune,
                header=folded[:200],
                defaults={"field": field, "updated_by": getattr(actor, "username", "") or "system"},
            )
            audit.record(
                actor=actor,
                action="registry.column_mapping",
                obj=row,
                programme_code=programme.code,
                extra={"header": folded, "field": field, "new": created},
            )
            saved += 1
    return saved
