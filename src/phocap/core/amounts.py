"""Amounts of đồng as people type them (issue #16): "5000000", "5.000.000", "5,000,000", "5 000 000", "5 triệu",
"5tr", "2,5 triệu", "500k", "500 nghìn", "1 tỷ", with or without "đ", "₫", "đồng" or "VND". Vietnamese write
thousands with dots, so "5.000.000" is five million — never five đồng; a decimal part is read only before a
unit ("2,5 triệu"). Anything else is refused with the reason; an amount under `SMALL` đồng typed by a person is
refused until they confirm it (a mistyped "5.000" for "5.000.000" is the usual slip).

Written here because the bank statements' parser (`fundraising.statement_files.parse_amount`) reads bank exports,
where "1.000.000,00" has decimals, and no library reads Vietnamese units ("tr", "triệu", "tỷ")."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from phocap.core.errors import ValidationFailed
from phocap.core.money import format_vnd
from phocap.core.vnwords import amount_in_words

MAX_AMOUNT = 10**15  # đồng: far above any programme, well inside a 64-bit integer
SMALL = 10_000

UNITS = {
    "k": 1_000,
    "nghìn": 1_000,
    "ngàn": 1_000,
    "ngan": 1_000,
    "nghin": 1_000,
    "tr": 1_000_000,
    "triệu": 1_000_000,
    "trieu": 1_000_000,
    "củ": 1_000_000,
    "tỷ": 1_000_000_000,
    "tỉ": 1_000_000_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
}
CURRENCY = re.compile(r"(?:₫|đồng|dong|đ|vnd|vnđ)\.?$")
GROUPED = re.compile(r"\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*")
NUMBER_WITH_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-zà-ỹđ]+)")


def _refuse(text: str, field: str) -> ValidationFailed:
    return ValidationFailed(
        f"Số tiền không đọc được: {text[:30]!r}. Ghi ví dụ 5000000, 5.000.000, 5 triệu hoặc 2,5tr.", field=field
    )


def _digits(text: str, field: str) -> int:
    """A whole number, plain or grouped by thousands with one kind of separator (dot, comma or space)."""
    if text.isdigit():
        return int(text)
    if GROUPED.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    raise _refuse(text, field)


def _with_unit(text: str, field: str) -> int:
    """`2,5 triệu` → 2 500 000; `1 tỷ 200 triệu` part by part; `1.500 triệu` (groups of three) is 1 500 triệu."""
    total, end = 0, 0
    for match in NUMBER_WITH_UNIT.finditer(text):
        number, unit = match.groups()
        scale = UNITS.get(unit)
        if scale is None or text[end : match.start()].strip():
            raise _refuse(text, field)
        if GROUPED.fullmatch(number):
            number = re.sub(r"\D", "", number)
        whole, _, fraction = number.replace(",", ".").partition(".")
        value = int(whole) * scale
        if fraction:
            part, remainder = divmod(int(fraction) * scale, 10 ** len(fraction))
            if remainder:
                raise ValidationFailed(f"Số tiền phải là số đồng nguyên: {text[:30]!r}.", field=field)
            value += part
        total, end = total + value, match.end()
    if end == 0 or text[end:].strip():
        raise _refuse(text, field)
    return total


def read_amount(value: Any, *, field: str = "amount", small_ok: bool = False) -> int:
    """The amount in đồng, or ValidationFailed (on `field`) saying why not."""
    if isinstance(value, bool):
        raise _refuse(str(value), field)
    if isinstance(value, int):
        amount = value
    else:
        text = unicodedata.normalize("NFC", str(value or "")).strip().lower().replace("\u00a0", " ")
        text = CURRENCY.sub("", text).strip()
        if not text:
            raise ValidationFailed("Cần ghi số tiền.", field=field)
        if len(text) > 40:
            raise _refuse(text, field)
        amount = _with_unit(text, field) if re.search(r"[a-zà-ỹđ]", text) else _digits(text, field)
    if amount <= 0:
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field=field)
    if amount > MAX_AMOUNT:
        raise ValidationFailed("Số tiền quá lớn.", field=field)
    if amount < SMALL and not small_ok:
        raise ValidationFailed(
            f"Số tiền nhỏ: {format_vnd(amount)} ({amount_in_words(amount)}). Nếu đúng, đánh dấu xác nhận số tiền nhỏ.",
            field=field,
            code="small_amount",
        )
    return amount


def read_price(value: Any, *, field: str = "price") -> int:
    """A phone's price or value: as `read_amount`, and never under `SMALL` đồng (no phone costs that: a slip)."""
    try:
        return read_amount(value, field=field)
    except ValidationFailed as exc:
        if exc.code != "small_amount":
            raise
        raise ValidationFailed(
            f"{exc.message.split('. Nếu đúng')[0]}: không phải giá một chiếc điện thoại, kiểm tra lại số đã gõ.",
            field=field,
        ) from None


def described(amount: int) -> dict[str, Any]:
    """What the forms show before saving: the figures and the words."""
    return {"amount": amount, "figures": format_vnd(amount), "words": amount_in_words(amount), "small": amount < SMALL}
