"""Step 4 of an import, a chunk of rows at a time and column by column (issue #18): each person row read into a
candidate resident, or the Vietnamese reasons it is rejected.

Every cell goes through the same reader of `registry.normalize` as before, in the same order, giving the same
problems; what changed is *how often*. Lists repeat most of their cells — villages, dates, "Nam"/"Nữ", ethnic
groups, poverty statuses, households, even names — so each distinct value of a column is read once and kept
(`Readers`, across the chunks of one file, emptied when it grows past `Readers.LIMIT`). What is left per row is only
what depends on several columns: the number's year and sex against the row's, the birth-year layout under
"Nam"/"Nữ", the household's code, the lengths — and for the rare row with a problem, its list of problems in the
order the columns are read (name, sex, birth, number, ethnicity, phone, poverty, priority, commune, consent,
adulthood)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import partial
from itertools import repeat
from typing import Any

from phocap.core.crypto import blind_indexes
from phocap.core.text import clean_line
from phocap.registry import normalize as n
from phocap.registry.importing.cells import (
    Candidate,
    Consenting,
    RowError,
    Sheet,
    commune_from_cell,
    household_row,
    person_key,
    smartphone_of,
    too_long,
    village_of_address,
)
from phocap.registry.importing.header import norm
from phocap.registry.models import Household, Resident

PersonRow = tuple[int, list[Any], str]  # (sheet row number, the cells, the village of its section)
Problems = list[tuple[str, n.Problem]]
_NOTHING: n.Reading[Any] = n.Reading(None)
_NAME_MAX = Resident._meta.get_field("full_name").max_length or 0
_VILLAGE_MAX = Resident._meta.get_field("village").max_length or 0
_CODE_MAX = Household._meta.get_field("code").max_length or 0
_HEAD_MAX = Household._meta.get_field("head_name").max_length or 0


@dataclasses.dataclass
class Chunk:
    candidates: list[Candidate]
    errors: list[RowError]
    warnings: list[RowError]  # every row's, the rejected rows' too (the report lists them all)
    rejected: int
    warned: int  # accepted rows with at least one warning


_MISS = object()


class Readers:
    """Readings already made in this import, by column and cell value: text cells (nearly every cell) by their
    value, looked up all at once by `map` at C speed; other cells by (type, value), so that 1, 1.0 and True are not
    taken for one another."""

    LIMIT = 200_000  # entries in all; beyond, the memory of one file would grow with its rows

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.caches: dict[str, dict[Any, Any]] = {}

    def column(self, name: str, read: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
        text = self.caches.setdefault(name, {})
        typed = self.caches.setdefault(name + ":typed", {})
        out = list(map(text.get, values, repeat(_MISS)))
        i = -1
        while True:
            try:
                i = out.index(_MISS, i + 1)
            except ValueError:
                return out
            value = values[i]
            cache, key = (text, value) if value.__class__ is str else (typed, (value.__class__, value))
            reading = cache.get(key, _MISS)
            if reading is _MISS:
                reading = cache[key] = read(value)
            out[i] = reading

    def trim(self) -> None:
        if sum(len(c) for c in self.caches.values()) > self.LIMIT:
            self.caches.clear()


def _cells(chunk: Sequence[PersonRow], col: int | None) -> list[Any]:
    if col is None:
        return [None] * len(chunk)
    return [row[col] if col < len(row) else None for _, row, _ in chunk]


def _household_code(value: Any) -> str:
    text = clean_line(value)
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text  # a numeric cell


def _is_head(value: Any) -> bool:
    return norm(value) in ("chu ho", "ch")


class _Columns:
    """The readings of every column of one chunk, each a list parallel to the chunk's rows."""

    def __init__(self, readers: Readers, chunk: Sequence[PersonRow]) -> None:
        sheet, layout = readers.sheet, readers.sheet.layout
        reference, today = sheet.programme.reference_date, sheet.today

        def col(field: str) -> list[Any]:
            return _cells(chunk, layout.columns.get(field))

        def read(field: str, reader: Callable[[Any], Any]) -> list[Any]:
            if field not in layout.columns:  # the same reading of an absent cell for every row
                return [reader(None)] * len(chunk)
            return readers.column(field, reader, col(field))

        self.birth = partial(_birth, reference=reference)
        self.names = read("name", n.read_name)
        self.sexes = read("sex", n.read_sex)
        self.births = read("birth", self.birth)
        self.by_sex = {s: _cells(chunk, c) for s, c in layout.by_sex.items()}
        self.ids = [n.read_id_parts(v) for v in col("id")]  # numbers do not repeat: no use keeping them
        self.ethnicities = read("ethnicity", n.read_ethnicity)
        self.phones = read("phone", n.read_phone)
        self.groups = _groups(readers, chunk)
        self.heads = read("head", lambda v: n.read_name(v).value) if "head" in layout.columns else None
        self.communes = read("commune", lambda v: _commune_reading(v, sheet))
        self.consents = read("consent", lambda v: n.read_consent(v, today=today))
        self.villages = read("village", clean_line)
        self.addresses = read("address", village_of_address)
        self.smartphones = read("smartphone", smartphone_of)
        self.notes = read("notes", clean_line)
        self.codes = read("household", _household_code)
        self.heads_by_relation = read("relation", _is_head)


