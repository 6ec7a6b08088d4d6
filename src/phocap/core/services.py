"""What makes a function a service: `@service(audits=...)`.

A service is the single entry point for one user intent (`pledge_create`, `round_approve`…). The decorator

* runs it in `transaction.atomic(durable=True)` — so a service called from inside another service's transaction
  is an error the tests catch (Django's test case marks its own outer transaction, which durable blocks allow);
  a service that must read or render outside the write transaction says `atomic=False` and opens its own
  durable block around the writes;
* records the audit actions it declares, and — when `PHOCAP_CHECK_AUDITS` is on (the test settings) — refuses a
  call that wrote an audit row it did not declare, and keeps a log of what each call wrote, so a test can check
  that every service was run and every declared action was seen (tests/test_services.py).

Helpers composed by services (in the same app, or another app's helpers a service calls inside its own
transaction) are plain functions: they never open a durable block.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import connection, transaction

from phocap.core import audit
from phocap.core.actions import Action

P = ParamSpec("P")
R = TypeVar("R")


@dataclasses.dataclass(frozen=True)
class Declared:
    name: str  # module.function
    audits: frozenset[str]


REGISTRY: dict[str, Declared] = {}
CALLS: list[tuple[str, tuple[str, ...]]] = []  # (service, actions written), kept when PHOCAP_CHECK_AUDITS is on


class UndeclaredAudit(AssertionError):
    """A service wrote an audit row whose action it does not declare."""


def _refuse_nesting(name: str) -> None:
    """The durable check, for services that open their durable block later (atomic=False)."""
    blocks = getattr(connection, "atomic_blocks", [])
    if connection.in_atomic_block and blocks and not blocks[-1]._from_testcase:
        raise RuntimeError(f"{name} is a service (an entry point): it cannot run inside another transaction.")


def service(*, audits: Iterable[Action], atomic: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    declared = frozenset(Action(a).value for a in audits)

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        REGISTRY[name] = Declared(name, declared)

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            _refuse_nesting(name)
            with audit.collecting() as written:
                if atomic:
                    with transaction.atomic(durable=True):
                        result = fn(*args, **kwargs)
                else:
                    result = fn(*args, **kwargs)
            if getattr(settings, "PHOCAP_CHECK_AUDITS", False):
                undeclared = sorted(set(written) - declared)
                if undeclared:
                    raise UndeclaredAudit(f"{name} wrote {undeclared}, declares {sorted(declared)}")
                CALLS.append((name, tuple(written)))
            return result

        run.__phocap_service__ = REGISTRY[name]  # type: ignore[attr-defined]
        return run

    return wrap
