from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from phocap.reports import charts

register = template.Library()


@register.simple_tag
def public_progress_chart(rows: list[dict[str, Any]]) -> SafeString:
    return charts.progress_bars(
        _("Tỷ lệ người trưởng thành có điện thoại thông minh, theo xã"),
        [(r["name"], r["coverage"], r["target"]) for r in rows],
    )
