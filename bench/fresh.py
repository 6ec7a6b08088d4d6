"""What every benchmark does: run its own `--child` half in a fresh database — a new SQLite file in a temporary
data directory, or the empty database `--database-url` names — and hand back the one JSON line it printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def run_child(script: str, args: list[str], database_url: str | None, **env: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        environment = {
            **os.environ,
            "PHOCAP_DATA_DIR": tmp,
            "PHOCAP_DEBUG": "false",
            "DATABASE_URL": database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            **env,
        }
        proc = subprocess.run(
            [sys.executable, script, "--child", *args], env=environment, capture_output=True, text=True, check=False
        )
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            raise SystemExit(proc.returncode)
        return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
