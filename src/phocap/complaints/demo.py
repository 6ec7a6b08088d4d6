"""The demo's complaints (issue #17): two filed from the public page while Giáo Hiệu's list was posted, one
received by phone at Sông Cầu and answered, one at a meeting still waiting. Invented text, as people write."""

from __future__ import annotations

import datetime as dt

from phocap.accounts import scope
from phocap.accounts import selectors as accounts
from phocap.complaints import selectors, services
from phocap.programmes.models import Programme


def demo_complaints_create(*, actor: scope.Actor, programme: Programme) -> None:
    """Idempotent: nothing happens when the programme already has complaints."""
    manager = accounts.user_by_username("quanly")
    if selectors.complaint_list(actor=manager, programme=programme).exists():
        return
    giao_hieu = selectors.public_commune(programme, "01870")
    song_cau = selectors.public_commune(programme, "01837")
    filed = services.complaint_file(
        programme=programme,
        commune=giao_hieu,
        category="not_listed",
        text="Nhà tôi thuộc hộ cận nghèo ở thôn 2, chưa có điện thoại thông minh nhưng không thấy tên trong danh sách.",
        phone="0912 000 111",
        key="demo-1",
    )
    officer = accounts.user_by_username("xa-giaohieu")
    services.complaint_update(
        actor=officer, complaint=filed, status="acknowledged", note="Đã tiếp nhận; cán bộ thôn sẽ đến xác minh."
    )
    services.complaint_file(
        programme=programme,
        commune=giao_hieu,
        category="wrong_data",
        text="Năm sinh của mẹ tôi trong danh sách bị ghi sai (1957, đúng là 1951).",
        key="demo-2",
    )
    heard = services.complaint_record(
        actor=manager,
        programme=programme,
        commune=song_cau,
        category="broken",
        via="phone",
        received_on=dt.date(2023, 11, 20),
        text="Máy nhận ngày 17/11 không sạc được pin.",
        phone="0987 000 222",
    )
    services.complaint_update(actor=manager, complaint=heard, status="in_progress", note="Đã báo nhà cung cấp đổi máy.")
    services.complaint_update(actor=manager, complaint=heard, status="resolved", note="Đã đổi máy mới cho bà.")
    services.complaint_record(
        actor=manager,
        programme=programme,
        commune=song_cau,
        category="not_received",
        via="meeting",
        received_on=dt.date(2023, 11, 17),
        text="Hai người tổ 5 vắng buổi trao, hỏi khi nào được nhận máy.",
    )
