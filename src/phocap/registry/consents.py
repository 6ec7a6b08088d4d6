"""Consent in bulk (issue #14): "paper consent forms collected on D" for the people an officer selected — by ids,
an import batch, a village, or any resident-list filter — in one transaction and one audit row.

Bulk actions of one programme are serialised by a lock on the programme's row, and the database keeps at most one
open consent per person and kind (`consent_open_once`), so a retried request or a double tap records nothing
twice. People with a refusal on record are left alone (counted as `refused`): a refusal is overturned on the
person's own page, not by a whole village at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label
from phocap.core.errors import ValidationFailed
from phocap.core.queries import in_chunks, insert_rows
from phocap.core.services import service
from phocap.programmes.models import Programme
from phocap.registry import search
from phocap.registry.models import Consent

MAX_IDS = 200_000  # ids named one by one (a whole commune is a filter, not a list)


def id_ranges(ids: Iterable[int]) -> str:
    """[3, 4, 5, 9] → "3-5,9": the ids of a bulk action, short enough for its audit row."""
    runs: list[list[int]] = []
    for pk in sorted(set(ids)):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


def _selection(
    actor: scope.Actor, programme: Programme, filters: search.ResidentFilter | None, ids: list[int] | None
) -> tuple[list[int], list[int]]:
    """(ids of the selected people the actor may write, ids asked for that are not among them)."""
    if ids is not None and len(ids) > MAX_IDS:
        raise ValidationFailed(f"Chọn tối đa {MAX_IDS} người mỗi lần (hoặc chọn theo bộ lọc).", field="ids")
    if filters is None and not ids:
        raise ValidationFailed("Chưa chọn người nào.", field="ids")
    writable = [c.pk for c in programme.communes.select_related("unit") if scope.can_write_residents(actor, c)]
    qs = search.residents(actor=actor, programme=programme, filters=filters or search.ResidentFilter())
    qs = qs.filter(commune_id__in=writable).order_by()
    if ids is None:
        return list(qs.values_list("pk", flat=True)), []
    wanted = sorted(set(ids))
    if any(not 0 < pk < 2**63 for pk in wanted):
        raise ValidationFailed("Mã người dân phải là số dương.", field="ids")
    found = {pk for chunk in in_chunks(wanted) for pk in qs.filter(pk__in=chunk).values_list("pk", flat=True)}
    return sorted(found), [pk for pk in wanted if pk not in found]


def _open(kind: str, ids: list[int]) -> dict[int, bool]:
    """{resident id: refused} of the open consents of this kind among `ids`."""
    return {
        pk: refused
        for chunk in in_chunks(ids)
        for pk, refused in Consent.objects.filter(
            resident_id__in=chunk, kind=kind, withdrawn_on__isnull=True
        ).values_list("resident_id", "refused")
    }


def _check(given_on: dt.date, method: str, kind: str) -> None:
    if method not in Consent.Method.values:
        raise ValidationFailed("Hình thức: paper, verbal hoặc digital.", field="method")
    if kind not in Consent.Kind.values:
        raise ValidationFailed("Mục đích không hợp lệ.", field="kind")
    if given_on > timezone.localdate():
        raise ValidationFailed("Ngày đồng ý không được ở tương lai.", field="given_on")
    if given_on.year < 2000:
        raise ValidationFailed("Ngày đồng ý không hợp lý.", field="given_on")


@service(audits=[Action.CONSENT_BULK])
def consent_bulk(
    *,
    actor: scope.Actor,
    programme: Programme,
    given_on: dt.date,
    method: str,
    filters: search.ResidentFilter | None = None,
    ids: list[int] | None = None,
    kind: str = Consent.Kind.ALLOCATION,
) -> dict[str, Any]:
    """Consent given on `given_on` by `method` for everyone selected who has none open: `{"recorded", "already",
    "refused", "not_found"}` (ids the actor may not write, or that do not exist, are `not_found`)."""
    _check(given_on, method, kind)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one bulk action at a time
    chosen, not_found = _selection(actor, programme, filters, ids)
    open_ = _open(kind, chosen)
    new = [pk for pk in chosen if pk not in open_]
    purpose, by = str(Consent.Kind(kind).label), actor_label(actor)
    insert_rows(
        Consent,
        ["resident_id", "kind", "purpose", "refused", "given_on", "method", "recorded_by"],
        ([pk, kind, purpose, False, given_on, method, by] for pk in new),
    )
    result = {
        "recorded": len(new),
        "already": sum(1 for refused in open_.values() if not refused),
        "refused": sum(1 for refused in open_.values() if refused),
        "not_found": not_found,
    }
    audit.record(
        actor=actor,
        action=Action.CONSENT_BULK,
        obj=programme,
        programme_code=programme.code,
        extra={
            "kind": kind,
            "method": method,
            "given_on": given_on.isoformat(),
            "count": len(new),
            "already": result["already"],
            "refused": result["refused"],
            "not_found": len(not_found),
            "ids": id_ranges(new),
            "filter": filters.audited() if filters else "",
        },
    )
    return result


@service(audits=[Action.CONSENT_WITHDRAW_BULK])
def consent_withdraw_bulk(
    *,
    actor: scope.Actor,
    programme: Programme,
    on: dt.date,
    filters: search.ResidentFilter | None = None,
    ids: list[int] | None = None,
    kind: str = Consent.Kind.ALLOCATION,
) -> dict[str, Any]:
    """Withdraw the open consents (given or refused) of this kind of everyone selected, on `on`:
    `{"withdrawn", "none", "not_found"}`. A consent given after `on` cannot be withdrawn on `on` (refused)."""
    if on > timezone.localdate() or on.year < 2000:
        raise ValidationFailed("Ngày rút lại không hợp lý (không ở tương lai, từ năm 2000).", field="on")
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    chosen, not_found = _selection(actor, programme, filters, ids)
    qs_ids = list(_open(kind, chosen))
    later = [
        pk
        for chunk in in_chunks(qs_ids)
        for pk in Consent.objects.filter(
            resident_id__in=chunk, kind=kind, withdrawn_on__isnull=True, given_on__gt=on
        ).values_list("resident_id", flat=True)
    ]
    if later:
        raise ValidationFailed(
            f"{len(later)} người đồng ý sau ngày {on:%d/%m/%Y}: ngày rút lại phải sau ngày đồng ý.", field="on"
        )
    withdrawn = 0
    for chunk in in_chunks(qs_ids):
        withdrawn += Consent.objects.filter(resident_id__in=chunk, kind=kind, withdrawn_on__isnull=True).update(
            withdrawn_on=on
        )
    audit.record(
        actor=actor,
        action=Action.CONSENT_WITHDRAW_BULK,
        obj=programme,
        programme_code=programme.code,
        extra={
            "kind": kind,
            "on": on.isoformat(),
            "count": withdrawn,
            "not_found": len(not_found),
            "ids": id_ranges(qs_ids),
            "filter": filters.audited() if filters else "",
        },
    )
    return {"withdrawn": withdrawn, "none": len(chosen) - len(qs_ids), "not_found": not_found}
