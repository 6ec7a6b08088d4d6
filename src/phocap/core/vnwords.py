"""Amounts in Vietnamese words, as written on receipts: 700000000 → "Bảy trăm triệu đồng".

Written here because the one library that claims Vietnamese (num2words) gets common amounts wrong
(2024 → "hai nghìn lẻ hai mươi bốn" instead of "hai nghìn không trăm hai mươi bốn").
Rules: groups of three digits; inside a non-leading group the hundreds are always read ("không trăm");
a lone unit after the hundreds is "lẻ"; 1 after a tens digit ≥ 2 is "mốt"; 5 after a tens digit is "lăm";
10–19 read "mười …"; the scales are nghìn, triệu, tỷ; above a tỷ the count of tỷ is read as a number (1 250 tỷ →
"một nghìn hai trăm năm mươi tỷ").
"""

from __future__ import annotations

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def _three(n: int, *, full: bool) -> list[str]:
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("lẻ")
        if units:
            words.append(DIGITS[units])
        return words
    words += ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _below_billion(n: int, *, leading: bool) -> list[str]:
    """0 ≤ n < 10⁹ as groups of nghìn and triệu; inside a larger number (`leading=False`) every group reads
    its hundreds ("không trăm")."""
    groups = [n // 1_000_000, n // 1000 % 1000, n % 1000]
    words: list[str] = []
    for group, scale in zip(groups, ("triệu", "nghìn", ""), strict=True):
        if group == 0:
            continue
        words += _three(group, full=bool(words) or not leading)
        if scale:
            words.append(scale)
    return words


def number_words(n: int) -> str:
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return "không"
    billions, rest = divmod(n, 1_000_000_000)
    if not billions:
        return " ".join(_below_billion(rest, leading=True))
    words = [number_words(billions), "tỷ"]
    if rest:
        words += _below_billion(rest, leading=False)
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """`700000000` → `Bảy trăm triệu đồng`."""
    text = number_words(amount) + " đồng"
    return text[0].upper() + text[1:]
