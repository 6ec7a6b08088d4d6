"""Allocation rounds (issue #5): who gets which phone, by a policy anyone can read and a lottery anyone can
recompute."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.devices.models import Device
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import Resident


class PriorityPolicy(models.Model):
    """A version of the priority rules. Rounds keep the version they used; changing the rules makes a new one."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="priority_policies")
    version = models.PositiveIntegerField()
    one_per_household = models.BooleanField(_("mỗi hộ tối đa một máy trong một đợt"), default=True)
    groups = models.JSONField(_("các nhóm ưu tiên"))  # {"1": "Hộ nghèo/cận nghèo có công…", …}
    note = models.TextField(_("giải thích"), blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "version"], name="policy_version_once")]

    def __str__(self) -> str:
        return f"v{self.version}"


class Exclusion(models.Model):
    """An officer's decision that a person is not eligible (moved away, already has a phone…), with the reason."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="exclusions")
    reason = models.CharField(_("lý do"), max_length=300)
    excluded_by = models.CharField(max_length=150)
    excluded_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.reason


class Round(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Đề xuất")
        APPROVED = "approved", _("Đã duyệt")
        CANCELLED = "cancelled", _("Đã hủy")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="allocation_rounds")
    policy = models.ForeignKey(PriorityPolicy, on_delete=models.PROTECT, related_name="rounds")
    seed = models.CharField(_("số gieo công bố trước"), max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    proposed_label = models.CharField(max_length=150)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_label = models.CharField(max_length=150, blank=True)
    devices = models.PositiveIntegerField(_("số máy"))
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("lý do hủy"), max_length=300, blank=True)
    cancelled_label = models.CharField(max_length=150, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(approved_label=models.F("proposed_label")),
                name="round_maker_checker",
            ),
            models.UniqueConstraint(
                fields=["programme"], condition=Q(status="proposed"), name="one_proposed_round_per_programme"
            ),
            models.CheckConstraint(  # a cancelled round says why, and when
                condition=~Q(status="cancelled") | (~Q(cancel_reason="") & Q(cancelled_at__isnull=False)),
                name="round_cancelled_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class RoundCommune(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="communes")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    eligible = models.PositiveIntegerField()
    earmarked = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "commune"], name="round_commune_once")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.commune_id}"

    @property
    def coverage(self) -> float:
        return self.allocated / self.eligible if self.eligible else 0.0


class Placement(models.Model):
    """One eligible person in a round: their group, rank and whether selected, with a one-line reason."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="placements")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="placements")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    group = models.PositiveSmallIntegerField()
    rank = models.PositiveIntegerField()
    of = models.PositiveIntegerField()
    selected = models.BooleanField()
    reason = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "resident"], name="placement_once")]
        indexes = [models.Index(fields=["round", "commune", "rank"], name="placement_rank_idx")]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.resident_id} #{self.rank}"


RESERVATION_HOLDING = ["active", "handed_over"]  # a phone kept for the person, or in their hands


class Reservation(models.Model):
    """A specific device kept for a specific person. The database keeps: a device reserved (or handed over) for
    at most one person; a person with at most one active reservation or handover per programme; a reservation
    made only for a ready device in the person's commune (trigger)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang giữ máy")
        HANDED_OVER = "handed_over", _("Đã trao")
        RELEASED = "released", _("Đã trả về kho")

    HOLDING = tuple(RESERVATION_HOLDING)

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="reservations")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="reservations")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="reservations")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(status__in=RESERVATION_HOLDING), name="device_held_once"
            ),
            models.UniqueConstraint(
                fields=["programme", "resident"],
                condition=Q(status__in=RESERVATION_HOLDING),
                name="one_phone_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} → {self.resident_id}"


class PriorPhoneMatch(models.Model):
    """An import found that this person (by ID number's keyed hash, or by name, birth and village in the same or a
    predecessor/successor commune) received a phone from another programme of this installation: not eligible
    unless a manager records a `PriorPhoneException` (issue #14)."""

    class How(models.TextChoices):
        NUMBER = "number", _("Trùng số định danh")
        IDENTITY = "identity", _("Trùng họ tên, ngày sinh và thôn/bản")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="prior_phone_matches")
    earlier = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="+")
    how = models.CharField(max_length=10, choices=How.choices)
    note = models.CharField(max_length=300)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "earlier"], name="prior_phone_match_once")]

    def __str__(self) -> str:
        return self.note


class PriorPhoneException(models.Model):
    """A manager's decision that a person who received a phone from another programme of this installation may
    be allocated one again (the phone was lost and reported, or returned), with the reason (issue #14)."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="prior_phone_exceptions")
    reason = models.CharField(_("lý do"), max_length=300)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident"], name="prior_phone_exception_once")]

    def __str__(self) -> str:
        return self.reason


class Posting(models.Model):
    """A commune's list of an approved round, posted for objections (niêm yết công khai) at the commune's hall
    and the village houses: planned from the approval for `programme.posting_days` working days, then counted
    from the day the commune records it was posted. The commune's handovers of this round start after `ends_on`
    — or earlier when the manager records why (`early_reason`)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="postings")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="postings")
    listed = models.PositiveIntegerField(_("số người trong danh sách"))
    starts_on = models.DateField(_("niêm yết từ ngày"))
    ends_on = models.DateField(_("đến hết ngày"))
    posted_on = models.DateField(_("ngày đã niêm yết"), null=True, blank=True)
    posted_by = models.CharField(max_length=150, blank=True)
    early_reason = models.CharField(_("lý do trao trước khi hết niêm yết"), max_length=300, blank=True)
    early_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "commune"], name="posting_once"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="posting_ends_after"),
            models.CheckConstraint(  # an early start says who allowed it
                condition=Q(early_reason="") | ~Q(early_by=""), name="posting_early_by"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.commune_id}"

    def allows(self, day: dt.date) -> bool:
        """Whether handovers of this round may happen in the commune on `day`."""
        return bool(self.early_reason) or (self.posted_on is not None and day > self.ends_on)
