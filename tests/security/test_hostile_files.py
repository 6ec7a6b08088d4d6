"""Hostile spreadsheets meet every importer through `core.spreadsheets.read_rows`. Each is read in a child process
limited to 1 GiB of address space and 20 s: before the size check, the first file made calamine ask for 512 GiB
and the process abort (SIGABRT), taking a worker with it. Now each is refused with a Vietnamese message, in
bounded time and memory, or — if it is merely ugly — read."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.security.hostile import READ, REFUSED, catalogue

CHILD = """
import json, sys, time
import django
django.setup()
from phocap.core.errors import DomainError
from phocap.core.spreadsheets import read_rows
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
try:
    rows = read_rows(data, sys.argv[2])
    outcome = {"outcome": "read", "rows": len(rows)}
except DomainError as exc:
    outcome = {"outcome": "refused", "message": exc.message, "status": exc.status}
outcome["seconds"] = time.perf_counter() - started
print(json.dumps(outcome, ensure_ascii=False))
"""
FILES = catalogue()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize(("name", "data", "expected"), FILES, ids=[f[0] for f in FILES])
def test_a_hostile_spreadsheet_is_refused_in_bounded_time_and_memory(tmp_path: Path, name, data, expected):
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        env={"DJANGO_SETTINGS_MODULE": "phocap.config.test_settings", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert child.returncode == 0, f"{name}: the reader died ({child.returncode}): {child.stderr[-600:]}"
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["outcome"] == expected, result
    assert time.perf_counter() - started < 20
    if expected == REFUSED:
        assert result["status"] in (413, 422)
        assert result["seconds"] < 3, result  # refused before any rectangle was built
        assert any(word in result["message"] for word in ("Tệp", "Bảng tính", "tệp")), result
    if expected == READ:
        assert result["rows"] >= 0


def test_the_catalogue_tries_both_kinds():
    outcomes = [f[2] for f in FILES]
    assert outcomes.count(REFUSED) >= 20
    assert outcomes.count(READ) >= 3
