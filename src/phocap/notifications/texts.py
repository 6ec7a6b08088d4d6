"""The messages' words, in Vietnamese, and what an SMS costs. SMS go without diacritics, in the GSM-7 alphabet: 160
characters fit one message, 153 each part of a longer one; a text with Vietnamese letters needs UCS-2 (70, then 67
a part) — so every SMS template is written to fit one GSM-7 message, and `sms_text` shortens the free parts (a
place, a note) until it does. Zalo and e-mail carry the same facts with diacritics."""

from __future__ import annotations

import math
from typing import Any

from phocap.core.text import ascii_fold

# GSM 03.38: the basic set, and the extension characters that take two septets
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
ONE_SMS = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}


def encoding_of(text: str) -> str:
    return "GSM-7" if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text) else "UCS-2"


def length_of(text: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> tuple[str, int]:
    """(encoding, number of SMS it is sent as)."""
    encoding = encoding_of(text)
    n = length_of(text, encoding)
    return encoding, 1 if n <= ONE_SMS[encoding] else math.ceil(n / PART[encoding])


SMS = {
    "invitation": "UBND {commune}: moi Ong/Ba den nhan dien thoai thong minh luc {time} ngay {date} tai {place}. "
    "Nho mang CCCD.",
    "reminder": "Nhac lich: ngay mai {date} luc {time} nhan dien thoai tai {place}. Nho mang CCCD.",
    "followup_due": "Phocap: {count} nguoi o {village} can tham hoi sau khi nhan may, han {date}.",
    "complaint_ack": "Phan anh PA-{number} da duoc UBND {commune} tiep nhan. Han tra loi {date}.",
    "complaint_answer": "Phan anh PA-{number}: {status}. {note}",
    "donor_thanks": "MTTQ cam on {donor} da ung ho {amount} d cho chuong trinh dien thoai thong minh. "
    "GCN so {receipt}.",
}
# the part of each template that gives way when the text would pass one SMS
SHRINKS = {"invitation": "place", "reminder": "place", "complaint_answer": "note", "donor_thanks": "donor"}

FULL = {
    "invitation": "UBND {commune} mời Ông/Bà đến nhận điện thoại thông minh lúc {time} ngày {date} tại {place}. "
    "Nhớ mang theo căn cước công dân.",
    "reminder": "Nhắc lịch: ngày mai {date} lúc {time}, Ông/Bà nhận điện thoại tại {place}. "
    "Nhớ mang theo căn cước công dân.",
    "followup_due": "Có {count} người ở {village} cần được thăm hỏi sau khi nhận máy, hạn {date}.",
    "complaint_ack": "Phản ánh PA-{number} đã được UBND {commune} tiếp nhận. Hạn trả lời: {date}.",
    "complaint_answer": "Phản ánh PA-{number}: {status}. {note}",
    "donor_thanks": "Ủy ban MTTQ trân trọng cảm ơn {donor} đã ủng hộ {amount} ₫ cho chương trình hỗ trợ điện thoại "
    "thông minh. Giấy chứng nhận số {receipt}.",
}


def sms_text(template: str, params: dict[str, Any]) -> str:
    """The SMS, without diacritics, shortened at its free part until it fits one GSM-7 message."""
    values = {k: ascii_fold(str(v)) for k, v in params.items()}
    text = SMS[template].format(**values)
    free = SHRINKS.get(template)
    while free and length_of(text, encoding_of(text)) > ONE_SMS["GSM-7"] and len(values[free]) > 3:
        cut = length_of(text, "GSM-7") - ONE_SMS["GSM-7"]
        values[free] = values[free][: max(3, len(values[free]) - cut - 3)].rstrip() + "..."
        text = SMS[template].format(**values)
    return "".join(c if c in GSM7_BASIC or c in GSM7_EXTENDED else "?" for c in text)


def full_text(template: str, params: dict[str, Any]) -> str:
    return FULL[template].format(**{k: str(v) for k, v in params.items()})
