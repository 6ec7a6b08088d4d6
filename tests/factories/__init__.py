"""factory_boy factories that build state through the real services (with their checks and audit rows),
as a user of phocap would — never by writing models directly."""

from __future__ import annotations

from typing import Any

import factory

from phocap.accounts.models import Membership, User
from phocap.core.actors import SYSTEM
from phocap.programmes.models import Organisation


class ServiceFactory(factory.Factory):
    """Subclasses name the service; `actor` defaults to the system."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        actor = kwargs.pop("actor", SYSTEM)
        return cls.service(actor=actor, **kwargs)  # type: ignore[attr-defined]

    @classmethod
    def service(cls, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} names no service")


class UserFactory(ServiceFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"nguoi-dung-{n}")
    password = "mat-khau-thu-nghiem-2023"
    full_name = factory.Sequence(lambda n: f"Người dùng thử {n}")

    @classmethod
    def service(cls, **kwargs: Any) -> User:
        from phocap.accounts.services import user_create

        return user_create(**kwargs)


class MembershipFactory(ServiceFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "commune_officer"

    @classmethod
    def service(cls, **kwargs: Any) -> Membership:
        from phocap.accounts.services import membership_grant

        return membership_grant(**kwargs)


class OrganisationFactory(ServiceFactory):
    class Meta:
        model = Organisation

    key = factory.Sequence(lambda n: f"to-chuc-{n}")
    name = factory.Sequence(lambda n: f"Công ty thử nghiệm {n}")
    kind = "enterprise"

    @classmethod
    def service(cls, **kwargs: Any) -> Organisation:
        from phocap.programmes.services import organisation_create

        return organisation_create(**kwargs)
