"""Demo fundraising for `bac-kan-2023`, written through the real services and the real statement importer.

The launch on 11/8/2023: six enterprises (example names of the kind in the article) give 700,000,000 ₫ by
transfer, and people at the provincial venue give 34,700,000 ₫ in cash. Then, to December: agencies' and
organisations' pledges (some earmarked for a commune), transfers with the reference code inside whatever the
bank wrote, walk-in transfers, cash at district bridge points, 20 phones in kind, bank fees, and one transfer
nobody can place (it waits in the review queue). Transfers arrive as statements in the five supported bank
layouts — the same rows `docs/samples/` holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from phocap.accounts import scope
from phocap.fundraising import selectors, services
from phocap.fundraising.models import Pledge
from phocap.fundraising.references import check_symbol
from phocap.fundraising.review import statement_line_resolve
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.services.cash import cash_deposit
from phocap.fundraising.statements import statement_import
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme

D = dt.date


def ref(body: str) -> str:
    return body + check_symbol(body)


WALK_IN = ref("UHDT23")
LAUNCH = D(2023, 8, 11)


@dataclasses.dataclass(frozen=True)
class DemoPledge:
    body: str
    kind: str
    name: str
    tax_code: str
    amount: int | None = None
    phones: int | None = None
    commune: str = ""
    on: dt.date = LAUNCH

    @property
    def reference(self) -> str:
        return ref(self.body)


PLEDGES = (
    DemoPledge("VNPT23", "enterprise", "Viễn thông Bắc Kạn (VNPT) — ví dụ", "4700123452", 200_000_000),
    DemoPledge("VTEL23", "enterprise", "Viettel Bắc Kạn — ví dụ", "4700888885", 150_000_000),
    DemoPledge("VNPS23", "enterprise", "Bưu điện tỉnh Bắc Kạn — ví dụ", "4700777776", 100_000_000),
    DemoPledge("MBFN23", "enterprise", "MobiFone tỉnh Bắc Kạn — ví dụ", "4700555558", 100_000_000),
    DemoPledge("AGRB23", "enterprise", "Agribank chi nhánh Bắc Kạn — ví dụ", "4700666667", 100_000_000),
    DemoPledge("XDBK23", "enterprise", "Công ty CP Xây dựng giao thông Bắc Kạn — ví dụ", "4700111111", 50_000_000),
    DemoPledge(
        "STTT23",
        "agency",
        "Sở Thông tin và Truyền thông tỉnh Bắc Kạn",
        "",
        30_000_000,
        commune="01870",
        on=D(2023, 9, 5),
    ),
    DemoPledge("SYTE23", "agency", "Sở Y tế tỉnh Bắc Kạn", "", 20_000_000, on=D(2023, 9, 12)),
    DemoPledge("TDXN23", "organisation", "Tỉnh Đoàn Bắc Kạn", "", 15_000_000, commune="02173", on=D(2023, 10, 2)),
    DemoPledge("HPNB23", "organisation", "Hội Liên hiệp Phụ nữ tỉnh Bắc Kạn", "", 10_000_000, on=D(2023, 10, 20)),
    DemoPledge(
        "TBSX23", "enterprise", "Công ty TNHH Thiết bị số Bắc Kạn — ví dụ", "4700222220", phones=20, on=D(2023, 10, 9)
    ),
)

# People at the provincial venue on 11/8/2023: 34,700,000 ₫ in cash. A name only where the giver agreed.
VENUE_CASH = (
    ("Hoàng Văn Bình (ví dụ)", 5_000_000),
    ("Nông Thị Hà (ví dụ)", 5_000_000),
    ("Lục Văn Sơn (ví dụ)", 3_000_000),
    ("", 3_000_000),
    ("", 2_000_000),
    ("", 2_000_000),
    ("", 2_000_000),
    ("", 2_000_000),
    ("", 2_000_000),
    ("", 2_000_000),
    ("", 3_700_000),
    ("", 3_000_000),
)
DISTRICT_CASH = (
    ("ba-be", D(2023, 9, 2), 4_500_000),
    ("na-ri", D(2023, 9, 16), 3_200_000),
    ("pac-nam", D(2023, 10, 14), 2_800_000),
    ("cho-moi", D(2023, 11, 4), 1_900_000),
)


def statement_rows() -> dict[str, list[Row]]:
    """The programme account's movements, month by month, in the layout of the bank that exported them."""
    p = {x.body: x.reference for x in PLEDGES}
    acct = "0011004567890"
    return {
        "vietcombank": [
            Row(
                D(2023, 8, 11),
                "5078 - 97256",
                200_000_000,
                f"MBVCB.3928475610.{p['VNPT23']} ung ho DTTM.CT tu {acct} VIEN THONG BAC KAN toi 113000000001 "
                "UY BAN MTTQ VIET NAM TINH BAC KAN",
            ),
            Row(
                D(2023, 8, 11),
                "5079 - 97301",
                150_000_000,
                f"104562.110823.101522.VIETTEL BAC KAN chuyen tien {p['VTEL23'][:4]} {p['VTEL23'][4:]} ung ho",
            ),
            Row(
                D(2023, 8, 14),
                "5121 - 11876",
                100_000_000,
                f"Chuyen tien den tu NAPAS Noi dung: {p['VNPS23'][:3].lower()}.{p['VNPS23'][3:].lower()} ung ho "
                "dien thoai",
            ),
            Row(D(2023, 8, 14), "5122 - 11880", 100_000_000, f"CT nhanh 247 den: UNG HO {p['MBFN23']}"),
            Row(
                D(2023, 8, 15), "5130 - 12001", 100_000_000, f"IBFT {p['AGRB23']}-AGRIBANK BAC KAN UNG HO PHO CAP DTTM"
            ),
            Row(D(2023, 8, 18), "5177 - 13444", 50_000_000, f"XD GIAO THONG BK UH {p['XDBK23']}"),
            Row(D(2023, 8, 21), "5190 - 13902", 500_000, f"MoMo 09xxxxx321 UNG HO {WALK_IN}"),
            Row(D(2023, 8, 31), "5301 - 00001", -11_000, "Phi dich vu SMS Banking thang 08/2023"),
        ],
        "vietinbank": [
            Row(D(2023, 9, 6), "FT23249001", 30_000_000, f"STTTT BAC KAN UNG HO XA GIAO HIEU {p['STTT23']}"),
            Row(D(2023, 9, 13), "FT23256044", 20_000_000, f"SO Y TE BAC KAN CHUYEN TIEN UNG HO {p['SYTE23']}"),
            Row(D(2023, 9, 20), "FT23263310", 1_000_000, f"ZaloPay {WALK_IN} ung ho dien thoai"),
            Row(D(2023, 9, 30), "FT23273999", -22_000, "Thu phi quan ly tai khoan T9/2023"),
        ],
        "bidv": [
            Row(D(2023, 10, 3), "8841203", 15_000_000, f"TINH DOAN BAC KAN UNG HO CON MINH {p['TDXN23']}"),
            Row(D(2023, 10, 21), "8859312", 10_000_000, f"HOI LHPN TINH BK {p['HPNB23'][:2]} {p['HPNB23'][2:]}"),
            Row(D(2023, 10, 25), "8861007", 2_000_000, f"Viettel Money UH {WALK_IN}"),
            Row(D(2023, 10, 31), "8870001", -11_000, "PHI SMS BANKING T10/2023"),
        ],
        "agribank": [
            Row(D(2023, 11, 8), "VBA2311080123", 4_500_000, "NOP TIEN MAT DIEM CAU BA BE"),
            Row(D(2023, 11, 17), "VBA2311170456", 3_000_000, f"Chuyen khoan ung ho {WALK_IN.lower()} tu thien"),
            Row(D(2023, 11, 30), "VBA2311300999", -11_000, "Phi SMS thang 11/2023"),
        ],
        "mb": [
            Row(D(2023, 12, 6), "FT2334012345", 5_000_000, "UNG HO CHUONG TRINH DIEN THOAI THONG MINH NGUYEN VAN TAM"),
            Row(D(2023, 12, 18), "FT2335267890", 1_500_000, f"{WALK_IN} UNG HO"),
            Row(D(2023, 12, 29), "FT2336399999", -11_000, "Phi dich vu thang 12/2023"),
        ],
    }


