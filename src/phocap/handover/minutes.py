"""Biên bản bàn giao (handover minutes) per event, and a receipt per person, as PDF in the Vietnamese
administrative layout, in Be Vietnam Pro (installed as a Python package)."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

from phocap.fundraising.receipts import FONT_DIR
from phocap.handover.models import Handover, HandoverEvent


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(title)
    pdf.add_font("BVP", "", str(FONT_DIR / "BeVietnamPro-Regular.ttf"))
    pdf.add_font("BVP", "B", str(FONT_DIR / "BeVietnamPro-Bold.ttf"))
    pdf.add_font("BVP", "I", str(FONT_DIR / "BeVietnamPro-Italic.ttf"))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, 18)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, event: HandoverEvent, number: str) -> None:
    commune = event.commune.unit.name
    top = pdf.get_y()
    pdf.set_font("BVP", "", 10)
    pdf.multi_cell(78, 5, _nfc(f"ỦY BAN NHÂN DÂN\n{commune.upper()}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "", 10)
    pdf.multi_cell(78, 5, _nfc(f"Số: {number}"), align="C")
    pdf.set_xy(98, top)
    pdf.set_font("BVP", "B", 10)
    pdf.multi_cell(94, 5, _nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(94, 5, _nfc("Độc lập - Tự do - Hạnh phúc"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BVP", "I", 10)
    pdf.multi_cell(
        94,
        6,
        _nfc(f"{commune}, ngày {event.held_on.day:02d} tháng {event.held_on.month:02d} năm {event.held_on.year}"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)


def _signatures(pdf: FPDF, left: str, right: str) -> None:
    pdf.ln(8)
    top = pdf.get_y()
    pdf.set_font("BVP", "B", 11)
    pdf.multi_cell(87, 6, _nfc(left), align="C")
    pdf.set_xy(105, top)
    pdf.multi_cell(87, 6, _nfc(right), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "I", 9.5)
    y = pdf.get_y()
    pdf.multi_cell(87, 5, _nfc("(Ký, ghi rõ họ tên)"), align="C")
    pdf.set_xy(105, y)
    pdf.multi_cell(87, 5, _nfc("(Ký hoặc điểm chỉ, ghi rõ họ tên)"), align="C", new_x="LMARGIN", new_y="NEXT")


def render_minutes(event: HandoverEvent) -> bytes:
    """Biên bản bàn giao điện thoại thông minh for one event: parties, the list of recipients with IMEI and phone
    number, signature lines."""
    handovers = list(
        Handover.objects.filter(event=event)
        .select_related("resident", "device__phone_model")
        .order_by("resident__village", "resident__full_name", "at")
    )
    number = f"{event.pk:03d}/BB-UBND"
    pdf = _document(f"Biên bản bàn giao điện thoại — {event.commune.unit.name}")
    _heading(pdf, event, number)
    pdf.set_font("BVP", "B", 15)
    pdf.multi_cell(0, 8, _nfc("BIÊN BẢN BÀN GIAO ĐIỆN THOẠI THÔNG MINH"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "I", 10.5)
    pdf.multi_cell(0, 6, _nfc(f"Thuộc {event.programme.name}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("BVP", "", 11)
    pdf.multi_cell(
        0,
        6,
        _nfc(
            f"Hôm nay, ngày {event.held_on:%d/%m/%Y}, tại {event.place}, chúng tôi gồm:\n"
            f"Bên giao: Ủy ban nhân dân {event.commune.unit.name}"
            + (f" và các đơn vị phối hợp: {event.organisers}" if event.organisers else "")
            + ".\nBên nhận: những người có tên trong danh sách dưới đây.\n"
            "Bên giao đã bàn giao cho bên nhận điện thoại thông minh (kèm SIM) theo danh sách sau:"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    widths = (10, 46, 30, 36, 28, 24)
    headers = ("TT", "Họ và tên", "Thôn/bản", "IMEI", "Số thuê bao", "Xác nhận")
    pdf.set_font("BVP", "B", 9.5)
    for w, title in zip(widths, headers, strict=True):
        pdf.cell(w, 8, _nfc(title), border=1, align="C")
    pdf.ln()
    pdf.set_font("BVP", "", 9.5)
    for i, h in enumerate(handovers, 1):
        confirmed = "Ký" if h.confirmation == "signature" else "Điểm chỉ"
        cells = (
            str(i),
            h.resident.full_name,
            h.resident.village,
            h.device.imei,
            h.device.sim_number,
            {"returned": "Đã trả lại", "replaced": "Đã đổi máy"}.get(h.status, confirmed),
        )
        for w, text in zip(widths, cells, strict=True):
            pdf.cell(w, 7, _nfc(text)[:40], border=1, align="C" if w <= 24 else "L")
        pdf.ln()
    pdf.ln(3)
    pdf.set_font("BVP", "", 11)
    pdf.multi_cell(
        0,
        6,
        _nfc(
            f"Tổng số: {len(handovers)} máy. Bên nhận đã kiểm tra máy hoạt động bình thường. Biên bản được lập "
            "thành 02 bản, mỗi bên giữ 01 bản."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _signatures(pdf, "ĐẠI DIỆN BÊN GIAO", "ĐẠI DIỆN BÊN NHẬN")
    return bytes(pdf.output())


def render_receipt(handover: Handover) -> bytes:
    """Giấy xác nhận nhận điện thoại for one person."""
    event = handover.event
    pdf = _document(f"Giấy xác nhận nhận điện thoại — {handover.resident.full_name}")
    _heading(pdf, event, f"{handover.pk:05d}/XN-UBND")
    pdf.set_font("BVP", "B", 15)
    pdf.multi_cell(0, 8, _nfc("GIẤY XÁC NHẬN NHẬN ĐIỆN THOẠI"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("BVP", "", 11.5)
    device = handover.device
    pdf.multi_cell(
        0,
        7,
        _nfc(
            f"Họ và tên người nhận: {handover.resident.full_name}\n"
            f"Thôn/bản: {handover.resident.village}, {event.commune.unit.name}\n"
            f"Điện thoại: {device.phone_model} — IMEI {device.imei}\n"
            f"Số thuê bao: {device.sim_number or '…'}\n"
            f"Ngày nhận: {event.held_on:%d/%m/%Y}, tại {event.place}\n"
            f"Thuộc {event.programme.name}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _signatures(pdf, "NGƯỜI TRAO", "NGƯỜI NHẬN")
    return bytes(pdf.output())
