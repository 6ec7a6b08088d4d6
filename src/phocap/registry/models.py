"""Residents and households of a programme's communes (issue #4).

Identity numbers are stored encrypted (`EncryptedTextField`, keys from PHOCAP_FIELD_KEYS) with a keyed hash
beside them (`id_hash`, HMAC under PHOCAP_HMAC_KEY) for exact lookup and duplicate detection; the database keeps
"one identity number is one person per programme" with a partial unique constraint on the hash.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.core.crypto import EncryptedTextField
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.names import name_keys


class PovertyStatus(models.TextChoices):
    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")
    NONE = "none", _("Không")


class ImportBatch(models.Model):
    """One confirmed import of a commune's file: who, when, which file (its SHA-256), what came of it. Its
    residents point back at it with their sheet row, so each person is traceable to the line they came from;
    the batch is audited once rather than every row."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(ProgrammeCommune, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("tệp"), max_length=200)
    sha256 = models.CharField(max_length=64)
    imported_by = models.CharField(_("người nhập"), max_length=150)
    imported_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("lần nhập danh sách")
        verbose_name_plural = _("lần nhập danh sách")

    def __str__(self) -> str:
        return self.filename


class Household(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="households")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="households")
    village = models.CharField(_("thôn/bản"), max_length=120, blank=True)
    code = models.CharField(_("mã hộ"), max_length=40)
    head_name = models.CharField(_("chủ hộ"), max_length=150, blank=True)
    poverty_status = models.CharField(
        _("diện hộ"), max_length=10, choices=PovertyStatus.choices, default=PovertyStatus.NONE
    )
    poverty_source = models.CharField(_("nguồn danh sách hộ nghèo"), max_length=200, blank=True)
    poverty_recorded_on = models.DateField(_("ngày của danh sách"), null=True, blank=True)

    AUDIT_PII_FIELDS = ("head_name",)

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        constraints = [models.UniqueConstraint(fields=["commune", "code"], name="household_code_per_commune")]

    def __str__(self) -> str:
        return self.code


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Nam")
        FEMALE = "F", _("Nữ")

    class Smartphone(models.TextChoices):
        HAS = "has", _("Đã có điện thoại thông minh")
        LACKS = "lacks", _("Chưa có điện thoại thông minh")
        UNKNOWN = "unknown", _("Chưa rõ")

    class IdKind(models.TextChoices):
        CCCD = "cccd", _("CCCD / số định danh")
        CMND = "cmnd", _("CMND (9 số)")

    # no index of their own: the composite indexes below begin with them (issue #18: each index costs every insert)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="residents", db_index=False)
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="residents", db_index=False)
    village = models.CharField(_("thôn/bản"), max_length=120, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_folded = models.CharField(max_length=150, blank=True, default="", editable=False)  # `names.name_keys`
    name_sort = models.CharField(max_length=600, blank=True, default="", editable=False)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"))
    sex = models.CharField(_("giới tính"), max_length=1, choices=Sex.choices, blank=True)
    id_number = EncryptedTextField(_("số định danh"), blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True)  # indexed by `resident_id_hash_idx`
    id_kind = models.CharField(max_length=4, choices=IdKind.choices, blank=True)
    ethnicity_code = models.CharField(_("dân tộc"), max_length=2, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=10, blank=True)
    phone_carrier = models.CharField(max_length=20, blank=True)
    smartphone_status = models.CharField(
        _("điện thoại thông minh"), max_length=7, choices=Smartphone.choices, default=Smartphone.UNKNOWN
    )
    smartphone_surveyed_on = models.DateField(_("ngày khảo sát"), null=True, blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    source_row = models.PositiveIntegerField(_("dòng trong tệp"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        verbose_name=_("gộp vào"),
        db_index=False,  # the few merged rows have a partial index (`resident_merged_idx`)
    )

    AUDIT_PII_FIELDS = (
        "full_name",
        "birth_date",
        "birth_year",
        "id_number",
        "phone",
        "ethnicity_code",
        "notes",
        "village",
    )

    class Meta:
        verbose_name = _("người dân")
        verbose_name_plural = _("người dân")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "id_hash"], condition=~Q(id_hash=""), name="one_resident_per_id_number"
            ),
            models.CheckConstraint(condition=Q(birth_year__gte=1900), name="resident_birth_year_plausible"),
            models.CheckConstraint(
                condition=(Q(id_number="") & Q(id_hash="")) | (~Q(id_number="") & ~Q(id_hash="")),
                name="resident_id_and_hash_together",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "full_name"], name="resident_commune_name_idx"),
            # the list's order, covering the name search (a scan of the index, not of the rows)
            models.Index(fields=["commune", "name_sort", "name_folded"], name="resident_commune_sort_idx"),
            models.Index(fields=["programme", "name_sort", "id"], name="resident_programme_sort_idx"),
            models.Index(fields=["programme", "phone"], name="resident_phone_idx"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="resident_merged_idx"),
            # a plain index (Django's own for `db_index` adds a second one for LIKE on PostgreSQL: never used on a hash)
            models.Index(fields=["id_hash"], name="resident_id_hash_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The search and sort keys follow the name, however it was written."""
        self.name_folded, self.name_sort = name_keys(self.full_name)
        if kwargs.get("update_fields") is not None and "full_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_folded", "name_sort"}
        super().save(*args, **kwargs)

    def audit_label(self) -> str:
        return f"Người dân #{self.pk}"


