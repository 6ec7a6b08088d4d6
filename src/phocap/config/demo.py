"""The demo story: the Bắc Kạn 2023 programme from its launch to the end of the year, told through the same
services users call — users, the drive's money and phones, the communes' lists, a round, handovers, onboarding.
Each app writes its own part (`<app>/demo.py`); this module only puts them in order. Everything is invented."""

from __future__ import annotations

import sys

from phocap.accounts import scope
from phocap.accounts.demo import DemoUser, demo_users_create
from phocap.complaints.demo import demo_complaints_create
from phocap.fundraising.demo import demo_fundraising_create
from phocap.handover.demo import demo_distribution_create
from phocap.onboarding.demo import demo_onboarding_create
from phocap.programmes.models import Programme
from phocap.registry.dedup import dedup_run
from phocap.registry.demo import demo_residents_create

STORY = "bac-kan-2023"  # the only programme with a demo story


def demo_create(*, actor: scope.Actor, programme: Programme, say: bool = False) -> list[DemoUser]:
    """Every step says what it is doing on stderr when `say` (the demo takes a little while to prepare)."""

    def step(text: str) -> None:
        if say:
            sys.stderr.write(f"→ {text}\n")
            sys.stderr.flush()

    step("người dùng mỗi vai trò")
    users = demo_users_create(actor=actor, programme=programme)
    if programme.code != STORY:
        return users
    step("vận động: cam kết, tiền mặt tại điểm cầu, sao kê của 5 ngân hàng")
    demo_fundraising_create(actor=actor, programme=programme)
    step("danh sách người dân của 8 xã, phường (nhập từ tệp như cán bộ xã)")
    if demo_residents_create(actor=actor, programme=programme):
        step("tìm người trùng")
        dedup_run(actor=actor, programme=programme)  # the planted duplicates wait in the review queue
    step("mua và nhận điện thoại, đợt phân bổ, buổi trao máy")
    demo_distribution_create(actor=actor, programme=programme)
    step("tổ công nghệ số, hướng dẫn, theo dõi, kiểm chứng")
    demo_onboarding_create(actor=actor, programme=programme)
    step("phản ánh, kiến nghị của người dân")
    demo_complaints_create(actor=actor, programme=programme)
    return users
