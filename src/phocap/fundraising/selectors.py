"""Reads for fundraising, limited to what the actor may see."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.errors import NotFound, ValidationFailed
from phocap.fundraising.models import (
    CashDeposit,
    Donation,
    Donor,
    JournalLine,
    LedgerAccount,
    Pledge,
    Receipt,
    StatementImport,
    StatementLine,
    WalkInCode,
)
from phocap.fundraising.vietqr import payload, purpose_text
from phocap.programmes.models import CollectionPoint, Programme, ProgrammeCommune

LIVE = Q(reversed_at__isnull=True)


def live_gifts(programme: Programme, on: dt.date) -> QuerySet[Donation]:
    """The one rule of *a gift counting on a date*: received by the date and not reversed by then (a reversal on a
    later day does not count yet). The reversal's local day is compared as a moment — from the next local midnight
    — so that the database compares stored values and can use its index (no per-row date conversion)."""
    next_midnight = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    return Donation.objects.filter(programme=programme, received_on__lte=on).filter(
        Q(reversed_at__isnull=True) | Q(reversed_at__gte=next_midnight)
    )


def gifts_by_channel(programme: Programme, on: dt.date) -> list[tuple[str, int, int]]:
    """(channel label, gifts, đồng) of the gifts counting on the date, cash, transfers and in kind."""
    rows = live_gifts(programme, on).values_list("channel").annotate(n=Count("id"), amount=Sum("amount"))
    return [(str(Donation.Channel(ch).label), n, int(amount or 0)) for ch, n, amount in rows.order_by("channel")]


def donor_label(actor: scope.Actor, donor: Donor | None) -> str:
    """A donor as this reader may see them: the name — unless a person gave without agreeing to be named and the
    reader sees no personal data (the auditor): then a number, enough to follow the money."""
    if donor is None:
        return str(_("Nhà hảo tâm"))
    if donor.publish_name or scope.can_see_personal_data(actor):
        return donor.name
    return str(_("Nhà hảo tâm không công khai #%(id)s") % {"id": donor.pk})


def transfer_text(actor: scope.Actor, line: StatementLine) -> str:
    """A bank line's text names the payer: shown to those who handle the money, not to the auditor."""
    if scope.can_see_personal_data(actor):
        return line.description
    return str(_("(nội dung chuyển khoản: chỉ người xử lý được xem)"))


