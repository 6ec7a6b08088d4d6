"""Who may see and change what. Every selector and service asks here; nothing else decides scope.

`SYSTEM` is the system itself (the console operator running `phocap` without `--as`, `phocap init`, a task
started by the system): it has every right, and must be passed explicitly. `None` and anonymous users have
no rights beyond the public pages, so a forgotten actor can never widen access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from phocap.accounts.models import COMMUNE_ROLES, PROGRAMME_WIDE_ROLES, Membership, Role
from phocap.core.actors import SYSTEM

if TYPE_CHECKING:
    from phocap.programmes.models import Programme, ProgrammeCommune

Actor = Any  # User | AnonymousUser | SYSTEM | None


_CACHE = "_phocap_memberships"
NOTHING = Q(pk__in=[])


def memberships(user: Actor) -> list[Membership]:
    if user is None or user is SYSTEM or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("programme"))
        setattr(user, _CACHE, cached)
    return cached


def forget(user: Actor) -> None:
    if user is not None and hasattr(user, _CACHE):
        delattr(user, _CACHE)


def is_system_admin(user: Actor) -> bool:
    if user is SYSTEM:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or any(m.role == Role.SYSTEM_ADMIN for m in memberships(user))


def roles_in(user: Actor, programme: Programme) -> set[str]:
    return {m.role for m in memberships(user) if m.programme_id == programme.pk}


def programmes_q(user: Actor) -> Q:
    """Programmes in which the user holds any role."""
    if is_system_admin(user):
        return Q()
    ids = {m.programme_id for m in memberships(user) if m.programme_id}
    return Q(pk__in=ids) if ids else NOTHING


def communes_q(user: Actor, *, write: bool = False) -> Q:
    """Over ProgrammeCommune: the communes the user may read (or, with write=True, change)."""
    if is_system_admin(user):
        return Q()
    q = NOTHING
    for m in memberships(user):
        if m.role == Role.PROGRAMME_MANAGER or (not write and m.role in PROGRAMME_WIDE_ROLES):
            q |= Q(programme_id=m.programme_id)
        elif m.role in COMMUNE_ROLES and (not write or m.role == Role.COMMUNE_OFFICER):
            q |= Q(pk=m.commune_id)
        elif not write and m.role in (Role.DEPARTMENT_OFFICER, Role.ENTERPRISE_PARTNER):
            q |= Q(
                programme_id=m.programme_id,
                assignments__organisation_id=m.organisation_id,
                assignments__ended_at__isnull=True,
            )
    return q


def can_manage_programme(user: Actor, programme: Programme) -> bool:
    """Organisations, assignments and the programme's own settings."""
    return is_system_admin(user) or Role.PROGRAMME_MANAGER in roles_in(user, programme)


def can_write_commune(user: Actor, commune: ProgrammeCommune) -> bool:
    if is_system_admin(user):
        return True
    for m in memberships(user):
        if m.role == Role.PROGRAMME_MANAGER and m.programme_id == commune.programme_id:
            return True
        if m.role == Role.COMMUNE_OFFICER and m.commune_id == commune.pk:
            return True
    return False


def complaints_q(user: Actor) -> Q:
    """Over ProgrammeCommune: the communes whose complaints the user handles — the commune officer their commune,
    the programme manager every commune of the programme, a department officer the communes their department is
    responsible for (active assignment). Nobody else reads a complaint's text: enterprises, auditors and team
    members see the public counts."""
    if is_system_admin(user):
        return Q()
    q = NOTHING
    for m in memberships(user):
        if m.role == Role.PROGRAMME_MANAGER:
            q |= Q(programme_id=m.programme_id)
        elif m.role == Role.COMMUNE_OFFICER:
            q |= Q(pk=m.commune_id)
        elif m.role == Role.DEPARTMENT_OFFICER:
            q |= Q(
                programme_id=m.programme_id,
                assignments__organisation_id=m.organisation_id,
                assignments__role="department",
                assignments__ended_at__isnull=True,
            )
    return q


