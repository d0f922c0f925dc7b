"""Time `pipeline import` of a CRM-shaped export (HubSpot columns, 2,500 rows by default, with the usual
mess: unmapped columns, fallback phones, amounts with currencies, a few duplicates) into a new pipeline,
beside its floor: writing the same number of files and committing them with plain git.

    python benchmarks/import_rows.py [ROWS]
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Company Name",
          "Job Title", "Lead Status", "Lifecycle Stage", "Original Source", "Create Date", "Contact owner",
          "Amount", "Industry", "Notes"]
SOURCES = ["ORGANIC_SEARCH", "REFERRALS", "PAID_SOCIAL", "EMAIL_MARKETING", "OFFLINE", "DIRECT_TRAFFIC"]
STATUSES = ["NEW", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", ""]


def write_export(path: Path, rows: int) -> None:
    rnd = random.Random(7)
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            first, last = rnd.choice(["Ann", "Bo", "Chloé", "Dev", "Eva", "Иван"]), f"Person{i}"
            w.writerow([100000 + i, first, last, f"p{i}@co{i % 900}.example", "" if i % 3 else f"+1 555 {i:04d}",
                        f"+1 555 9{i:03d}", f"Company {i % 900} Inc.", "Owner", rnd.choice(STATUSES),
                        rnd.choice(["lead", "marketingqualifiedlead", "customer"]), rnd.choice(SOURCES),
                        f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} 10:30", "Alice Smith",
                        rnd.choice(["$1,250.00", "12.5k", "TBD", "", "$3,000"]), "Retail",
                        "Called, left a voicemail" if i % 5 == 0 else ""])


def run(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main(rows: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pipeline-import-bench-"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com", "PIPELINE_TODAY": "2026-11-23"}
    export = tmp / "hubspot.csv"
    write_export(export, rows)
    pipeline = [sys.executable, "-m", "pipeline_tui"]
    subprocess.run([*pipeline, "init", str(tmp / "p")], env=env, check=True, capture_output=True)
    took = run([*pipeline, "-C", str(tmp / "p"), "import", str(export)], tmp, env)
    made = len(list((tmp / "p" / "leads").glob("*.yaml")))
    floor_repo = tmp / "floor"
    subprocess.run(["git", "init", "-q", str(floor_repo)], check=True)
    start = time.perf_counter()
    for p in (tmp / "p" / "leads").glob("*.yaml"):  # the same bytes, written and fsynced, then one commit
        target = floor_repo / p.name
        with open(target, "wb") as f:
            f.write(p.read_bytes())
            f.flush()
            os.fsync(f.fileno())
    subprocess.run(["git", "add", "-A"], cwd=floor_repo, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "floor"], cwd=floor_repo, env=env, check=True)
    floor = time.perf_counter() - start
    print(f"{rows:,} rows -> {made:,} leads: import {took:.2f} s; floor (write+fsync {made:,} files, git add, git "
          f"commit) {floor:.2f} s; ratio {took / floor:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2500)
