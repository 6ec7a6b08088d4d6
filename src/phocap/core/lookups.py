"""`field__any=[…]`: the field equals one of many values, sent to the database as one parameter (issue #18).

Django's `__in` writes a placeholder per value and prepares each value through the field: a query for 5,000
numbers' hashes is 5,000 placeholders compiled and checked every time, which was half of an import's time spent
asking what the registry already holds. Here the list is one parameter — an array on PostgreSQL (`= ANY(%s)`, which
its planner answers from an index like any equality), a JSON array on SQLite (`IN (SELECT value FROM json_each(%s))`,
the JSON1 functions built into every SQLite Python ships with). Values must be what the column stores: text,
integers (ids, years); not dates or model instances."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, self.rhs]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.rhs)]  # noqa: S608 - lhs is a column


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys keep lookups of their own: `resident_id__any=[…]`