def _birth(value: Any, *, reference: Any) -> tuple[n.Reading[n.BirthDate], bool]:
    """A birth cell's reading, and whether it makes an adult on the reference date (unread births count as adult:
    their row is rejected for the missing date, not for the age)."""
    reading = n.read_birth(value, today=reference)
    return reading, reading.value is None or n.is_adult(reading.value, reference)


Groups = tuple[str | None, frozenset[str], tuple[tuple[str, n.Problem], ...]]
_NO_GROUPS: Groups = (None, frozenset(), ())


def _poverty_cell(value: Any, *, title: str) -> Groups:
    reading = n.read_poverty(value, column=title)
    return reading.value, frozenset(), tuple(("poverty", p) for p in reading.problems)


def _priority_cell(value: Any, *, title: str) -> tuple[bool, Groups]:
    """A priority column's cell: (names the poverty status, what it says) — "Đối tượng: hộ nghèo" is the poverty
    status written in the priority column, not a group."""
    if "ngheo" in norm(value):
        return True, (n.read_poverty(value).value, frozenset(), ())
    reading = n.read_priority(value, column=title)
    return False, (None, reading.value or frozenset(), tuple(("priority", p) for p in reading.problems))


def _groups(readers: Readers, chunk: Sequence[PersonRow]) -> list[Groups]:
    """Each row's poverty status (the first poverty column that gives one: later ones are not read; else a priority
    column naming it), priority groups and their problems."""
    layout = readers.sheet.layout
    poverty = [
        readers.column(f"poverty{c}", partial(_poverty_cell, title=layout.titles[c]), _cells(chunk, c))
        for c in layout.poverty
    ]
    priority = [
        readers.column(f"priority{c}", partial(_priority_cell, title=layout.titles[c]), _cells(chunk, c))
        for c in layout.priority
    ]
    if not priority:
        if len(poverty) == 1:
            return poverty[0]
        if not poverty:
            return [_NO_GROUPS] * len(chunk)
    out: list[Groups] = []
    for cells in zip(*poverty, *priority, strict=True):
        status: str | None = None
        flags: frozenset[str] = frozenset()
        problems: tuple[tuple[str, n.Problem], ...] = ()
        for value, _, found in cells[: len(poverty)]:
            if status is None:
                status, problems = value, problems + found
        for is_poverty, (value, kinds, found) in cells[len(poverty) :]:
            if is_poverty:
                status = status or value
            else:
                flags, problems = flags | kinds, problems + found
        out.append((status, flags, problems))
    return out


def _commune_reading(value: Any, sheet: Sheet) -> tuple[Any, tuple[tuple[str, n.Problem], ...]]:
    """(the row's commune, problems) from the commune column's cell; blank: the file's commune."""
    problems: list[tuple[str, n.Problem]] = []
    commune = sheet.default_commune
    if value not in (None, ""):
        commune = commune_from_cell(value, sheet.communes)
        if commune is None:
            problems.append(_error("commune_not_in_programme", f"Xã {value!r} không thuộc chương trình."))
    elif commune is None:
        problems.append(_error("commune_missing", "Thiếu xã/phường (chọn xã khi nhập tệp không có cột xã)."))
    if commune is not None and commune.unit.code not in sheet.writable:
        problems.append(_error("commune_not_yours", "Bạn không được nhập cho xã này."))
    return commune, tuple(problems)


def _error(code: str, message: str) -> tuple[str, n.Problem]:
    return "commune", n.Problem("error", code, message)


UNDER_18 = "under_18"


