"""Importing commune spreadsheets of adults (issue #4), as a pipeline over the file's rows as they are read
(issue #18: memory stays flat in the number of rows, and each column is read once per distinct value):

1. open the file (`core.spreadsheets.open_rows`: XLSX, XLS, ODS, CSV) and read its first rows;
2. find the header and what each column holds among them (`header`);
3. tell person rows from numbering, village sections, blanks and the footer (`rows`);
4. read each chunk of person rows, column by column, into candidates or the Vietnamese reasons they are rejected
   (`columns`);
5. settle the chunk's candidates against the registry: created, updated, duplicate, listed elsewhere (`settle`);
6. write the chunk (`write`) — every chunk inside the import's one transaction, so a failure half-way leaves the
   registry as it was; a dry run is the same import, rolled back at its end, so its report is the import's.

The report lists each row's problems by column."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from itertools import chain, islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.services import service
from phocap.core.spreadsheets import open_rows
from phocap.programmes.models import Programme
from phocap.registry.importing import write as writing
from phocap.registry.importing.cells import Candidate, RowError, Sheet
from phocap.registry.importing.columns import PersonRow, Readers, read_chunk
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
from phocap.registry.importing.write import WRITE_AUDITS
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


HEAD = 32  # rows read before any is judged: title rows and the header (within the first 30), and the row below it
TAIL = 40  # the last rows, where a list's place-and-date line is
CHUNK = 20_000  # person rows read, settled and written together


def _sheet(
    actor: scope.Actor,
    programme: Programme,
    head: list[list[Any]],
    commune_code: str | None,
    smartphone_status: str | None,
    mapping: dict[str, str] | None,
) -> tuple[Sheet, dict[str, str]]:
    """What every row is read against, from the file's first rows (`head`)."""
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
    layout = layout_of(head, learned)
    today = timezone.localdate()
    return Sheet(programme, layout, communes, default_commune, writable, smartphone_status, today), learned


def _chunks(rows: Iterable[PersonRow]) -> Iterator[list[PersonRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _remembered(rows: Iterable[list[Any]], tail: deque[list[Any]]) -> Iterator[list[Any]]:
    for row in rows:
        tail.append(row)
        yield row


def _list_date(head: list[list[Any]], tail: deque[list[Any]], header: int) -> Any:
    """The date written on the list (its title rows, else its last rows), or the day of the import: what a consent
    mark without a date of its own was given on."""
    today = timezone.localdate()
    written = list_date([c for row in [*head[:header], *tail] for c in row[:12]])
    return written if written is not None and written <= today else today


def _unique(candidates: list[Candidate], seen: dict[int, int], report: ImportReport) -> list[Candidate]:
    """The chunk's candidates less repeats of a person already met in the file (same number, or same name, birth,
    sex and village), each counted once. `seen` keeps 8 bytes of each key's hash and its first row."""
    out = []
    for c in candidates:
        key = int.from_bytes(hashlib.blake2b(c.key.encode(), digest_size=8).digest())
        if (first := seen.get(key)) is not None:
            report.duplicates += 1
            report.repeats.append(
                RowError(c.row, "name", "repeat_in_file", f"Trùng với dòng {first} trong tệp: chỉ ghi một lần.")
            )
            continue
        seen[key] = c.row
        out.append(c)
    return out


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, to roll it back."""


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
    head = list(islice(open_rows(data, filename).rows, HEAD))
    _sheet(actor, programme, head, commune_code, smartphone_status, mapping)


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
        progress(0, 1, "Đang đọc tệp")
    source = open_rows(data, filename)
    rows = iter(source.rows)
    head = list(islice(rows, HEAD))
    sheet, learned = _sheet(actor, programme, head, commune_code, smartphone_status, mapping)
    report = ImportReport()
    header = head[sheet.layout.header]
    report.columns = {field: " ".join(str(header[col]).split()) for field, col in sheet.layout.columns.items()}
    report.column_index, report.header_row = dict(sheet.layout.columns), sheet.layout.header
    report.unrecognised = unrecognised_columns(head, sheet.layout, learned)
    try:
        with audit.rolled_back() if dry_run else nullcontext(), transaction.atomic(durable=True):
            _write(actor, programme, sheet, (head, rows), source.total, filename, data, report, progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.batch = None
    if progress:
        progress(1, 1, "Xong")
    return report


def _write(
    actor: scope.Actor,
    programme: Programme,
    sheet: Sheet,
    rows: tuple[list[list[Any]], Iterator[list[Any]]],
    total: int | None,
    filename: str,
    data: bytes,
    report: ImportReport,
    progress: Any,
) -> None:
    """Every chunk read, settled and written; then what waits for the whole file (consents, counts, audit).
    `rows`: the file's first rows, already read, and the rest."""
    head, rest = rows
    w = writing.begin(actor, programme, filename, hashlib.sha256(data).hexdigest(), sheet.default_commune)
    readers, seen, tail = Readers(sheet), dict[int, int](), deque[list[Any]](maxlen=TAIL)
    remembered = _remembered(chain(head, rest), tail)
    plan_notes: list[RowError] = []
    for chunk in _chunks(person_rows(remembered, sheet.layout)):
        read = read_chunk(readers, chunk)
        report.rows += len(chunk)
        report.rejected += read.rejected
        report.warnings += read.warned
        report.errors.extend(read.errors)
        report.notes.extend(read.warnings)
        plan = settle(programme, _unique(read.candidates, seen, report), filename)
        plan_notes.extend(plan.notes)
        report.repeats.extend(plan.repeats)
        report.duplicates += plan.duplicates
        report.created += len(plan.create)
        report.updated += len(plan.update)
        refusals = sum(1 for _, mark in plan.consents if mark.refused)
        report.refusals += refusals
        report.consents += len(plan.consents) - refusals
        writing.write_chunk(w, plan)
        readers.trim()
        if progress:
            progress(report.rows, max(total or 0, report.rows + 1), f"Đã kiểm tra và ghi {report.rows} dòng")
    for _ in remembered:  # the footer: its place-and-date line may give the list's date
        pass
    report.notes.extend(plan_notes)
    report.warnings += len(plan_notes)
    report.repeats.sort(key=lambda e: e.row)
    counts = report.as_dict() | {
        "errors": len(report.errors),
        "notes": len(report.notes),
        "repeats": len(report.repeats),
        "batch": None,
    }
    report.batch = writing.finish(w, _list_date(head, tail, sheet.layout.header), counts).pk
