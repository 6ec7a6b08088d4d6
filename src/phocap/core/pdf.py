"""PDF documents in the Vietnamese administrative layout, in Be Vietnam Pro — a font installed as a Python package
(fontpkg-be-vietnam-pro), never the system's. Receipts, handover minutes and the official reports use these."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

import fontpkg_be_vietnam_pro

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = fontpkg_be_vietnam_pro.ROOT / "files"
FONT = "BVP"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def nfc(text: Any) -> str:
    """fpdf2 shapes precomposed Vietnamese letters only: every text goes through NFC."""
    return unicodedata.normalize("NFC", str(text))


def add_fonts(pdf: FPDF) -> FPDF:
    for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic")):
        pdf.add_font(FONT, style, str(FONT_DIR / f"BeVietnamPro-{name}.ttf"))
    return pdf


def new_document(
    title: str, *, margins: tuple[float, float, float], orientation: str = "P", bottom: float | None = None
) -> FPDF:
    """An A4 page in millimetres with the fonts loaded (`bottom`: automatic page breaks with that margin)."""
    from fpdf import FPDF  # 1.5 s to import: only when a PDF is made, not for every command

    pdf = add_fonts(FPDF(orientation=orientation, format="A4", unit="mm"))
    pdf.set_title(nfc(title))
    pdf.set_margins(*margins)
    if bottom is not None:
        pdf.set_auto_page_break(True, bottom)
    pdf.add_page()
    return pdf


def place_and_date(place: str, day: Any) -> str:
    """ "Bắc Kạn, ngày 05 tháng 09 năm 2023" — the line under the national motto."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
