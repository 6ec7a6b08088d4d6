"""The posted list (danh sách niêm yết) as PDF in the administrative layout: one page (or more) per village, with
the posting period and how to object. Names, birth years, villages, priority groups and ranks only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phocap.allocation.engine import GROUPS
from phocap.allocation.models import Placement, Posting
from phocap.core.pdf import FONT, MOTTO, new_document, nfc, place_and_date

if TYPE_CHECKING:
    from fpdf import FPDF

WIDTHS = (12, 62, 20, 40, 18, 22)
HEADERS = ("TT", "Họ và tên", "Năm sinh", "Thôn/bản", "Nhóm", "Kết quả")


def _heading(pdf: FPDF, posting: Posting, village: str) -> None:
    commune = posting.commune.unit.name
    top = pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(78, 5, nfc(f"ỦY BAN NHÂN DÂN\n{commune.upper()}"), align="C")
    pdf.set_xy(98, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(94, 5, nfc(f"{MOTTO[0]}\n{MOTTO[1]}"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 10)
    pdf.multi_cell(94, 6, nfc(place_and_date(commune, posting.starts_on)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, nfc("DANH SÁCH NIÊM YẾT CÔNG KHAI"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10.5)
    lines = (
        f"Người được hỗ trợ điện thoại thông minh — {posting.round.programme.name}",
        f"Đợt phân bổ số {posting.round_id}; {village or 'không ghi thôn/bản'}, {commune}",
        f"Thời gian niêm yết: từ ngày {posting.starts_on:%d/%m/%Y} đến hết ngày {posting.ends_on:%d/%m/%Y}",
    )
    pdf.multi_cell(0, 5.5, nfc("\n".join(lines)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(pdf: FPDF, rows: list[Placement]) -> None:
    pdf.set_font(FONT, "B", 9.5)
    for w, title in zip(WIDTHS, HEADERS, strict=True):
        pdf.cell(w, 8, nfc(title), border=1, align="C")
    pdf.ln()
    pdf.set_font(FONT, "", 9.5)
    for p in rows:
        cells = (
            str(p.rank),
            p.resident.full_name,
            str(p.resident.birth_year),
            p.resident.village,
            str(p.group),
            "Được nhận" if p.selected else "Chờ đợt sau",
        )
        for w, text in zip(WIDTHS, cells, strict=True):
            pdf.cell(w, 7, nfc(text)[:42], border=1, align="L" if w >= 40 else "C")
        pdf.ln()


def _footer(pdf: FPDF, posting: Posting) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "", 9)
    groups = "; ".join(f"nhóm {n}: {g.name}" for n, g in GROUPS.items())
    text = (
        f"Thứ tự (TT) là thứ tự ưu tiên trong xã theo chính sách đã công bố ({groups}), cùng nhóm thì theo số "
        f"gieo công khai của đợt.\nAi thấy danh sách chưa đúng (thiếu người đủ điều kiện, có người không đúng đối "
        f"tượng, sai thông tin) xin phản ánh đến hết ngày {posting.ends_on:%d/%m/%Y}: trực tiếp với cán bộ UBND "
        f"{posting.commune.unit.name}, hoặc trên trang công khai của chương trình (mục Phản ánh). Người dân tra cứu "
        "tên mình bằng số định danh cá nhân và năm sinh trên trang công khai."
    )
    pdf.multi_cell(0, 4.8, nfc(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 10.5)
    pdf.set_x(105)
    pdf.multi_cell(87, 6, nfc("TM. ỦY BAN NHÂN DÂN\n(Ký, ghi rõ họ tên, đóng dấu)"), align="C")


def render(posting: Posting, villages: list[tuple[str, list[Placement]]]) -> bytes:
    pdf = new_document(f"Danh sách niêm yết — {posting.commune.unit.name}", margins=(18, 14, 18), bottom=16)
    for i, (village, rows) in enumerate(villages):
        if i:
            pdf.add_page()
        _heading(pdf, posting, village)
        _table(pdf, rows)
        _footer(pdf, posting)
    return bytes(pdf.output())
