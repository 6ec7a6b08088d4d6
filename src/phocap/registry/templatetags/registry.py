from django import template

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
}


@register.filter
def column_label(key: str) -> str:
    """The spreadsheet column a problem is about, as the officer knows it."""
    return COLUMN_LABELS.get(key, key)
