"""Drill: copies of a SQLite database taken while another process writes to it, by `phocap backup` (the online
backup API) and by `cp` (what an operator might do), each checked with `PRAGMA integrity_check` and for the last
row the writer had committed before the copy began.

    .venv/bin/python bench/backup_drill.py [--copies 40]

Prints how many copies of each kind are sound, and the time per copy of each (the ratio: backup / cp).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path


def writer(path: str, stop: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    db = sqlite3.connect(path, timeout=20)
    db.execute("PRAGMA journal_mode=WAL")
    n = 0
    while not stop.is_set():  # a busy office: small transactions all the time (about 150 MB over the whole drill)
        with db:
            db.executemany("INSERT INTO drill (payload) VALUES (?)", [(os.urandom(128).hex(),)] * 20)
        n += 1
        time.sleep(0.005)


def sound(copy: Path, at_least: int) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as db:
            ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return ok and db.execute("SELECT COUNT(*) FROM drill").fetchone()[0] >= at_least
    except sqlite3.DatabaseError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="phocap-drill-"))
    live = work / "live.sqlite3"
    url = f"sqlite:///{live}"
    env = {**os.environ, "DATABASE_URL": url, "PHOCAP_DATA_DIR": str(work)}
    phocap = str(Path(sys.executable).with_name("phocap"))
    subprocess.run([phocap, "manage", "migrate", "--noinput"], env=env, check=True, capture_output=True)
    with closing(sqlite3.connect(live)) as db:  # closed before the writer forks: SQLite handles must not cross a fork
        db.execute("CREATE TABLE drill (id INTEGER PRIMARY KEY, payload TEXT)")
        db.commit()
    stop = multiprocessing.Event()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a killed drill still stops its writer and cleans up
    process = multiprocessing.Process(target=writer, args=(str(live), stop), daemon=True)
    process.start()
    time.sleep(1)
    results = {"backup": [0, 0.0], "cp": [0, 0.0]}
    try:
        for i in range(args.copies):
            for kind in ("backup", "cp"):
                with closing(sqlite3.connect(live, timeout=20)) as db:
                    committed = db.execute("SELECT COUNT(*) FROM drill").fetchone()[0]
                copy = work / f"{kind}-{i}.sqlite3"
                began = time.perf_counter()
                if kind == "backup":
                    subprocess.run([phocap, "backup", "--out", str(copy)], env=env, check=True, capture_output=True)
                else:
                    shutil.copyfile(live, copy)
                results[kind][1] += time.perf_counter() - began
                results[kind][0] += sound(copy, committed)
                copy.unlink()
    finally:
        stop.set()
        process.join()
        shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "copies": args.copies,
                "sound_backup": results["backup"][0],
                "sound_cp": results["cp"][0],
                "seconds_per_backup": round(results["backup"][1] / args.copies, 3),
                "seconds_per_cp": round(results["cp"][1] / args.copies, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
