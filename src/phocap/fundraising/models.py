"""Donors, pledges, donations, the ledger, bank statements and receipts.

Money is integer đồng. The ledger is double-entry: every movement is a `JournalEntry` whose `JournalLine`s sum
to zero (positive = debit). Entries and lines are append-only and an entry is balanced — both enforced by
database triggers (`fundraising/migrations/0002_ledger_guards.py`), not only here.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.core.crypto import EncryptedTextField
from phocap.programmes.models import CollectionPoint, Programme, ProgrammeCommune


class Donor(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Doanh nghiệp")
        AGENCY = "agency", _("Cơ quan, đơn vị")
        ORGANISATION = "organisation", _("Tổ chức")
        INDIVIDUAL = "individual", _("Cá nhân")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="donors")
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=300)
    # A 10/13-digit enterprise tax code is public; a 12-digit personal ID used as tax code is not: all are
    # stored encrypted, with a keyed hash for lookups, and shown masked.
    tax_code = EncryptedTextField(_("mã số thuế"), blank=True, default="")
    tax_code_index = models.CharField(max_length=64, blank=True, db_index=True)
    contact_name = models.CharField(_("người liên hệ"), max_length=120, blank=True)
    contact_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    contact_email = models.EmailField(_("thư điện tử"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    publish_name = models.BooleanField(_("đồng ý công khai tên"))
    is_example = models.BooleanField(_("dữ liệu ví dụ"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    CONTACT_FIELDS = ("tax_code", "contact_name", "contact_phone", "contact_email", "address")

    class Meta:
        verbose_name = _("nhà tài trợ")
        verbose_name_plural = _("nhà tài trợ")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["enterprise", "agency", "organisation", "individual"]),
                name="donor_kind_known",
            ),
            models.UniqueConstraint(
                fields=["programme", "tax_code_index"],
                condition=~Q(tax_code_index=""),
                name="donor_tax_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def public_name(self) -> str:
        return self.name if self.publish_name else str(_("Nhà hảo tâm"))

    @property
    def AUDIT_PII_FIELDS(self) -> tuple[str, ...]:
        """A person who gave without agreeing to be named is masked in the audit trail like any other person."""
        return self.CONTACT_FIELDS + (() if self.publish_name else ("name",))

    def audit_label(self) -> str:
        return self.name if self.publish_name else f"Nhà hảo tâm #{self.pk}"


class Pledge(models.Model):
    class Status(models.TextChoices):
        EXPECTED = "expected", _("Đang chờ")
        PARTLY_RECEIVED = "partly_received", _("Đã nhận một phần")
        FULFILLED = "fulfilled", _("Đã nhận đủ")
        EXPIRED = "expired", _("Quá hạn")
        CANCELLED = "cancelled", _("Đã hủy")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="pledges")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="pledges")
    reference = models.CharField(_("mã tham chiếu"), max_length=12, unique=True)
    amount = models.BigIntegerField(_("số tiền (₫)"), null=True, blank=True)
    phones = models.PositiveIntegerField(_("số máy"), null=True, blank=True)
    earmark = models.ForeignKey(
        ProgrammeCommune,
        verbose_name=_("dành cho xã"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    due_date = models.DateField(_("hạn"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cam kết ủng hộ")
        verbose_name_plural = _("cam kết ủng hộ")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__gt=0) & Q(phones__isnull=True)) | (Q(phones__gt=0) & Q(amount__isnull=True)),
                name="pledge_money_xor_phones",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.donor}"

    def audit_label(self) -> str:
        return f"{self.reference} — {self.donor.audit_label()}"


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        ASSET = "asset", _("Tài sản")
        FUND = "fund", _("Quỹ")
        EXPENSE = "expense", _("Chi")

    class Code(models.TextChoices):
        BANK = "bank", _("Tài khoản ngân hàng của đợt vận động")
        CASH = "cash", _("Tiền mặt tại điểm cầu")
        CASH_IN_TRANSIT = "cash_in_transit", _("Tiền mặt đang nộp về ngân hàng")
        IN_KIND = "in_kind", _("Hiện vật (điện thoại)")
        UNRESTRICTED = "unrestricted", _("Quỹ chung")
        EARMARKED = "earmarked", _("Quỹ dành riêng cho xã")
        SPENT_ON_PHONES = "spent_on_phones", _("Chi mua điện thoại")
        BANK_FEES = "bank_fees", _("Phí ngân hàng")
        OTHER_OUT = "other_out", _("Chuyển đi khác")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="ledger_accounts")
    code = models.CharField(max_length=16, choices=Code.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    collection_point = models.ForeignKey(CollectionPoint, null=True, blank=True, on_delete=models.PROTECT)
    commune = models.ForeignKey(ProgrammeCommune, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("tài khoản sổ cái")
        verbose_name_plural = _("tài khoản sổ cái")
        constraints = [
            models.UniqueConstraint(
                F("programme"),
                F("code"),
                Coalesce(F("collection_point"), Value(0)),
                Coalesce(F("commune"), Value(0)),
                name="ledger_account_unique",
            ),
            models.CheckConstraint(
                condition=~Q(code="cash") | Q(collection_point__isnull=False), name="cash_account_has_point"
            ),
            models.CheckConstraint(
                condition=~Q(code="earmarked") | Q(commune__isnull=False),
                name="earmarked_account_has_commune",
            ),
        ]

    def __str__(self) -> str:
        where = self.collection_point or self.commune
        return f"{self.get_code_display()}" + (f" — {where}" if where else "")


class JournalEntry(models.Model):
    """A balanced movement of money. Append-only; a correction is a new entry that `reverses` this one."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("Nhận ủng hộ")
        REVERSAL = "reversal", _("Bút toán đảo")
        TRANSFER = "transfer", _("Chuyển nội bộ")
        FEE = "fee", _("Phí ngân hàng")
        PURCHASE = "purchase", _("Mua điện thoại")
        OTHER = "other", _("Khác")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="journal_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_on = models.DateField(_("ngày"))
    memo = models.CharField(_("diễn giải"), max_length=300, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bút toán")
        verbose_name_plural = _("bút toán")
        ordering = ["occurred_on", "created_at"]

    def __str__(self) -> str:
        return f"{self.occurred_on:%d/%m/%Y} {self.get_kind_display()} {self.memo}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="lines")
    amount = models.BigIntegerField()  # đồng; debit > 0, credit < 0

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="journal_line_not_zero")]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount:+,}"


