"""Synthetic residents for the demo: each pilot commune's adults without a smartphone (as many as its baseline),
with Bắc Kạn's ethnic mix, written as the commune's spreadsheet and imported through the real importer.
Everything here is invented (names, numbers, villages are examples)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from phocap.accounts import scope
from phocap.core.spreadsheets import xlsx_bytes
from phocap.core.text import ascii_fold
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme
from phocap.registry import selectors
from phocap.registry.consents import consent_bulk
from phocap.registry.importing import import_residents
from phocap.registry.models import Resident

# (ethnic group, share, family names) — Bắc Kạn is mostly Tày, then Dao, Kinh, Nùng, Mông
ETHNIC_MIX: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Tày", 0.54, ("Hoàng", "Nông", "Ma", "Lục", "Hà", "Lường", "Đinh", "Lý", "Triệu", "Mông")),
    ("Dao", 0.17, ("Triệu", "Bàn", "Lý", "Đặng", "Phùng", "Chu")),
    ("Kinh", 0.12, ("Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đỗ")),
    ("Nùng", 0.10, ("Hoàng", "Nông", "Lương", "Vi", "Lộc")),
    ("Mông", 0.07, ("Giàng", "Vàng", "Lý", "Sùng", "Thào", "Hầu")),
)
GIVEN_M = (
    "Văn An",
    "Văn Bình",
    "Văn Cường",
    "Văn Dũng",
    "Văn Hải",
    "Văn Hùng",
    "Văn Khánh",
    "Văn Lâm",
    "Văn Minh",
    "Văn Nam",
    "Văn Phúc",
    "Văn Quang",
    "Văn Sơn",
    "Văn Thắng",
    "Văn Tuấn",
    "A Sáng",
    "A Páo",
    "Văn Chiến",
)
GIVEN_F = (
    "Thị Bích",
    "Thị Chanh",
    "Thị Dung",
    "Thị Hoa",
    "Thị Hồng",
    "Thị Huệ",
    "Thị Lan",
    "Thị Mai",
    "Thị Nga",
    "Thị Nhung",
    "Thị Phượng",
    "Thị Thu",
    "Thị Vân",
    "Thị Xuân",
    "Thị Mỷ",
    "Thị Sinh",
    "Thị Lả",
)


PLANTED_DUPLICATES = 0.012  # share of each list that is someone already listed, typed again
POVERTY = (("Hộ nghèo", 0.27), ("Hộ cận nghèo", 0.14))  # of households; mountain communes of Bắc Kạn, 2022–2023
PRIORITY = (
    ("Gia đình người có công", 0.03),
    ("Gia đình chính sách", 0.04),
    ("Người khuyết tật", 0.05),
    ("Người có uy tín", 0.01),
)


HEADER: list[object] = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Dân tộc",
    "Thôn/Bản",
    "SĐT",
    "Mã hộ",
    "Quan hệ với chủ hộ",
    "Diện hộ",
    "Đối tượng ưu tiên",
]
VILLAGES = [f"Thôn {n} (ví dụ)" for n in range(1, 9)]


def _pick(rng: random.Random, shares: tuple[tuple[str, float], ...]) -> str:
    """A label drawn with the given shares ("" for the rest)."""
    x = rng.random()
    for label, share in shares:
        if x < share:
            return label
        x -= share
    return ""


def _ethnic(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    pick, acc = rng.random(), 0.0
    for name, share, families in ETHNIC_MIX:
        acc += share
        if pick <= acc:
            return name, families
    return ETHNIC_MIX[0][0], ETHNIC_MIX[0][2]


def _person(rng: random.Random, ref: dt.date, family: str, alone: bool) -> list[object]:
    """Name, birth, sex, CCCD, phone and priority groups of one adult without a smartphone (older on average)."""
    sex = rng.choice("MF")
    name = f"{family} {rng.choice(GIVEN_M if sex == 'M' else GIVEN_F)}"
    age = min(90, max(18, int(rng.gauss(52, 16))))
    year = ref.year - age - 1
    born = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    birth: object = born.strftime("%d/%m/%Y") if rng.random() < 0.8 else year  # some lists hold the year
    number = ""
    if rng.random() < 0.85:  # most have a CCCD: province of birth registration, century/sex, year, random
        province = "006" if rng.random() < 0.9 else rng.choice(["019", "004", "020"])
        digit = {("M", 1900): "0", ("F", 1900): "1", ("M", 2000): "2", ("F", 2000): "3"}[(sex, year // 100 * 100)]
        number = f"{province}{digit}{year % 100:02d}{rng.randrange(10**6):06d}"
    phone = f"09{rng.randrange(10**8):08d}" if rng.random() < 0.3 else ""
    groups = [label for label, share in PRIORITY if rng.random() < share]
    if alone and age >= 70 and rng.random() < 0.3:
        groups.append("Người cao tuổi sống một mình")
    return [name, birth, "Nam" if sex == "M" else "Nữ", number, phone, ", ".join(groups)]


def _household(rng: random.Random, ref: dt.date, code: str, size: int, first_no: int) -> list[list[object]]:
    """The rows of one household: one to three adults with a code, a head, a poverty status."""
    ethnic, families = _ethnic(rng)
    family = rng.choice(families)
    village = rng.choice(VILLAGES)
    poverty = _pick(rng, POVERTY)
    size = min(size, rng.choice((1, 1, 1, 2, 2, 3)))
    rows: list[list[object]] = []
    for member in range(size):
        name, birth, sex, number, phone, groups = _person(rng, ref, family, alone=size == 1)
        relation = "Chủ hộ" if member == 0 else rng.choice(("Vợ", "Chồng", "Con", "Bố", "Mẹ"))
        person = [name, birth, sex, number, ethnic, village, phone, code, relation, poverty, groups]
        rows.append([first_no + member, *person])
    return rows


def _rows(programme: Programme, commune_code: str, count: int, rng: random.Random) -> list[list[object]]:
    """A commune's list: households of one to three adults (code, head, poverty status), priority groups, and a
    few people listed twice — again without their number, without diacritics or with the year only."""
    title = f"DANH SÁCH NGƯỜI TRƯỞNG THÀNH CHƯA CÓ ĐIỆN THOẠI THÔNG MINH — {commune_code} (dữ liệu ví dụ)"
    twice = round(count * PLANTED_DUPLICATES)
    people: list[list[object]] = []
    household_no = 0
    while len(people) < count - twice:
        household_no += 1
        code = f"{commune_code}-{household_no:04d}"
        people += _household(rng, programme.reference_date, code, count - twice - len(people), len(people) + 1)
    n = len(people)
    again_rows = []
    for again in rng.sample(people, twice):
        n += 1
        name = str(again[1])
        name = ascii_fold(name) if rng.random() < 0.6 else name.upper()
        birth = again[2]
        if isinstance(birth, str) and rng.random() < 0.5:
            birth = int(birth[-4:])
        again_rows.append([n, name, birth, again[3], "", again[5], again[6], "", "", "", "", ""])
    return [[title], HEADER, *people, *again_rows]


def _xlsx(rows: list[list[object]]) -> bytes:
    return xlsx_bytes(rows, sheet="Danh sach")


def demo_residents_create(*, actor: scope.Actor, programme: Programme, seed: int = 2023) -> int:
    """Idempotent: nothing happens when the programme already has residents. Returns how many were created."""
    if selectors.resident_list(actor=actor, programme=programme).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - invented demo people, not secrets
    created = 0
    for commune in programmes.commune_list(actor=actor, programme=programme):
        data = _xlsx(_rows(programme, commune.unit.code, commune.baseline_without_smartphone, rng))
        report = import_residents(
            actor=actor,
            programme=programme,
            data=data,
            filename=f"{commune.unit.code}.xlsx",
            commune_code=commune.unit.code,
            smartphone_status="lacks",
        )
        created += report.created
    _consents(actor, programme, rng)
    return created


def _consents(actor: Any, programme: Programme, rng: random.Random) -> None:
    """Most listed people agreed, on the survey sheet, to receive a phone and be followed up; a few did not yet.
    Recorded as a commune officer would, through the bulk consent of the resident list."""
    ids = [
        pk
        for pk in Resident.objects.filter(programme=programme).order_by("pk").values_list("pk", flat=True)
        if rng.random() < 0.95
    ]
    consent_bulk(actor=actor, programme=programme, given_on=dt.date(2023, 9, 15), method="paper", ids=ids)