def can_view_audit(user: Actor) -> bool:
    return is_system_admin(user) or any(m.role == Role.AUDITOR for m in memberships(user))


def audit_q(user: Actor) -> Q:
    """Over AuditEvent: administrators see all; auditors the events of their programmes."""
    if is_system_admin(user):
        return Q()
    codes = {m.programme.code for m in memberships(user) if m.role == Role.AUDITOR and m.programme}
    return Q(programme_code__in=codes) if codes else NOTHING


def can_see_personal_data(user: Actor) -> bool:
    """Auditors read everything except personal data; the public never sees it."""
    if is_system_admin(user):
        return True
    return any(m.role != Role.AUDITOR for m in memberships(user))


def can_manage_geography(user: Actor) -> bool:
    return is_system_admin(user)


def can_manage_tokens(user: Actor) -> bool:
    return is_system_admin(user)


def jobs_q(user: Actor) -> Q:
    """Over BackgroundJob: administrators see all; others their own and their managed programmes' jobs."""
    if is_system_admin(user):
        return Q()
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    managed = {m.programme.code for m in memberships(user) if m.role == Role.PROGRAMME_MANAGER and m.programme}
    return Q(actor=user) | Q(programme_code__in=managed)


def can_manage_fundraising(user: Actor, programme: Programme) -> bool:
    """Record donors, pledges, donations; import statements; issue receipts."""
    if is_system_admin(user):
        return True
    return bool(roles_in(user, programme) & {Role.PROGRAMME_MANAGER, Role.FUNDRAISING_OFFICER})


def can_view_fundraising(user: Actor, programme: Programme) -> bool:
    return can_manage_fundraising(user, programme) or Role.AUDITOR in roles_in(user, programme)


def can_override_campaign_period(user: Actor, programme: Programme) -> bool:
    """Accepting a gift outside the campaign period is the provincial manager's decision, not the officer's."""
    return is_system_admin(user) or Role.PROGRAMME_MANAGER in roles_in(user, programme)


def residents_q(user: Actor) -> Q:
    """Over registry.Resident: who may see residents' personal data. Commune officers their commune, community
    digital-technology team members their village, provincial managers their programme; nobody else (auditors,
    departments and enterprises see counts, not people)."""
    if is_system_admin(user):
        return Q()
    q = NOTHING
    for m in memberships(user):
        if m.role == Role.PROGRAMME_MANAGER:
            q |= Q(programme_id=m.programme_id)
        elif m.role == Role.COMMUNE_OFFICER:
            q |= Q(commune_id=m.commune_id)
        elif m.role == Role.DIGITAL_TEAM_MEMBER:
            q |= Q(commune_id=m.commune_id, village=m.village)
    return q


def can_see_people(user: Actor, commune: ProgrammeCommune) -> bool:
    """Whether the user may see who the people of this commune are — residents and the members of its village
    teams: those `residents_q` lets see residents there. Departments, enterprises and auditors see counts."""
    if is_system_admin(user):
        return True
    return any(
        (m.role == Role.PROGRAMME_MANAGER and m.programme_id == commune.programme_id)
        or (m.role in COMMUNE_ROLES and m.commune_id == commune.pk)
        for m in memberships(user)
    )


def is_team_member(user: Actor, commune: ProgrammeCommune, village: str) -> bool:
    """The user holds the community digital-technology team role for this village of the commune."""
    return any(
        m.role == Role.DIGITAL_TEAM_MEMBER and m.commune_id == commune.pk and m.village == village
        for m in memberships(user)
    )


def can_write_residents(user: Actor, commune: ProgrammeCommune) -> bool:
    return can_write_commune(user, commune)


def can_see_sensitive(user: Actor, commune: ProgrammeCommune) -> bool:
    """Ethnicity and priority groups (disability, merit, social-policy family …) are sensitive personal data:
    for those who decide eligibility — the commune officer, the programme manager, the administrator — and not
    for community digital-technology team members, who help people use their phones."""
    return can_write_commune(user, commune)
