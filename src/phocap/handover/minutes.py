"""Biên bản bàn giao (handover minutes) per event, and a receipt per person, as PDF in the Vietnamese
administrative layout, in Be Vietnam Pro (installed as a Python package)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phocap.allocation import selectors as allocation
from phocap.core.pdf import FONT, MOTTO, new_document, nfc, place_and_date
from phocap.handover.models import Absence, Handover, HandoverEvent

if TYPE_CHECKING:
    from fpdf import FPDF


def _document(title: str) -> FPDF:
    return new_document(title, margins=(18, 16, 18), bottom=18)


def _heading(pdf: FPDF, event: HandoverEvent, number: str) -> None:
    commune = event.commune.unit.name
    top = pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(78, 5, nfc(f"ỦY BAN NHÂN DÂN\n{commune.upper()}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(78, 5, nfc(f"Số: {number}"), align="C")
    pdf.set_xy(98, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(94, 5, nfc(MOTTO[0]), align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(94, 5, nfc(MOTTO[1]), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 10)
    pdf.multi_cell(
        94,
        6,
        nfc(place_and_date(commune, event.held_on)),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)


def _signatures(pdf: FPDF, left: str, right: str) -> None:
    pdf.ln(8)
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(87, 6, nfc(left), align="C")
    pdf.set_xy(105, top)
    pdf.multi_cell(87, 6, nfc(right), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "I", 9.5)
    y = pdf.get_y()
    pdf.multi_cell(87, 5, nfc("(Ký, ghi rõ họ tên)"), align="C")
    pdf.set_xy(105, y)
    pdf.multi_cell(87, 5, nfc("(Ký hoặc điểm chỉ, ghi rõ họ tên)"), align="C", new_x="LMARGIN", new_y="NEXT")


def _recipients(pdf: FPDF, handovers: list[Handover]) -> None:
    """The minutes' table: one row per handover at the event."""
    widths = (10, 46, 30, 36, 28, 24)
    headers = ("TT", "Họ và tên", "Thôn/bản", "IMEI", "Số thuê bao", "Xác nhận")
    pdf.set_font(FONT, "B", 9.5)
    for w, title in zip(widths, headers, strict=True):
        pdf.cell(w, 8, nfc(title), border=1, align="C")
    pdf.ln()
    pdf.set_font(FONT, "", 9.5)
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
            pdf.cell(w, 7, nfc(text)[:40], border=1, align="C" if w <= 24 else "L")
        pdf.ln()


def render_minutes(event: HandoverEvent) -> bytes:
    """Biên bản bàn giao điện thoại thông minh for one event: parties, the list of recipients with IMEI and phone
    number, who was absent and who is still waiting, signature lines. Marked a draft while the event is open (the
    kept minutes are made when it closes: `attendance.event_close`)."""
    handovers = list(
        Handover.objects.filter(event=event)
        .select_related("resident", "device__phone_model")
        .order_by("resident__village", "resident__full_name", "at")
    )
    number = f"{event.pk:03d}/BB-UBND"
    absent = Absence.objects.filter(event=event, undone_at__isnull=True).count()
    waiting = allocation.expected(event.commune).count()
    pdf = _document(f"Biên bản bàn giao điện thoại — {event.commune.unit.name}")
    _heading(pdf, event, number)
    if event.closed_at is None:
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(170, 0, 0)
        pdf.multi_cell(
            0,
            6,
            nfc("BẢN NHÁP — buổi trao chưa kết thúc; biên bản chính thức được lập khi kết thúc buổi trao."),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, nfc("BIÊN BẢN BÀN GIAO ĐIỆN THOẠI THÔNG MINH"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "I", 10.5)
    pdf.multi_cell(0, 6, nfc(f"Thuộc {event.programme.name}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(
        0,
        6,
        nfc(
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
    _recipients(pdf, handovers)
    pdf.ln(3)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(
        0,
        6,
        nfc(
            f"Tổng số: {len(handovers)} máy. Bên nhận đã kiểm tra máy hoạt động bình thường.\n"
            f"Vắng mặt: {absent} người (máy được trả về kho hoặc chuyển cho người tiếp theo trong danh sách). "
            f"Chưa nhận: {waiting} người (máy tiếp tục được giữ cho buổi trao sau).\n"
            "Biên bản được lập thành 02 bản, mỗi bên giữ 01 bản."
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
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, nfc("GIẤY XÁC NHẬN NHẬN ĐIỆN THOẠI"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 11.5)
    device = handover.device
    pdf.multi_cell(
        0,
        7,
        nfc(
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
