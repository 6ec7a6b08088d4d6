"""Writes for programmes, their communes, organisations and assignments. One transaction and one audit row
per write; permission and scope checked here, whatever the interface."""

from phocap.programmes.services.communes import commune_update_figures
from phocap.programmes.services.define import DEFINE_AUDITS, programme_define, programme_init
from phocap.programmes.services.organisations import (
    assignment_create,
    assignment_end,
    organisation_create,
    organisation_update,
)

__all__ = [
    "DEFINE_AUDITS",
    "assignment_create",
    "assignment_end",
    "commune_update_figures",
    "organisation_create",
    "organisation_update",
    "programme_define",
    "programme_init",
]
