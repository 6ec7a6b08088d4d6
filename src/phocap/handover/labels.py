"""Box labels for a handover event (issue #15): one per phone kept for someone — their name and village, the
phone's model and IMEI, and a QR code of the reservation — so the boxes are matched to people before the event
and picked without trial and error at the village hall. Ten to an A4 page (2 × 5, 95 × 55 mm), cut along the
lines. The QR holds only numbers (programme, reservation, IMEI), never a name."""

from __future__ import annotations

import io
from typing import Any

import segno

from phocap.core.pdf import FONT, new_document, nfc

COLUMNS, ROWS = 2, 5
WIDTH, HEIGHT = 95.0, 55.0
LEFT, TOP = 10.0, 11.0


def label_code(reservation: Any) -> str:
    """What the QR says: the programme, the reservation and the phone it keeps."""
    return f"phocap:{reservation.programme.code}:giu-may:{reservation.pk}:{reservation.device.imei}"


def render_labels(event: Any, reservations: list[Any]) -> bytes:
    pdf = new_document(f"Nhãn hộp máy — {event.commune.unit.name} {event.held_on:%d/%m/%Y}", margins=(LEFT, TOP, LEFT))
    pdf.set_auto_page_break(False)
    if not reservations:
        pdf.set_font(FONT, "", 12)
        pdf.cell(0, 10, nfc("Không còn ai chờ nhận máy ở buổi trao này."))
    for i, r in enumerate(reservations):
        slot = i % (COLUMNS * ROWS)
        if i and slot == 0:
            pdf.add_page()
        x, y = LEFT + (slot % COLUMNS) * WIDTH, TOP + (slot // COLUMNS) * HEIGHT
        pdf.set_draw_color(160, 160, 160)
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        pdf.rect(x, y, WIDTH, HEIGHT)
        pdf.set_dash_pattern()
        picture = io.BytesIO()
        segno.make(label_code(r), error="m").save(picture, kind="png", scale=6, border=1)
        picture.seek(0)
        pdf.image(picture, x=x + WIDTH - 33, y=y + 4, w=29, h=29)
        pdf.set_xy(x + 4, y + 4)
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(WIDTH - 40, 6, nfc(r.resident.full_name), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(WIDTH - 40, 5, nfc(r.resident.village or event.commune.unit.name), new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x + 4, y + 34)
        pdf.multi_cell(WIDTH - 8, 5, nfc(r.device.described), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(WIDTH - 8, 6, nfc(f"IMEI {r.device.imei}"), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(
            WIDTH - 8, 4, nfc(f"Giữ máy số {r.pk} · {event.commune.unit.name} · {event.held_on:%d/%m/%Y}"), new_x="LEFT"
        )
    return bytes(pdf.output())
