"""A commune's figures: its adults and those without a smartphone (the indicators' denominators)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.services import service
from phocap.programmes.models import ProgrammeCommune
from phocap.programmes.services.common import COMMUNE_FIGURES, apply


@service(audits=[Action.COMMUNE_UPDATE])
def commune_update_figures(
    *,
    actor: scope.Actor,
    commune: ProgrammeCommune,
    adult_population: int | None = None,
    baseline_without_smartphone: int | None = None,
    target_percent: Decimal | None = None,
    figures_source: str | None = None,
) -> ProgrammeCommune:
    """A commune officer (their commune) or the provincial manager corrects a commune's denominators."""
    if not scope.can_write_commune(actor, commune):
        # out of scope: the commune does not exist for this actor
        raise NotFound(f"Không tìm thấy xã/phường {commune.code} trong chương trình (hoặc bạn không có quyền xem).")
    values: dict[str, Any] = {
        k: v
        for k, v in {
            "adult_population": adult_population,
            "baseline_without_smartphone": baseline_without_smartphone,
            "target_percent": target_percent,
            "figures_source": figures_source,
        }.items()
        if v is not None
    }
    locked = ProgrammeCommune.objects.select_for_update().select_related("unit", "programme").get(pk=commune.pk)
    new_adults = values.get("adult_population", locked.adult_population)
    new_baseline = values.get("baseline_without_smartphone", locked.baseline_without_smartphone)
    if new_adults < 0 or new_baseline < 0:
        raise ValidationFailed("Số người không được âm.", field="adult_population")
    if new_baseline > new_adults:
        raise ValidationFailed(
            f"Số chưa có điện thoại thông minh ({new_baseline}) không được lớn hơn số người trưởng thành "
            f"({new_adults}).",
            field="baseline_without_smartphone",
        )
    if "target_percent" in values:  # stored with two decimals: judged as it will be stored (0.001 is 0.00)
        values["target_percent"] = Decimal(values["target_percent"]).quantize(Decimal("0.01"))
    if "target_percent" in values and not (0 < values["target_percent"] <= 100):
        raise ValidationFailed("Mục tiêu phải lớn hơn 0 và không quá 100 %.", field="target_percent")
    changes = apply(locked, COMMUNE_FIGURES, values)
    if changes:
        locked.save()
        audit.record(
            actor=actor,
            action=Action.COMMUNE_UPDATE,
            obj=locked,
            programme_code=locked.programme.code,
            changes=changes,
        )
    return locked
