from __future__ import annotations

import datetime as dt

from ninja import Schema


class UnitRef(Schema):
    id: int
    level: str
    code: str
    name: str


class UnitOut(Schema):
    id: int
    level: str
    code: str
    name: str
    kind: str
    parent: UnitRef | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class SuccessionOut(Schema):
    successor: UnitRef
    effective_date: dt.date
    partial: bool
