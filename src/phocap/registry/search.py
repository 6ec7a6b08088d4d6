"""Finding residents (issue #14): one filter for the resident page, the API, the export and the bulk actions, so
"select all N matching this filter" acts on exactly the people the page counted.

A query of 12 or 9 digits is an identity number, looked up through its keyed hash (never a scan of decrypted
numbers); 10 digits (or +84 …) a phone; anything else part of a name, compared without diacritics. Statuses that
other apps know — eligible, selected, holding a phone — are registered by those apps (`STATUSES`), like
`services.erasers`, because the registry cannot import the apps built on it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from phocap.accounts import scope
from phocap.core.crypto import blind_index
from phocap.core.errors import ValidationFailed
from phocap.core.text import clean_line
from phocap.programmes.models import Programme
from phocap.registry import normalize
from phocap.registry.models import Consent, DuplicatePair, PriorityFlag, Resident
from phocap.registry.names import fold_query

# status name → (Vietnamese label, Q over Resident for a programme), registered by the apps that know them
STATUSES: dict[str, tuple[Any, Callable[[Programme], Q]]] = {}


def _duplicate(programme: Programme) -> Q:
    undecided = DuplicatePair.objects.filter(programme=programme, decision="")
    return Q(Exists(undecided.filter(a=OuterRef("pk")))) | Q(Exists(undecided.filter(b=OuterRef("pk"))))


STATUSES["duplicate"] = (_("Nghi trùng, chưa xem xét"), _duplicate)

CONSENT_STATES = {
    "given": _("Đã đồng ý"),
    "refused": _("Từ chối"),
    "none": _("Chưa có phiếu đồng ý"),
    "withdrawn": _("Đã rút lại"),
}


@dataclasses.dataclass(frozen=True)
class ResidentFilter:
    """What the officer asked for; every field optional (empty: no condition)."""

    q: str = ""
    commune: str = ""  # commune code
    village: str = ""
    household: str = ""  # household code
    smartphone: str = ""  # Resident.Smartphone value
    consent: str = ""  # CONSENT_STATES key
    priority: str = ""  # PriorityFlag.Kind value, or "any"
    status: str = ""  # STATUSES key
    batch: int | None = None  # ImportBatch id

    FIELDS = ("q", "commune", "village", "household", "smartphone", "consent", "priority", "status", "batch")

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> ResidentFilter:
        """From query parameters (web or API), checked: an unknown value is a Vietnamese error, not an empty list."""
        values = {f: clean_line(params.get(f) or "")[:200] for f in cls.FIELDS}  # no controls, no lone surrogates
        batch = values.pop("batch")
        if batch and not batch.isdigit():
            raise ValidationFailed("Mã lần nhập phải là số.", field="batch")
        found = cls(**values, batch=int(batch) if batch else None)
        found.check()
        return found

    def check(self) -> None:
        if self.smartphone and self.smartphone not in Resident.Smartphone.values:
            raise ValidationFailed("Tình trạng điện thoại: has, lacks hoặc unknown.", field="smartphone")
        if self.consent and self.consent not in CONSENT_STATES:
            raise ValidationFailed(f"Đồng ý: {', '.join(CONSENT_STATES)}.", field="consent")
        if self.priority and self.priority != "any" and self.priority not in PriorityFlag.Kind.values:
            raise ValidationFailed("Nhóm ưu tiên không hợp lệ.", field="priority")
        if self.status and self.status not in STATUSES:
            raise ValidationFailed(f"Trạng thái: {', '.join(STATUSES)}.", field="status")

    def params(self) -> dict[str, str]:
        """The non-empty fields, for links that keep the filter (pagination, export)."""
        return {f: str(v) for f in self.FIELDS if (v := getattr(self, f)) not in ("", None)}

    def audited(self) -> str:
        """The filter as an audit row keeps it: never the search text (a name, an identity number, a phone)."""
        return " ".join(f"{k}={'(tìm kiếm)' if k == 'q' else v}" for k, v in self.params().items())

    @property
    def empty(self) -> bool:
        return not self.params()


def _text(programme: Programme, q: str) -> Q:
    digits = re.sub(r"[\s.\-]", "", q)
    # exact lookups first, by their own index (the page's sort index would otherwise scan the commune)
    if digits.isdigit() and len(digits) in (9, 12):
        found = Resident.objects.filter(programme=programme, id_hash=blind_index(digits))
        return Q(pk__in=list(found.values_list("pk", flat=True)))
    if re.fullmatch(r"\+?\d{9,12}", digits):
        phone = normalize.read_phone(digits).value
        found = Resident.objects.filter(programme=programme, phone=phone.number if phone else "-")
        return Q(pk__in=list(found.values_list("pk", flat=True)[:1000]))
    folded = fold_query(q)
    return Q(name_folded__contains=folded) if folded else Q()


def _consent(state: str) -> Q:
    allocation = Consent.objects.filter(resident=OuterRef("pk"), kind=Consent.Kind.ALLOCATION)
    open_ = allocation.filter(withdrawn_on__isnull=True)
    if state == "given":
        return Q(Exists(open_.filter(refused=False)))
    if state == "refused":
        return Q(Exists(open_.filter(refused=True)))
    if state == "withdrawn":
        return ~Q(Exists(open_)) & Q(Exists(allocation.filter(withdrawn_on__isnull=False)))
    return ~Q(Exists(allocation))


def apply(qs: QuerySet[Resident], programme: Programme, f: ResidentFilter) -> QuerySet[Resident]:
    if f.q:
        qs = qs.filter(_text(programme, f.q))
    if f.commune:
        qs = qs.filter(commune__unit__code=f.commune)
    if f.village:
        qs = qs.filter(village=f.village)
    if f.household:
        qs = qs.filter(household__code=f.household)
    if f.smartphone:
        qs = qs.filter(smartphone_status=f.smartphone)
    if f.consent:
        qs = qs.filter(_consent(f.consent))
    if f.priority == "any":
        qs = qs.filter(Exists(PriorityFlag.objects.filter(resident=OuterRef("pk"))))
    elif f.priority:
        qs = qs.filter(Exists(PriorityFlag.objects.filter(resident=OuterRef("pk"), kind=f.priority)))
    if f.status:
        qs = qs.filter(STATUSES[f.status][1](programme))
    if f.batch is not None:
        qs = qs.filter(import_batch_id=f.batch)
    return qs


def residents(*, actor: scope.Actor, programme: Programme, filters: ResidentFilter) -> QuerySet[Resident]:
    """The residents the actor may see that match, in Vietnamese alphabetical order within each commune."""
    qs = Resident.objects.filter(
        scope.residents_q(actor), programme=programme, erased_at__isnull=True, merged_into__isnull=True
    )
    return apply(qs, programme, filters).order_by("commune_id", "name_sort", "pk")


def with_consent(qs: QuerySet[Resident]) -> QuerySet[Resident]:
    """Each resident annotated with `consent_refused`: None (no open allocation consent), False (given), True."""
    open_ = Consent.objects.filter(resident=OuterRef("pk"), kind=Consent.Kind.ALLOCATION, withdrawn_on__isnull=True)
    return qs.annotate(consent_refused=Subquery(open_.values("refused")[:1]))


def villages(*, actor: scope.Actor, programme: Programme, commune: str = "") -> list[str]:
    """The villages of the residents the actor may see (for the filter's choices)."""
    qs = Resident.objects.filter(scope.residents_q(actor), programme=programme, erased_at__isnull=True)
    if commune:
        qs = qs.filter(commune__unit__code=commune)
    return sorted({v for v in qs.exclude(village="").values_list("village", flat=True).distinct()[:500]})
