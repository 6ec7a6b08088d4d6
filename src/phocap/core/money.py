"""Money is integer đồng (VND has no minor unit)."""

from __future__ import annotations


def format_vnd(amount: int | None) -> str:
    """`2000000` → `2.000.000 ₫` (Vietnamese grouping with dots)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + " ₫"
