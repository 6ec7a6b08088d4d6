"""The follow-up reminder to a team member (issue #17): in the week before their village's visits fall due, one
message per member and week, with how many people are due."""

import datetime as dt

import pytest

from phocap.accounts.models import User
from phocap.notifications import planner
from phocap.onboarding import services
from tests.onboarding.test_onboarding import VILLAGE

pytestmark = pytest.mark.django_db


def test_a_team_member_is_told_how_many_visits_fall_due_this_week(handed, user, programme):
    commune = programme.communes.get(unit__code="01870")
    team = services.team_create(actor=user("xa-giaohieu"), commune=commune, village=VILLAGE)
    services.team_member_add(actor=user("xa-giaohieu"), team=team, user=user("to-cns"))
    User.objects.filter(username="to-cns").update(phone="0915000001")
    due = [d for d in planner.due(programme, dt.date(2023, 11, 14)) if d.template == "followup_due"]
    assert [(d.recipient, d.params["count"], d.params["date"]) for d in due] == [
        ("0915000001", len(handed), "17/11/2023")
    ]
    assert due[0].key == f"followup:{user('to-cns').pk}:2023-W46"
    later = [d for d in planner.due(programme, dt.date(2023, 12, 20)) if d.template == "followup_due"]
    assert later == []  # the 7-day visits are overdue by then, the 30-day ones not yet within the week
