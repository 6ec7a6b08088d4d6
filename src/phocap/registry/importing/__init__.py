"""Importing commune spreadsheets of adults (issue #4), as a pipeline:

1. read the file (`core.spreadsheets.read_rows`: XLSX, XLS, ODS, CSV);
2. find the header and what each column holds (`header`);
3. tell person rows from numbering, village sections, blanks and the footer (`rows`);
4. read each person row into a candidate, or the Vietnamese reasons it is rejected (`cells`);
5. settle the candidates against the registry: created, updated, duplicate, listed elsewhere (`settle`);
6. unless it is a dry run, write everything in one transaction (`write`): a failure half-way leaves the
   registry as it was.

Every row is judged before anything is written; the report lists each row's problems by column."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from django.utils import timezone

from phocap.accounts import scope
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.services import service
from phocap.core.spreadsheets import read_rows
from phocap.programmes.models import Programme
from phocap.registry.importing.cells import Candidate, RowError, Sheet, read_person
from phocap.registry.importing.files import error_workbook, template_xlsx
from phocap.registry.importing.header import (
    header_guess,
    layout_of,
    learned_mappings,
    unrecognised_columns,
    with_mapping,
)
from phocap.registry.importing.mappings import column_mapping_save
from phocap.registry.importing.rows import person_rows
from phocap.registry.importing.settle import settle
from phocap.registry.importing.write import WRITE_AUDITS, write
from phocap.registry.models import Resident
from phocap.registry.normalize import list_date

__all__ = [
    "ImportReport",
    "RowError",
    "check_readable",
    "column_mapping_save",
    "error_workbook",
    "header_guess",
    "import_residents",
    "template_xlsx",
]


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
    column_index: dict[str, int] = dataclasses.field(default_factory=dict)  # field → its column (0-based)
    header_row: int = 0  # the header's row (0-based)
    unrecognised: list[str] = dataclasses.field(default_factory=list)  # header cells not read (to map)
    consents: int = 0  # consent marks recorded (or, in a dry run, that would be)
    refusals: int = 0
    batch: int | None = None  # the import batch written (its people: the resident list filtered by it)
    repeats: list[RowError] = dataclasses.field(default_factory=list)  # which rows were duplicates, and of whom

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "consents": self.consents,
            "refusals": self.refusals,
            "batch": self.batch,
            "errors": [e.as_dict() for e in self.errors],
            "notes": [w.as_dict() for w in self.notes],
            "repeats": [d.as_dict() for d in self.repeats],
        }


def _sheet(
    actor: scope.Actor,
    programme: Programme,
    rows: list[list[Any]],
    commune_code: str | None,
    smartphone_status: str | None,
    mapping: dict[str, str] | None,
) -> tuple[Sheet, dict[str, str]]:
    communes = {c.unit.code: c for c in programme.communes.select_related("unit")}
    default_commune = communes.get(commune_code) if commune_code else None
    if commune_code and default_commune is None:
        raise NotFound(f"Xã {commune_code} không thuộc chương trình.")
    writable = frozenset(code for code, c in communes.items() if scope.can_write_residents(actor, c))
    if default_commune is None and len(writable) == 1:
        default_commune = communes[next(iter(writable))]  # an officer's only commune: the list is theirs
    if not writable or (default_commune is not None and default_commune.unit.code not in writable):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền nhập danh sách cho xã này).")
    if smartphone_status and smartphone_status not in Resident.Smartphone.values:
        raise ValidationFailed("Tình trạng điện thoại: lacks, has hoặc unknown.", field="smartphone_status")
    learned = with_mapping(learned_mappings(programme, default_commune), mapping)
    layout = layout_of(rows, learned)
    today = timezone.localdate()
    written = list_date([c for row in [*rows[: layout.header], *rows[-40:]] for c in row[:12]])
    on = written if written is not None and written <= today else today
    sheet = Sheet(programme, layout, communes, default_commune, writable, smartphone_status, on, today)
    return sheet, learned


def _candidates(sheet: Sheet, rows: list[list[Any]], report: ImportReport) -> list[Candidate]:
    """Every person row read; repeats of a person within the file (same number, or same name, birth, sex and
    village) counted once."""
    candidates: list[Candidate] = []
    seen: dict[str, int] = {}
    for number, row, village in person_rows(rows, sheet.layout):
        report.rows += 1
        reading = read_person(sheet, number, row, village)
        report.notes.extend(reading.warnings)
        if reading.candidate is None:
            report.rejected += 1
            report.errors.extend(reading.errors)
            continue
        if reading.warnings:
            report.warnings += 1
        if (first := seen.get(reading.candidate.key)) is not None:
            report.duplicates += 1
            report.repeats.append(
                RowError(number, "name", "repeat_in_file", f"Trùng với dòng {first} trong tệp: chỉ ghi một lần.")
            )
            continue
        seen[reading.candidate.key] = number
        candidates.append(reading.candidate)
    return candidates


@service(audits=WRITE_AUDITS, atomic=False)
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
    """Read and judge the whole file, then (unless `dry_run`) write it in one transaction."""
    return run_import(actor, programme, data, filename, commune_code, smartphone_status, dry_run, mapping)


def check_readable(
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    commune_code: str | None,
    smartphone_status: str | None,
    mapping: dict[str, str] | None,
) -> None:
    """What a large list must pass before it is left to the worker: the file reads, a header is found, the
    commune may be written by the actor. (The rows themselves are judged once, by the worker.)"""
    _sheet(actor, programme, read_rows(data, filename), commune_code, smartphone_status, mapping)


def run_import(
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    commune_code: str | None,
    smartphone_status: str | None,
    dry_run: bool,
    mapping: dict[str, str] | None,
    progress: Any = None,
) -> ImportReport:
    """The import itself, for the services here and in `kept` (a service never calls another)."""
    if progress:
        progress(0, 3, "Đang đọc tệp")
    rows = read_rows(data, filename)
    sheet, learned = _sheet(actor, programme, rows, commune_code, smartphone_status, mapping)
    report = ImportReport()
    header = rows[sheet.layout.header]
    report.columns = {field: " ".join(str(header[col]).split()) for field, col in sheet.layout.columns.items()}
    report.column_index, report.header_row = dict(sheet.layout.columns), sheet.layout.header
    report.unrecognised = unrecognised_columns(rows, sheet.layout, learned)
    if progress:
        progress(1, 3, f"Đang kiểm tra {len(rows)} dòng")
    candidates = _candidates(sheet, rows, report)
    plan = settle(programme, candidates, filename)
    report.notes.extend(plan.notes)
    report.repeats.extend(plan.repeats)
    report.repeats.sort(key=lambda e: e.row)
    report.warnings += len(plan.notes)
    report.duplicates += plan.duplicates
    report.created, report.updated = len(plan.create), len(plan.update)
    report.refusals = sum(1 for _, mark in plan.consents if mark.refused)
    report.consents = len(plan.consents) - report.refusals
    if not dry_run:
        if progress:
            progress(2, 3, f"Đang ghi {report.created} người mới, {report.updated} cập nhật")
        batch = write(
            actor,
            programme,
            plan,
            filename=filename,
            digest=hashlib.sha256(data).hexdigest(),
            default_commune=sheet.default_commune,
            counts=report.as_dict()
            | {"errors": len(report.errors), "notes": len(report.notes), "repeats": len(report.repeats), "batch": None},
        )
        report.batch = batch.pk
    if progress:
        progress(3, 3, "Xong")
    return report