def require_view(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_view_fundraising(actor, programme):
        raise NotFound("Không tìm thấy.")


def pledge_received(programme: Programme) -> dict[int, int]:
    """{pledge id: đồng (or phones, for phone pledges) received so far}, one query."""
    rows = (
        Donation.objects.filter(LIVE, programme=programme, pledge__isnull=False)
        .values("pledge_id", "pledge__phones")
        .annotate(money=Sum("amount"), phones=Sum("phones"))
    )
    return {r["pledge_id"]: (r["phones"] or 0) if r["pledge__phones"] else r["money"] for r in rows}


def pledge_status(pledge: Pledge, received: int, today: dt.date | None = None) -> str:
    promised = pledge.amount if pledge.amount is not None else pledge.phones or 0
    if pledge.cancelled_at is not None:
        return Pledge.Status.CANCELLED
    if received >= promised:
        return Pledge.Status.FULFILLED
    if received > 0:
        return Pledge.Status.PARTLY_RECEIVED
    if pledge.due_date and pledge.due_date < (today or timezone.localdate()):
        return Pledge.Status.EXPIRED
    return Pledge.Status.EXPECTED


@dataclasses.dataclass
class PledgeRow:
    pledge: Pledge
    received: int
    status: str

    @property
    def status_label(self) -> str:
        return str(Pledge.Status(self.status).label)


def pledge_rows(*, actor: scope.Actor, programme: Programme) -> list[PledgeRow]:
    require_view(actor, programme)
    received = pledge_received(programme)
    pledges = Pledge.objects.filter(programme=programme).select_related("donor", "earmark__unit").order_by("-id")
    return [PledgeRow(p, received.get(p.pk, 0), pledge_status(p, received.get(p.pk, 0))) for p in pledges]


def pledge_get(*, actor: scope.Actor, programme: Programme, reference: str) -> Pledge:
    require_view(actor, programme)
    pledge = Pledge.objects.filter(programme=programme, reference=reference.upper()).select_related("donor").first()
    if pledge is None:
        raise NotFound(f"Không tìm thấy cam kết {reference!r}.")
    return pledge


def pledge_by_reference(*, actor: scope.Actor, reference: str) -> Pledge | WalkInCode:
    """A pledge (or the walk-in code) by its reference, in any programme the actor may see."""
    ref = reference.strip().upper()
    found: Pledge | WalkInCode | None = Pledge.objects.filter(reference=ref).select_related("programme").first()
    found = found or WalkInCode.objects.filter(reference=ref).select_related("programme").first()
    if found is None or not scope.can_view_fundraising(actor, found.programme):
        raise NotFound(f"Không tìm thấy mã tham chiếu {reference!r}.")
    return found


def walk_in_code(programme: Programme) -> WalkInCode | None:
    """The programme's general reference code, if it has one yet (`services.walk_in_code_create` makes it)."""
    return WalkInCode.objects.filter(programme=programme).first()


def donor_get(*, actor: scope.Actor, programme: Programme, donor_id: int) -> Donor:
    found = donor_list(actor=actor, programme=programme).filter(pk=donor_id).first()
    if found is None:
        raise NotFound("Không tìm thấy nhà tài trợ.")
    return found


def donor_by_name(*, actor: scope.Actor, programme: Programme, name: str) -> Donor:
    """One donor by name, as typed on the command line (any case); several with that name is an error."""
    matches = list(donor_list(actor=actor, programme=programme).filter(name__iexact=" ".join(name.split())))
    if len(matches) != 1:
        raise NotFound(
            f"Không tìm thấy nhà hảo tâm {name!r}."
            if not matches
            else f"Có {len(matches)} nhà hảo tâm tên {name!r}: ghi nhận qua giao diện web."
        )
    return matches[0]


def phone_donors(*, actor: scope.Actor, programme: Programme) -> QuerySet[Donor]:
    """Donors who pledged phones or gave them in kind (their phones are received by IMEI)."""
    return (
        donor_list(actor=actor, programme=programme)
        .filter(Q(pledges__phones__isnull=False) | Q(donations__channel=Donation.Channel.IN_KIND))
        .distinct()
    )


def donor_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[Donor]:
    require_view(actor, programme)
    return Donor.objects.filter(programme=programme).order_by("name")


def donation_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[Donation]:
    require_view(actor, programme)
    return (
        Donation.objects.filter(programme=programme)
        .select_related("donor", "pledge", "collection_point", "earmark__unit", "receipt")
        .order_by("-received_on", "-id")
    )


def receipt_of(*, actor: scope.Actor, donation: Donation) -> Receipt | None:
    """The receipt already issued for a gift (None: not yet), for those who may issue them."""
    if not scope.can_manage_fundraising(actor, donation.programme):
        raise NotFound("Không tìm thấy khoản ủng hộ.")
    return Receipt.objects.filter(donation=donation).first()


def donation_get(*, actor: scope.Actor, programme: Programme, donation_id: int) -> Donation:
    found = donation_list(actor=actor, programme=programme).filter(pk=donation_id).first()
    if found is None:
        raise NotFound("Không tìm thấy khoản ủng hộ.")
    return found


def review_queue(*, actor: scope.Actor, programme: Programme) -> QuerySet[StatementLine]:
    require_view(actor, programme)
    return (
        StatementLine.objects.filter(programme=programme, status=StatementLine.Status.REVIEW)
        .select_related("proposed_pledge__donor")
        .order_by("booked_on", "id")
    )


def statement_line_get(*, actor: scope.Actor, programme: Programme, line_id: int) -> StatementLine:
    require_view(actor, programme)
    line = StatementLine.objects.filter(programme=programme, pk=line_id).select_related("programme").first()
    if line is None:
        raise NotFound("Không tìm thấy dòng sao kê.")
    return line


def target_amount(programme: Programme) -> int:
    """Funds needed: adults without a smartphone at baseline × phone package price."""
    baseline = programme.communes.aggregate(n=Sum("baseline_without_smartphone"))["n"] or 0
    return int(baseline) * programme.phone_package_price


def summary(programme: Programme) -> dict[str, Any]:
    """Totals of live (not reversed) gifts: overall, by channel, donor kind, collection point and day.
    Public-safe: amounts and counts only."""
    live = Donation.objects.filter(LIVE, programme=programme)
    total = live.aggregate(amount=Sum("amount"), count=Count("id"), phones=Sum("phones"))
    money = live.exclude(channel=Donation.Channel.IN_KIND).aggregate(amount=Sum("amount"))["amount"] or 0
    target = target_amount(programme)
    price = programme.phone_package_price

    def grouped(field: str) -> list[dict[str, Any]]:
        return [
            {"key": r[field], "amount": r["amount"], "count": r["count"]}
            for r in live.values(field).annotate(amount=Sum("amount"), count=Count("id")).order_by(field)
        ]

    by_point = [
        {"key": r["collection_point__name"], "amount": r["amount"], "count": r["count"]}
        for r in live.filter(collection_point__isnull=False)
        .values("collection_point__name")
        .annotate(amount=Sum("amount"), count=Count("id"))
        .order_by("collection_point__name")
    ]
    return {
        "programme": programme.code,
        "received": total["amount"] or 0,
        "received_money": money,
        "donations": total["count"],
        "phones_in_kind": total["phones"] or 0,
        "target": target,
        "target_phones": target // price if price else 0,
        "phone_equivalents": (total["amount"] or 0) // price if price else 0,
        "percent_of_target": round(100 * (total["amount"] or 0) / target, 1) if target else 0.0,
        "by_channel": [{**g, "label": str(Donation.Channel(g["key"]).label)} for g in grouped("channel")],
        "by_donor_kind": [{**g, "key": g["key"] or "anonymous"} for g in grouped("donor__kind")],
        "by_collection_point": by_point,
        "by_day": grouped("received_on"),
    }


def public_donations(programme: Programme) -> QuerySet[Donation]:
    """For the public statement: no login. Only what may be published is selected (see public_row)."""
    return (
        Donation.objects.filter(LIVE, programme=programme)
        .select_related("donor")
        .only("received_on", "amount", "channel", "phones", "donor__name", "donor__publish_name")
        .order_by("-received_on", "-id")
    )


def public_row(donation: Donation) -> dict[str, Any]:
    """Date, donor name or "Nhà hảo tâm", amount, channel — never account numbers, phones or transfer text."""
    donor = donation.donor
    return {
        "date": donation.received_on,
        "donor": donor.name if donor is not None and donor.publish_name else "Nhà hảo tâm",
        "amount": donation.amount,
        "channel": str(Donation.Channel(donation.channel).label),
        "phones": donation.phones or 0,
    }


@dataclasses.dataclass(frozen=True)
class QrCode:
    reference: str
    payload: str
    amount: int | None
    purpose: str


def qr_for(*, actor: scope.Actor, reference: str) -> QrCode:
    """The VietQR for a pledge (one-time, with the amount still expected) or for the walk-in code (static)."""
    target = pledge_by_reference(actor=actor, reference=reference)
    programme = target.programme
    amount: int | None = None
    if isinstance(target, Pledge) and target.amount is not None:
        outstanding = target.amount - pledge_received(programme).get(target.pk, 0)
        amount = outstanding if outstanding > 0 else target.amount
    purpose = purpose_text(f"UNG HO {target.reference}")
    return QrCode(
        reference=target.reference,
        payload=payload(
            bin_code=programme.bank_bin, account=programme.bank_account_number, amount=amount, purpose=purpose
        ),
        amount=amount,
        purpose=purpose,
    )


def statement_import_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[StatementImport]:
    require_view(actor, programme)
    return StatementImport.objects.filter(programme=programme).order_by("-created_at")


def pledge_donations(*, actor: scope.Actor, pledge: Pledge) -> QuerySet[Donation]:
    require_view(actor, pledge.programme)
    return pledge.donations.select_related("collection_point").order_by("received_on", "id")


# --- what is left to spend -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Funds:
    """What is left to spend: the general fund, and each earmarked commune's."""

    general: int
    earmarked: dict[int, int]  # commune id → đồng

    def for_commune(self, commune: ProgrammeCommune | None) -> int:
        return self.general + (self.earmarked.get(commune.pk, 0) if commune is not None else 0)


def funds_available(programme: Programme) -> Funds:
    """Fund balances (credit) less what was spent against each (debits of "spent on phones")."""
    totals = (
        JournalLine.objects.filter(
            account__programme=programme,
            account__code__in=[
                LedgerAccount.Code.UNRESTRICTED,
                LedgerAccount.Code.EARMARKED,
                LedgerAccount.Code.SPENT_ON_PHONES,
            ],
        )
        .values("account__code", "account__commune_id")
        .annotate(total=Sum("amount"))
    )
    general = 0
    earmarked: dict[int, int] = {}
    for row in totals:
        amount = -int(row["total"])  # funds are credits; spending is a debit
        commune_id = row["account__commune_id"]
        if commune_id is None:
            general += amount
        else:
            earmarked[commune_id] = earmarked.get(commune_id, 0) + amount
    return Funds(general, earmarked)


def bank_balance(programme: Programme) -> int:
    """What the campaign's bank account holds (an asset: the sum of its debits and credits)."""
    bank = LedgerAccount.objects.filter(programme=programme, code=LedgerAccount.Code.BANK).first()
    if bank is None:
        return 0
    return int(JournalLine.objects.filter(account=bank).aggregate(s=Sum("amount"))["s"] or 0)


def cash_points(*, actor: scope.Actor, programme: Programme) -> list[dict[str, Any]]:
    """Each collection point's cash: received there (live gifts), paid in with a deposit slip, held now, and of
    what was paid in, how much the bank statement has shown arrive."""
    require_view(actor, programme)
    held = dict(
        JournalLine.objects.filter(account__programme=programme, account__code=LedgerAccount.Code.CASH)
        .values_list("account__collection_point")
        .annotate(s=Sum("amount"))
        .values_list("account__collection_point", "s")
    )
    received = dict(
        Donation.objects.filter(LIVE, programme=programme, channel=Donation.Channel.CASH)
        .values_list("collection_point")
        .annotate(s=Sum("amount"))
        .values_list("collection_point", "s")
    )
    paid = {
        (r["collection_point"], r["matched"]): r["s"]
        for r in CashDeposit.objects.filter(programme=programme, cancelled_at__isnull=True)
        .annotate(matched=Q(statement_line__isnull=False))
        .values("collection_point", "matched")
        .annotate(s=Sum("amount"))
    }
    return [
        {
            "key": p.key,
            "name": p.name,
            "received": received.get(p.pk, 0) or 0,
            "deposited": (paid.get((p.pk, True), 0) or 0) + (paid.get((p.pk, False), 0) or 0),
            "in_transit": paid.get((p.pk, False), 0) or 0,
            "held": held.get(p.pk, 0) or 0,
        }
        for p in programme.collection_points.order_by("kind", "name")
    ]


def cash_held(programme: Programme, point: CollectionPoint) -> int:
    """What a collection point holds in cash now: the balance of its cash account (one sum over its lines)."""
    return int(
        JournalLine.objects.filter(
            account__programme=programme, account__code=LedgerAccount.Code.CASH, account__collection_point=point
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )


def cash_deposits(*, actor: scope.Actor, programme: Programme) -> QuerySet[CashDeposit]:
    require_view(actor, programme)
    return (
        CashDeposit.objects.filter(programme=programme)
        .select_related("collection_point", "statement_line")
        .order_by("-deposited_on", "-id")
    )


def open_deposits(*, actor: scope.Actor, programme: Programme) -> QuerySet[CashDeposit]:
    """Slips not yet on a statement and not cancelled: what a cash credit can be matched with."""
    return cash_deposits(actor=actor, programme=programme).filter(
        statement_line__isnull=True, cancelled_at__isnull=True
    )


def cash_deposit_get(*, actor: scope.Actor, programme: Programme, deposit_id: int) -> CashDeposit:
    found = cash_deposits(actor=actor, programme=programme).filter(pk=deposit_id).first()
    if found is None:
        raise NotFound("Không tìm thấy giấy nộp tiền.")
    return found


def account_balances(programme: Programme, on: dt.date) -> list[tuple[str, int]]:
    """The balance of every ledger account at the end of a day, as the funds report lists it: the bank, the cash at
    each collection point and on its way to the bank, gifts in kind, the funds, the spending, the bank's fees."""
    rows = (
        JournalLine.objects.filter(account__programme=programme, entry__occurred_on__lte=on)
        .values("account__code", "account__collection_point__name", "account__commune__unit__name")
        .annotate(total=Sum("amount"))
        .order_by("account__code", "account__collection_point__name", "account__commune__unit__name")
    )
    out = []
    for r in rows:
        label = str(LedgerAccount.Code(r["account__code"]).label)
        place = r["account__collection_point__name"] or r["account__commune__unit__name"]
        out.append((f"{label} — {place}" if place else label, int(r["total"] or 0)))
    return out


def public_giving(programme: Programme) -> dict[str, Any] | None:
    """How anyone can give, for the public page: the campaign's account (bank, number, name) and the static
    VietQR with the programme's walk-in code in its purpose — the account is published to be paid into, unlike
    the donors' accounts. None until the programme has its account and walk-in code."""
    code = walk_in_code(programme)
    if code is None or not (programme.bank_bin and programme.bank_account_number):
        return None
    purpose = purpose_text(f"UNG HO {code.reference}")
    return {
        "bank": programme.bank_name,
        "account": programme.bank_account_number,
        "account_name": programme.bank_account_name,
        "reference": code.reference,
        "purpose": purpose,
        "payload": payload(bin_code=programme.bank_bin, account=programme.bank_account_number, purpose=purpose),
    }


def checked_period(programme: Programme, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """A period of the books or of certificates: from the campaign's start to its end (or today) unless given."""
    start = start or programme.campaign_start
    end = end or max(programme.campaign_end, timezone.localdate())
    if end < start:
        raise ValidationFailed("Ngày cuối kỳ phải sau ngày đầu kỳ.", field="to")
    return start, end


def without_receipt(programme: Programme, start: dt.date, end: dt.date) -> QuerySet[Donation]:
    """The gifts received in a period that count (not undone) and have no certificate, in the order received."""
    return (
        Donation.objects.filter(
            programme=programme, reversed_at__isnull=True, receipt__isnull=True, received_on__range=(start, end)
        )
        .select_related("donor")
        .order_by("received_on", "pk")
    )


def receipts_of_period(programme: Programme, start: dt.date, end: dt.date) -> QuerySet[Receipt]:
    """The certificates of the gifts received in a period, in number order."""
    return (
        Receipt.objects.filter(programme=programme, donation__received_on__range=(start, end))
        .select_related("programme__province", "donation__donor", "donation__collection_point", "donation__pledge")
        .order_by("year", "number")
    )
