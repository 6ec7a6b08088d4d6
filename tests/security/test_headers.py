"""Every page carries a Content-Security-Policy that allows only phocap's own files (and no page needs more: no
inline script, handler or style attribute in any template) and a Permissions-Policy; a receipt is numbered only
by a POST, so a crawler following links numbers nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from phocap.fundraising.models import Donation, Receipt

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "phocap"
P = "/p/bac-kan-2023/quyen-gop"


@pytest.mark.parametrize("path", ["/", "/cong-khai/bac-kan-2023/", "/accounts/login/", "/api/v1/docs"])
def test_pages_forbid_what_is_not_phocaps_own(path):
    answer = Client().get(path)
    policy = answer["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "camera=(self)" in answer["Permissions-Policy"]


def test_no_template_has_inline_script_handlers_or_style_attributes():
    found = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            r"<style\b",
            r"javascript:",
        ):
            found += [f"{template.relative_to(SRC)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert found == []


def test_opening_receipt_links_numbers_nothing_and_the_button_numbers_one(login):
    client = login("mttq")
    page = client.get(f"{P}/ung-ho/").content.decode()
    without = Donation.objects.filter(programme__code="bac-kan-2023", receipt__isnull=True, reversed_at__isnull=True)
    before = Receipt.objects.count()
    for donation in without[:5]:
        assert client.get(f"{P}/ung-ho/{donation.pk}/giay-chung-nhan.pdf").status_code == 302  # to the list
    assert Receipt.objects.count() == before
    assert "Cấp giấy chứng nhận" in page
    donation = without.first()
    issued = client.post(f"{P}/ung-ho/{donation.pk}/giay-chung-nhan.pdf")
    again = client.post(f"{P}/ung-ho/{donation.pk}/giay-chung-nhan.pdf")  # a double tap
    assert Receipt.objects.count() == before + 1
    assert issued["Location"] == again["Location"]
    assert client.get(issued["Location"]).content.startswith(b"%PDF")