class StatementImport(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="statement_imports")
    filename = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    profile = models.CharField(_("mẫu sao kê"), max_length=40)
    account_number = models.CharField(max_length=30, blank=True)
    lines = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    already_imported = models.PositiveIntegerField(default=0)
    donations_created = models.PositiveIntegerField(default=0)
    imported_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lần nhập sao kê")
        verbose_name_plural = _("lần nhập sao kê")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"


class StatementLine(models.Model):
    class Status(models.TextChoices):
        MATCHED = "matched", _("Đã ghi nhận")
        REVIEW = "review", _("Chờ xem xét")
        POSTED = "posted", _("Đã hạch toán (khoản chi)")
        IGNORED = "ignored", _("Bỏ qua")

    # no index of its own: the composite ones below begin with it (issue #18: each index costs every insert)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="statement_lines", db_index=False)
    statement = models.ForeignKey(StatementImport, on_delete=models.PROTECT, related_name="statement_lines")
    fingerprint = models.CharField(max_length=64)
    booked_on = models.DateField(_("ngày"))
    doc_number = models.CharField(_("số chứng từ"), max_length=60, blank=True)
    amount = models.BigIntegerField(_("số tiền"))  # credit > 0, debit < 0
    description = models.TextField(_("nội dung"))
    balance = models.BigIntegerField(_("số dư sau giao dịch"), null=True, blank=True)  # as the bank printed it
    status = models.CharField(max_length=8, choices=Status.choices)
    proposed_pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(default=0)
    entry = models.OneToOneField(JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    AUDIT_PII_FIELDS = ("description",)

    class Meta:
        verbose_name = _("dòng sao kê")
        verbose_name_plural = _("dòng sao kê")
        ordering = ["booked_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "fingerprint"], name="statement_line_once"),
            models.CheckConstraint(condition=~Q(amount=0), name="statement_line_not_zero"),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(entry__isnull=False), name="posted_statement_line_has_entry"
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"], name="statement_line_status_idx")]

    def __str__(self) -> str:
        return f"{self.booked_on:%d/%m/%Y} {self.amount:+,}"


class Donation(models.Model):
    class Channel(models.TextChoices):
        CASH = "cash", _("Tiền mặt")
        BANK_TRANSFER = "bank_transfer", _("Chuyển khoản")
        IN_KIND = "in_kind", _("Hiện vật")

    # no index of its own: the composite ones below begin with it (issue #18: each index costs every insert)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="donations", db_index=False)
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="donations")
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="donations")
    channel = models.CharField(_("hình thức"), max_length=14, choices=Channel.choices)
    amount = models.BigIntegerField(_("số tiền / giá trị ước tính (₫)"))
    phones = models.PositiveIntegerField(_("số máy"), null=True, blank=True)
    phone_model = models.CharField(_("loại máy"), max_length=120, blank=True)
    received_on = models.DateField(_("ngày nhận"))
    collection_point = models.ForeignKey(
        CollectionPoint,
        verbose_name=_("điểm cầu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    cash_receipt_number = models.CharField(_("số phiếu thu"), max_length=40, blank=True)
    receipt_year = models.PositiveSmallIntegerField(null=True, blank=True)  # a cash receipt's number is the year's
    statement_line = models.OneToOneField(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="donation"
    )
    earmark = models.ForeignKey(
        ProgrammeCommune,
        verbose_name=_("dành cho xã"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="donation")
    outside_period_reason = models.CharField(_("lý do nhận ngoài thời gian vận động"), max_length=300, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    is_example = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("khoản ủng hộ")
        verbose_name_plural = _("khoản ủng hộ")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=~Q(channel="cash") | Q(collection_point__isnull=False),
                name="cash_donation_has_point",
            ),
            # a reversed transfer releases its statement line, so that the line can be settled again
            models.CheckConstraint(
                condition=~Q(channel="bank_transfer") | Q(statement_line__isnull=False) | Q(reversed_at__isnull=False),
                name="live_transfer_has_statement_line",
            ),
            models.CheckConstraint(
                condition=~Q(channel="in_kind") | Q(phones__gt=0), name="in_kind_donation_has_phones"
            ),
            # a cash receipt (phiếu thu) is numbered once per collection point and year
            models.UniqueConstraint(
                fields=["collection_point", "receipt_year", "cash_receipt_number"],
                condition=Q(channel="cash") & ~Q(cash_receipt_number=""),
                name="cash_receipt_number_once_per_point_and_year",
            ),
            models.CheckConstraint(
                condition=~Q(channel="cash") | Q(receipt_year__isnull=False), name="cash_donation_has_receipt_year"
            ),
        ]
        # money by day and per earmarked commune on a date (the indicators, the timeline), read from the index alone
        indexes = [
            models.Index(
                fields=["programme", "received_on", "reversed_at", "amount", "earmark"],
                name="donation_programme_day_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on:%d/%m/%Y} {self.donor or _('Nhà hảo tâm')} {self.amount:,}"

    def audit_label(self) -> str:
        who = self.donor.audit_label() if self.donor is not None else _("Nhà hảo tâm")
        what = f"{self.amount:,}" if self.amount else f"{self.phones or 0} máy"
        return f"{self.received_on:%d/%m/%Y} {who} {what}"


class Receipt(models.Model):
    """A numbered certificate of a donation (giấy chứng nhận ủng hộ), issued on purpose (never by opening a link).
    Numbers run 1, 2, 3 … per programme and year of issue: never repeated (unique) and never skipped (taken from
    that year's counter in the receipt's own transaction). The symbol is the programme's when it was issued."""

    # no index of its own: the composite ones below begin with it (issue #18: each index costs every insert)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="receipts", db_index=False)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    symbol = models.CharField(max_length=30)
    donation = models.OneToOneField(Donation, on_delete=models.PROTECT, related_name="receipt")
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("giấy chứng nhận ủng hộ")
        verbose_name_plural = _("giấy chứng nhận ủng hộ")
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "number"], name="receipt_number_once_a_year"),
            models.CheckConstraint(condition=Q(number__gte=1), name="receipt_number_from_one"),
            models.CheckConstraint(condition=~Q(symbol=""), name="receipt_symbol_given"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """ "00033/GCN-MTTQ" — as printed after "Số:"."""
        return f"{self.number:05d}/{self.symbol}"

    @property
    def file_name(self) -> str:
        return f"giay-chung-nhan-{self.year}-{self.number:05d}.pdf"


class ReceiptEmail(models.Model):
    """A certificate sent to its donor by e-mail (the address is the donor's; not copied here)."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="emails")
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"{self.receipt} → {self.sent_at:%d/%m/%Y}"


class WalkInCode(models.Model):
    """The programme's general reference code, for donors who give without a pledge (posters, walk-ins)."""

    programme = models.OneToOneField(Programme, on_delete=models.PROTECT, related_name="walk_in_code")
    reference = models.CharField(max_length=12, unique=True)

    def __str__(self) -> str:
        return self.reference


class ReceiptCounter(models.Model):
    """The last certificate number of a programme in a year (locked while numbering)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="receipt_counters")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "year"], name="receipt_counter_once_a_year")]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}: {self.last_number}"


class CashDeposit(models.Model):
    """Cash a collection point paid into the campaign's bank account (its deposit slip): from the point's cash to
    "cash in transit" when recorded, from there to the bank when the statement's credit line is matched to it."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cash_deposits")
    collection_point = models.ForeignKey(
        CollectionPoint, verbose_name=_("điểm cầu"), on_delete=models.PROTECT, related_name="deposits"
    )
    amount = models.BigIntegerField(_("số tiền (₫)"))
    deposited_on = models.DateField(_("ngày nộp"))
    reference = models.CharField(_("số giấy nộp tiền"), max_length=60, blank=True)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="cash_deposit")
    statement_line = models.OneToOneField(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_deposit"
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    # a slip recorded by mistake is undone by reversing its entry (never deleted), while no statement line has it
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=150, blank=True, default="")
    cancel_reason = models.CharField(max_length=300, blank=True, default="")
    reversal = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="cancelled_deposit"
    )

    class Meta:
        verbose_name = _("nộp tiền mặt về ngân hàng")
        verbose_name_plural = _("nộp tiền mặt về ngân hàng")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_deposit_amount_positive"),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | (Q(reversal__isnull=False) & Q(statement_line__isnull=True)),
                name="cancelled_deposit_reversed_unmatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_point} {self.deposited_on:%d/%m/%Y} {self.amount:,}"
