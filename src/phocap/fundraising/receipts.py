"""The certificate PDF (giấy chứng nhận ủng hộ), one page each — one certificate or a batch in one file:
Vietnamese text in Be Vietnam Pro, a font installed as a Python package (fontpkg-be-vietnam-pro), never the
system's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from phocap.core.money import format_vnd
from phocap.core.pdf import FONT, MOTTO, new_document, nfc
from phocap.core.vnwords import amount_in_words
from phocap.fundraising.models import Donation, Receipt
from phocap.programmes.models import Organisation

if TYPE_CHECKING:
    from fpdf import FPDF


def _front_name(receipt: Receipt) -> str:
    front = Organisation.objects.filter(
        kind=Organisation.Kind.FATHERLAND_FRONT, province=receipt.programme.province
    ).first()
    if front is not None:
        return front.name
    return f"Ủy ban Mặt trận Tổ quốc Việt Nam {receipt.programme.province.name}"


def render(receipt: Receipt) -> bytes:
    return render_many([receipt])


def render_many(receipts: Sequence[Receipt]) -> bytes:
    """One PDF, a certificate a page, in the order given."""
    first = receipts[0]
    title = f"Giấy chứng nhận ủng hộ số {first.label}"
    if len(receipts) > 1:
        title = f"Giấy chứng nhận ủng hộ số {first.label} – {receipts[-1].label} ({len(receipts)} giấy)"
    front = _front_name(first)
    pdf = new_document(title, margins=(20, 18, 20))
    pdf.set_author(front)
    for i, receipt in enumerate(receipts):
        if i:
            pdf.add_page()
        _page(pdf, receipt, front)
    return bytes(pdf.output())


def _page(pdf: FPDF, receipt: Receipt, front: str) -> None:
    donation: Donation = receipt.donation
    programme = receipt.programme

    def line(text: str, *, size: float = 12, style: str = "", align: str = "L", height: float = 7) -> None:
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(0, height, nfc(text), align=align, new_x="LMARGIN", new_y="NEXT")

    # heading: the Front on the left, the national motto on the right
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(80, 5.5, nfc(front.upper()), align="C")
    pdf.set_xy(105, top)
    pdf.multi_cell(85, 5.5, nfc(MOTTO[0]), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(85, 5.5, nfc(MOTTO[1]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    line("GIẤY CHỨNG NHẬN ỦNG HỘ", size=17, style="B", align="C", height=9)
    line(f"Số: {receipt.label}", size=11, align="C")
    pdf.ln(6)
    line(f"{front} chân thành cảm ơn:")
    donor = donation.donor.name if donation.donor else "Nhà hảo tâm"
    line(donor, size=14, style="B", align="C", height=9)
    pdf.ln(2)
    line(f"đã ủng hộ {programme.name}.")
    pdf.ln(2)
    if donation.channel == Donation.Channel.IN_KIND:
        model = f" ({donation.phone_model})" if donation.phone_model else ""
        line(f"Hiện vật: {donation.phones} điện thoại thông minh{model}.", style="B")
        line(f"Giá trị ước tính: {format_vnd(donation.amount)}")
    else:
        line(f"Số tiền: {format_vnd(donation.amount)}", style="B", size=13)
    line(f"Bằng chữ: {amount_in_words(donation.amount)}.", style="I")
    how = Donation.Channel(donation.channel).label
    where = f" tại {donation.collection_point.name}" if donation.collection_point else ""
    line(f"Hình thức: {how}{where}, ngày {donation.received_on:%d/%m/%Y}.")
    if donation.pledge:
        line(f"Theo cam kết mã {donation.pledge.reference}.")
    pdf.ln(10)
    place = programme.province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    issued = receipt.issued_at
    pdf.set_x(105)
    pdf.set_font(FONT, "I", 11)
    pdf.multi_cell(
        85,
        6,
        nfc(f"{place}, ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}"),
        align="C",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(85, 6, nfc("TM. BAN THƯỜNG TRỰC"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 10)
    pdf.multi_cell(85, 6, nfc("(Ký, ghi rõ họ tên, đóng dấu)"), align="C", new_x="LMARGIN", new_y="NEXT")
