from django import template
from django.utils.translation import gettext_lazy as _

from phocap.registry.normalize import mask_id

register = template.Library()


@register.filter
def masked_id(number: str | None) -> str:
    return mask_id(number) if number else ""


COLUMN_LABELS = {
    "name": "Họ và tên",
    "birth": "Ngày sinh",
    "id": "Số định danh",
    "sex": "Giới tính",
    "ethnicity": "Dân tộc",
    "phone": "Điện thoại",
    "commune": "Xã/phường",
    "village": "Thôn/bản",
    "poverty": "Diện hộ",
    "priority": "Đối tượng ưu tiên",
    "household": "Mã hộ",
    "head": "Chủ hộ",
    "relation": "Quan hệ với chủ hộ",
    "smartphone": "Điện thoại thông minh",
    "notes": "Ghi chú",
    "consent": "Đồng ý",
}
EVIDENCE_LABELS = {
    "name": _("họ tên"),  # pairs found before #18 compared the whole name
    "family": _("họ"),
    "middle": _("tên đệm"),
    "given": _("tên gọi"),
    "birth": _("ngày/năm sinh"),
    "sex": _("giới tính"),
    "commune": _("xã"),
    "village": _("thôn"),
    "phone": _("số điện thoại"),
    "id_hash": _("số định danh"),
}


@register.filter
def evidence_text(evidence: dict[str, float]) -> str:
    """What made the two records alike or not, in words: "giống: họ tên, thôn · khác: ngày/năm sinh"."""
    ordered = [(k, evidence[k]) for k in EVIDENCE_LABELS if k in evidence]  # the same order on every database
    alike = [str(EVIDENCE_LABELS[k]) for k, w in ordered if w >= 1]
    unlike = [str(EVIDENCE_LABELS[k]) for k, w in ordered if w <= -1]
    parts = []
    if alike:
        parts.append(_("giống: %(f)s") % {"f": ", ".join(alike)})
    if unlike:
        parts.append(_("khác: %(f)s") % {"f": ", ".join(unlike)})
    return " · ".join(parts)


@register.filter
def column_label(key: str) -> str:
    """The spreadsheet column a problem is about, as the officer knows it."""
    return COLUMN_LABELS.get(key, key)
