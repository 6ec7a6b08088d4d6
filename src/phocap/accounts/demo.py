"""Demo users for each role in the `bac-kan-2023` programme (and nothing else: later issues add donations,
residents, devices and handovers to the demo through their own services)."""

from __future__ import annotations

import dataclasses

from django.conf import settings

from phocap.accounts import scope, selectors, services
from phocap.accounts.models import Role
from phocap.core.errors import ValidationFailed
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme

DEMO_PASSWORD = "phocap-demo-2023"  # noqa: S105 - printed by `phocap demo`; refused in production


@dataclasses.dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    commune: str = ""
    organisation: str = ""
    village: str = ""


DEMO_USERS = (
    DemoUser("admin", "Quản trị hệ thống", Role.SYSTEM_ADMIN),
    DemoUser("quanly", "Nguyễn Văn Quản (Sở TT&TT)", Role.PROGRAMME_MANAGER),
    DemoUser("mttq", "Hoàng Thị Vận (MTTQ tỉnh)", Role.FUNDRAISING_OFFICER),
    DemoUser("so-tttt", "Lý Văn Sở (Sở TT&TT)", Role.DEPARTMENT_OFFICER, organisation="bk-so-tttt"),
    DemoUser("xa-songcau", "Ma Thị Cầu (Phường Sông Cầu)", Role.COMMUNE_OFFICER, commune="01837"),
    DemoUser("xa-giaohieu", "Triệu Văn Hiệu (Xã Giáo Hiệu)", Role.COMMUNE_OFFICER, commune="01870"),
    DemoUser("vnpt", "Nông Văn Viễn (VNPT Bắc Kạn)", Role.ENTERPRISE_PARTNER, organisation="vnpt-bac-kan"),
    DemoUser(
        "to-cns",
        "Hà Thị Số (Tổ công nghệ số)",
        Role.DIGITAL_TEAM_MEMBER,
        commune="01870",
        village="Thôn 1 (ví dụ)",
    ),
    DemoUser("kiemtoan", "Đặng Văn Kiểm (Thanh tra)", Role.AUDITOR),
)


def demo_users_create(*, actor: scope.Actor, programme: Programme) -> list[DemoUser]:
    """Idempotent: existing demo users are kept as they are."""
    if getattr(settings, "PRODUCTION", False):
        raise ValidationFailed("Không tạo dữ liệu demo ở chế độ production.")
    for demo in DEMO_USERS:
        user = selectors.user_find(demo.username)
        if user is None:
            user = services.user_create(
                actor=actor,
                username=demo.username,
                password=DEMO_PASSWORD,
                full_name=demo.full_name,
                superuser=demo.role == Role.SYSTEM_ADMIN,
            )
        commune = programmes.commune_get(actor=actor, programme=programme, code=demo.commune) if demo.commune else None
        organisation = (
            programmes.organisation_get(actor=actor, programme=programme, key=demo.organisation)
            if demo.organisation
            else None
        )
        services.membership_grant(
            actor=actor,
            user=user,
            role=demo.role,
            programme=None if demo.role == Role.SYSTEM_ADMIN else programme,
            commune=commune,
            organisation=organisation,
            village=demo.village,
        )
    return list(DEMO_USERS)