class PriorityFlag(models.Model):
    """A targeting group a resident belongs to, as a commune's list says, with its source and date: recorded,
    never recomputed."""

    class Kind(models.TextChoices):
        MERIT = "merit", _("Gia đình người có công")
        SOCIAL_POLICY = "social_policy", _("Gia đình chính sách xã hội")
        DISABILITY = "disability", _("Người khuyết tật")
        ELDERLY_ALONE = "elderly_alone", _("Người cao tuổi sống một mình")
        PRESTIGIOUS = "prestigious", _("Người có uy tín trong đồng bào dân tộc thiểu số")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="priority_flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(_("nguồn danh sách"), max_length=200)
    recorded_on = models.DateField(_("ngày của danh sách"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "kind"], name="priority_flag_once")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Consent(models.Model):
    """Specific, provable and withdrawable consent (Decree 13/2023, Law 91/2025): for one purpose (`kind`), given or
    refused, on a date, by a method, recorded by someone. Only an open allocation consent that was given makes a
    person eligible; at most one open consent per person and kind (so nothing is recorded twice)."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("Nhận điện thoại thông minh và được hỗ trợ sử dụng dịch vụ số")
        CONTACT = "contact", _("Được liên lạc, nhắn tin về chương trình")
        OTHER = "other", _("Mục đích khác")

    class Method(models.TextChoices):
        PAPER = "paper", _("Phiếu giấy (ký hoặc điểm chỉ)")
        VERBAL = "verbal", _("Đồng ý bằng lời, có người làm chứng")
        DIGITAL = "digital", _("Xác nhận điện tử")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("mục đích"), max_length=10, choices=Kind.choices, default=Kind.ALLOCATION)
    purpose = models.CharField(_("mô tả mục đích"), max_length=200)
    refused = models.BooleanField(_("từ chối"), default=False)
    given_on = models.DateField(_("ngày đồng ý"))
    method = models.CharField(_("hình thức"), max_length=100)
    recorded_by = models.CharField(_("người ghi nhận"), max_length=150)
    withdrawn_on = models.DateField(_("ngày rút lại"), null=True, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
            models.UniqueConstraint(
                fields=["resident", "kind"],
                condition=Q(withdrawn_on__isnull=True) & ~Q(kind="other"),
                name="consent_open_once",
            ),
        ]

    def __str__(self) -> str:
        return self.purpose

    def method_label(self) -> str:
        return str(dict(self.Method.choices).get(self.method, self.method))


class DedupRun(models.Model):
    """One run of the matching over a programme (issue #18): how many people and pairs, and what the model itself
    expected — `expected` duplicates among all the pairs its blocking compared (the sum of their probabilities),
    `expected_found` among the pairs it kept — for the quality view's estimate of recall."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    residents = models.PositiveIntegerField()
    pairs = models.PositiveIntegerField()
    expected = models.FloatField()
    expected_found = models.FloatField()
    possible_threshold = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["programme", "at"], name="dedup_run_latest")]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.at:%Y-%m-%d %H:%M}"


