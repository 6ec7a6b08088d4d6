"""What an officer said the columns of their lists mean, remembered for the commune's next files."""

from __future__ import annotations

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.services import service
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.importing.header import norm
from phocap.registry.models import ColumnMapping


@service(audits=[Action.REGISTRY_COLUMN_MAPPING])
def column_mapping_save(
    *, actor: scope.Actor, programme: Programme, commune: ProgrammeCommune | None, mapping: dict[str, str]
) -> int:
    """Remember what the officer said columns mean (header text → field), for their commune's next files."""
    valid = {f for f, _ in ColumnMapping.FIELDS}
    if commune is None and not scope.can_manage_programme(actor, programme):
        raise NotFound("Chọn xã để lưu cách đọc cột.")
    if commune is not None and not scope.can_write_residents(actor, commune):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền nhập danh sách cho xã này).")
    saved = 0
    for header, field in mapping.items():
        folded = norm(header)
        if not folded or not field:
            continue
        if field not in valid:
            raise ValidationFailed(f"Không rõ nghĩa cột {field!r}.", field="mapping")
        row, created = ColumnMapping.objects.update_or_create(
            programme=programme,
            commune=commune,
            header=folded[:200],
            defaults={"field": field, "updated_by": actor_label(actor)},
        )
        audit.record(
            actor=actor,
            action=Action.REGISTRY_COLUMN_MAPPING,
            obj=row,
            programme_code=programme.code,
            extra={"header": folded, "field": field, "new": created},
        )
        saved += 1
    return saved
