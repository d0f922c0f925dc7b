"""Generate a realistic pipeline of N leads (one commit), for benchmarks and trying the UI at scale.

    python benchmarks/generate.py PATH N [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.model.lead import slugify
from pipeline_tui.core.yaml.edit import render_mapping

FIRST = ["Ann", "Bob", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Marco", "Nia"]
LAST = ["Smith", "Okafor", "Rossi", "Kim", "Novak", "Garcia", "Berg", "Tanaka", "Haddad", "Müller", "Brooks"]
COMPANY = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Soylent"]
SUFFIX = ["Corp", "Ltd", "Group", "Labs", "Foods", "Logistics", "Dental", "Hotels", "Builders"]
SOURCES = ["referral", "inbound-web", "social", "campaign", "event", "prospecting"]
STAGES = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]


def generate(root: Path, n: int, seed: int = 1, today: dt.date | None = None) -> None:
    today = today or dt.date(2026, 11, 23)
    rnd = random.Random(seed)
    pipe = init_pipeline(root)
    for i in range(n):
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        company = f"{rnd.choice(COMPANY)} {rnd.choice(SUFFIX)}"
        stage = rnd.choices(STAGES, weights=[20, 20, 15, 10, 5, 15, 15])[0]
        created = today - dt.timedelta(days=rnd.randint(0, 365))
        d = {"name": name, "company": company, "email": f"{slugify(name)}{i}@{slugify(company)}.example",
             "owner": rnd.choice(["alice", "bob", "carol", "dan"]), "source": rnd.choice(SOURCES), "stage": stage,
             "horizon": rnd.choice(["short", "short", "long"]),
             "qualification": {"interest": rnd.choice(["none", "content", "info", "call", "meeting"]),
                               "fit": rnd.choice(["unknown", "poor", "partial", "strong"])},
             "value": rnd.randint(1, 50) * 1000, "created": created}
        if stage not in ("won", "lost") and rnd.random() < 0.85:
            d["next"] = {"action": "Follow up", "due": today + dt.timedelta(days=rnd.randint(-10, 20))}
        d["tags"] = rnd.sample(["q4", "smb", "pilot", "retail"], rnd.randint(0, 2))
        d["log"] = [{"date": created, "kind": "call", "text": "First call."}]
        lead_id = f"{slugify(company + ' ' + name)}-{i:05d}"
        (pipe.leads_dir / f"{lead_id}.yaml").write_text(render_mapping(d), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", f"generated {n} leads"], cwd=root, check=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    generate(Path(args.path), args.n, args.seed)
    print(f"{args.n} leads at {args.path}", file=sys.stderr)
