"""VietQR payloads (NAPAS 247, EMVCo merchant-presented QR) and their images.

Fields: 00 format "01"; 01 "11" static or "12" one-time (with an amount); 38 merchant account = {00 GUID
A000000727, 01 = {00 bank BIN, 01 account number}, 02 service QRIBFTTA}; 53 currency 704; 54 amount (integer
VND); 58 country VN; 62 additional data = {08 purpose, ASCII ≤ 25}; 63 CRC-16/CCITT-FALSE over everything
before it including "6304", 4 upper-case hex digits.
"""

from __future__ import annotations

import io
import re

import segno

from phocap.core.errors import ValidationFailed
from phocap.core.text import ascii_fold

GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
PURPOSE_MAX = 25


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} too long")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def purpose_text(text: str) -> str:
    """ASCII, at most 25 characters, no characters banks strip (keep letters, digits, spaces)."""
    cleaned = " ".join(re.sub(r"[^A-Za-z0-9 ]", " ", ascii_fold(text)).split())
    return cleaned[:PURPOSE_MAX].rstrip()


def payload(*, bin_code: str, account: str, amount: int | None = None, purpose: str = "") -> str:
    if not re.fullmatch(r"\d{6}", bin_code or ""):
        raise ValidationFailed("Mã BIN ngân hàng phải gồm 6 chữ số.", field="bank_bin")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        raise ValidationFailed("Số tài khoản không hợp lệ cho VietQR.", field="bank_account_number")
    if amount is not None and amount <= 0:
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field="amount")
    beneficiary = tlv("00", bin_code) + tlv("01", account)
    merchant = tlv("00", GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = tlv("00", "01") + tlv("01", "12" if amount else "11") + tlv("38", merchant) + tlv("53", "704")
    if amount:
        body += tlv("54", str(int(amount)))
    body += tlv("58", "VN")
    text = purpose_text(purpose)
    if text:
        body += tlv("62", tlv("08", text))
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def svg(data: str, *, scale: int = 6) -> str:
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title="VietQR"
    )
    return buffer.getvalue().decode()


def png(data: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