SAMPLE_FILES = {"vietcombank": "xlsx", "vietinbank": "xlsx", "bidv": "xlsx", "agribank": "csv", "mb": "csv"}


def _openings() -> list[int]:
    """Each month's statement starts from the balance the month before ended on (the account opened empty)."""
    months = [sum(r.amount for r in rows) for rows in statement_rows().values()]
    return [sum(months[:i]) for i in range(len(months))]


def write_samples(directory: Path, account: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for (layout, rows), opening in zip(statement_rows().items(), _openings(), strict=True):
        path = directory / f"sao-ke-{layout}.{SAMPLE_FILES[layout]}"
        path.write_bytes(render(layout, account, rows, fmt=SAMPLE_FILES[layout], opening=opening))
        paths.append(path)
    return paths


def demo_fundraising_create(*, actor: scope.Actor, programme: Programme) -> None:
    """Does nothing when the programme already has donations. Each step is the service a user would call, in its
    own transaction (the demo runs on a fresh database: a failed demo is started again from scratch)."""
    if selectors.donation_list(actor=actor, programme=programme).exists():
        return
    services.walk_in_code_create(actor=actor, programme=programme, reference=WALK_IN)
    pledges = _pledges(actor, programme)
    _cash(actor, programme)
    services.donation_record(
        actor=actor,
        programme=programme,
        channel="in_kind",
        amount=40_000_000,
        phones=20,
        phone_model="Xiaomi Redmi 9A (ví dụ)",
        received_on=D(2023, 10, 16),
        pledge=pledges["TBSX23"],
        is_example=True,
    )
    # Ba Bể pays its cash into the bank with a deposit slip; the statement shows it arrive
    ba_be = programmes.collection_point_get(actor=actor, programme=programme, key="ba-be")
    cash_deposit(
        actor=actor,
        programme=programme,
        point=ba_be,
        amount=4_500_000,
        deposited_on=D(2023, 11, 8),
        reference="GNT-BB-01",
    )
    for (layout, fmt), opening in zip(SAMPLE_FILES.items(), _openings(), strict=True):
        data = render(layout, programme.bank_account_number, statement_rows()[layout], fmt=fmt, opening=opening)
        statement_import(actor=actor, programme=programme, data=data, filename=f"sao-ke-{layout}.{fmt}")
    # the officer settles what the importer could not: Ba Bể's cash paid into the bank
    deposit = selectors.review_queue(actor=actor, programme=programme).get(description="NOP TIEN MAT DIEM CAU BA BE")
    statement_line_resolve(actor=actor, line=deposit, action="deposit", collection_point=ba_be)
    # the certificates of the first weeks, issued on purpose as one batch (the later ones wait on the page)
    services.receipts_issue_period(actor=actor, programme=programme, end=D(2023, 9, 30))


def _pledges(actor: scope.Actor, programme: Programme) -> dict[str, Pledge]:
    return {
        d.body: services.pledge_create(
            actor=actor,
            programme=programme,
            donor=services.DonorInput(kind=d.kind, name=d.name, tax_code=d.tax_code, is_example=True),
            amount=d.amount,
            phones=d.phones,
            earmark=programmes.commune_get(actor=actor, programme=programme, code=d.commune) if d.commune else None,
            reference=d.reference,
            due_date=d.on + dt.timedelta(days=60),
        )
        for d in PLEDGES
    }


def _cash(actor: scope.Actor, programme: Programme) -> None:
    """The launch's cash at the provincial venue (a name only where the giver agreed), then the districts'."""
    venue = programmes.collection_point_get(actor=actor, programme=programme, key="tinh")
    for i, (name, amount) in enumerate(VENUE_CASH, 1):
        services.donation_record(
            actor=actor,
            programme=programme,
            channel="cash",
            amount=amount,
            received_on=LAUNCH,
            donor=services.DonorInput(kind="individual", name=name, publish_name=True, is_example=True)
            if name
            else None,
            collection_point=venue,
            cash_receipt_number=f"PT-TINH-{i:03d}",
            is_example=True,
        )
    for key, day, amount in DISTRICT_CASH:
        services.donation_record(
            actor=actor,
            programme=programme,
            channel="cash",
            amount=amount,
            received_on=day,
            collection_point=programmes.collection_point_get(actor=actor, programme=programme, key=key),
            cash_receipt_number=f"PT-{key.upper()}-001",
            is_example=True,
        )