def read_chunk(readers: Readers, chunk: Sequence[PersonRow]) -> Chunk:
    """Every row of the chunk: its candidate, or its errors; and every row's warnings."""
    cols = _Columns(readers, chunk)
    out = Chunk([], [], [], 0, 0)
    sheet = readers.sheet
    hashes = iter(blind_indexes([r.value.number for r, _ in cols.ids if r.value is not None]))
    rows = zip(
        chunk,
        cols.names,
        cols.sexes,
        cols.births,
        cols.ids,
        cols.ethnicities,
        cols.phones,
        cols.groups,
        cols.communes,
        cols.consents,
        strict=True,
    )
    for i, (
        (number, _row, section),
        name_r,
        sex_r,
        (birth_r, adult),
        (id_r, encoded),
        ethnicity_r,
        phone_r,
        (poverty, flags, group_problems),
        (commune, commune_problems),
        consent_r,
    ) in enumerate(rows):
        id_hash = next(hashes) if id_r.value is not None else ""
        sex = sex_r.value
        if cols.by_sex:  # the birth year written under "Nam" or "Nữ": the column says the sex
            (birth_r, adult), sex = _birth_by_sex(readers, cols, i, sex)
        birth = birth_r.value
        mismatch = n.id_mismatches(encoded, birth.year if birth else None, sex) if encoded else ()
        warnings: list[RowError] = []
        readings = (name_r, sex_r, birth_r, id_r, ethnicity_r, phone_r, consent_r)
        if mismatch or group_problems or commune_problems or not adult or any(r.problems for r in readings):
            errors, warnings = _row_problems(number, readings, mismatch, group_problems + commune_problems, sheet)
            out.warnings.extend(warnings)
            if errors:
                out.rejected += 1
                out.errors.extend(errors)
                continue
        if commune is None or birth is None:
            out.rejected += 1
            continue
        candidate = _candidate(
            sheet, cols, i, (number, section, commune, birth, sex, name_r.value, poverty, flags, id_hash)
        )
        if long := _long(number, candidate):
            out.rejected += 1
            out.errors.extend(long)
            continue
        out.warned += bool(warnings)
        out.candidates.append(candidate)
    return out


def _row_problems(
    number: int,
    readings: tuple[n.Reading[Any], ...],
    mismatch: tuple[n.Problem, ...],
    tagged: tuple[tuple[str, n.Problem], ...],
    sheet: Sheet,
) -> tuple[list[RowError], list[RowError]]:
    """A row's (errors, warnings), in the order the columns are read; `tagged`: the groups' and the commune's."""
    name_r, sex_r, birth_r, id_r, ethnicity_r, phone_r, consent_r = readings
    adult = birth_r.value is None or n.is_adult(birth_r.value, sheet.programme.reference_date)
    problems: Problems = [
        *(("name", p) for p in name_r.problems),
        *(("sex", p) for p in sex_r.problems),
        *(("birth", p) for p in birth_r.problems),
        *(("id", p) for p in (*id_r.problems, *mismatch)),
        *(("ethnicity", p) for p in ethnicity_r.problems),
        *(("phone", p) for p in phone_r.problems),
        *tagged,
        *(("consent", p) for p in consent_r.problems),
    ]
    if not adult:
        message = f"Chưa đủ 18 tuổi vào ngày {sheet.programme.reference_date:%d/%m/%Y}."
        problems.append(("birth", n.Problem("error", UNDER_18, message)))
    errors = [RowError(number, c, p.code, p.message) for c, p in problems if p.severity == "error"]
    warnings = [RowError(number, c, p.code, p.message) for c, p in problems if p.severity == "warning"]
    return errors, warnings


def _long(number: int, c: Candidate) -> list[RowError]:
    v, h = c.values, c.household
    if (
        len(v["full_name"]) > _NAME_MAX
        or len(v["village"]) > _VILLAGE_MAX
        or (h is not None and (len(h.code) > _CODE_MAX or len(h.head_name) > _HEAD_MAX))
    ):
        return too_long(number, v, h)
    return []


def _birth_by_sex(
    readers: Readers, cols: _Columns, i: int, sex: str | None
) -> tuple[tuple[n.Reading[Any], bool], str | None]:
    cell = None
    for s_, cells in cols.by_sex.items():
        if cells[i] not in (None, ""):
            cell, sex = cells[i], sex or s_
    return readers.column("birth", cols.birth, [cell])[0], sex


def _candidate(sheet: Sheet, cols: _Columns, i: int, row: tuple[Any, ...]) -> Candidate:
    """The candidate of row `i`, from what the row loop settled: (sheet row number, its section's village, commune,
    birth, sex, name, poverty status, priority groups, the number's keyed hash)."""
    number, section, commune, birth, sex, name, poverty, flags, id_hash = row
    ident = cols.ids[i][0].value
    village = cols.villages[i] or cols.addresses[i] or section
    phone = cols.phones[i].value
    ethnicity = cols.ethnicities[i].value
    values = {
        "full_name": name,
        "birth_date": birth.date,
        "birth_year": birth.year,
        "sex": sex or "",
        "village": village,
        "ethnicity_code": ethnicity.code if ethnicity else "",
        "phone": phone.number if phone else "",
        "phone_carrier": (phone.carrier or "") if phone else "",
        "smartphone_status": cols.smartphones[i] or sheet.smartphone_status or Resident.Smartphone.UNKNOWN,
        "notes": cols.notes[i],
    }
    household = household_row(
        code=cols.codes[i],
        head=cols.heads[i] if cols.heads is not None else None,
        is_head=cols.heads_by_relation[i],
        name=name,
        poverty=poverty,
        key=id_hash or person_key(commune, values),
        village=village,
    )
    mark = cols.consents[i].value
    consenting = Consenting(mark.refused, mark.on) if mark is not None else None
    return Candidate(number, values, ident, commune, household, flags, id_hash, consenting)