class DuplicatePair(models.Model):
    """Two residents the matching found alike (issue #4). `a` is the lower id. The status comes from the score and
    the programme's thresholds; the officer's decision — same person (merged: `b` points at `a`, both rows kept)
    or different people — is kept so the pair is not asked again, and can be undone."""

    class Status(models.TextChoices):
        DUPLICATE = "duplicate", _("Trùng")
        POSSIBLE = "possible", _("Nghi trùng")

    class Decision(models.TextChoices):
        UNDECIDED = "", _("Chưa xem xét")
        SAME = "same", _("Cùng một người")
        DIFFERENT = "different", _("Hai người khác nhau")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="duplicate_pairs")
    a = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("xác suất cùng một người"))
    status = models.CharField(_("mức"), max_length=9, choices=Status.choices)
    evidence = models.JSONField(_("căn cứ"), default=dict, blank=True)
    decision = models.CharField(_("quyết định"), max_length=9, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    merge_changes = models.JSONField(default=dict, blank=True)  # what `a` gained from `b`, to undo a merge
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cặp nghi trùng")
        verbose_name_plural = _("cặp nghi trùng")
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=Q(a__lt=models.F("b")), name="duplicate_pair_ordered"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="duplicate_pair_score_range"),
            models.CheckConstraint(
                condition=(Q(decision="") & Q(decided_at__isnull=True))
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="duplicate_pair_decided_with_date",
            ),
        ]
        indexes = [models.Index(fields=["programme", "decision"], name="duplicate_pair_queue_idx")]

    def __str__(self) -> str:
        return f"{self.a_id}~{self.b_id}"


class ListedElsewhere(models.Model):
    """An identity number already registered in another commune of the programme turned up in this commune's
    list: one person, reported to both communes."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="other_listings")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("tệp"), max_length=200)
    row = models.PositiveIntegerField(_("dòng"))
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "commune"], name="listed_elsewhere_once")]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.commune_id}"


class ColumnMapping(models.Model):
    """How a commune's spreadsheets name a column the importer does not know ("Tên người dân" → full name),
    remembered after an officer mapped it once. `commune` empty: for the whole programme."""

    FIELDS = (
        ("name", _("Họ và tên")),
        ("birth", _("Ngày sinh / năm sinh")),
        ("sex", _("Giới tính")),
        ("id", _("Số định danh (CCCD/CMND)")),
        ("ethnicity", _("Dân tộc")),
        ("village", _("Thôn/bản")),
        ("commune", _("Xã/phường")),
        ("household", _("Mã hộ")),
        ("head", _("Chủ hộ")),
        ("relation", _("Quan hệ với chủ hộ")),
        ("poverty", _("Diện hộ (nghèo, cận nghèo)")),
        ("priority", _("Đối tượng ưu tiên")),
        ("phone", _("Số điện thoại")),
        ("smartphone", _("Có điện thoại thông minh")),
        ("notes", _("Ghi chú")),
        ("consent", _("Đồng ý tham gia (đánh dấu hoặc ngày)")),
        ("ignore", _("Bỏ qua cột này")),
    )

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey(ProgrammeCommune, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    header = models.CharField(_("tiêu đề cột (không dấu, chữ thường)"), max_length=200)
    field = models.CharField(_("nghĩa là"), max_length=12, choices=FIELDS)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "header"], condition=Q(commune__isnull=False), name="column_mapping_once"
            ),
            models.UniqueConstraint(
                fields=["programme", "header"], condition=Q(commune__isnull=True), name="column_mapping_programme_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.field}"
