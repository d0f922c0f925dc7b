"""`costs`: every figure checked against an oracle computed here straight from the YAML files (PyYAML, the
qualification rule written out by hand), not from the code's own parse; bad `spend:` entries are problems at
their line; the playbook cache keeps `spend`."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
import yaml

from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.playbook_file import load_playbook
from pipeline_tui.core.views.checks import check_pipeline
from pipeline_tui.core.views.costs import Period, build_costs, parse_period
from pipeline_tui.core.views.report import build_report
from tests.builders import write_leads
from tests.conftest import TODAY

SOURCES = ["referral", "inbound-web", "social", "campaign", "event", "prospecting"]
STAGES = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]
POINTS = {"interest": {"none": 0, "content": 1, "info": 2, "call": 3, "meeting": 4},
          "authority": {"unknown": 0, "gatherer": 1, "influencer": 2, "decision-maker": 3},
          "fit": {"unknown": 0, "poor": -2, "partial": 1, "strong": 3}}
SPEND_TEXT = """
spend:
  campaign: {2026-03: 1200, "2026-04": 900.5, 2026-06: 0}
  event:
    2026-02: 4000
    "2026-05": 250.25
  social: {2026-07: 700}
  prospecting: {2026-01: 10}
"""
PERIODS = [(None, None), ("2026-03", None), (None, "2026-04"), ("2026-03", "2026-05"), ("2026-05", "2026-05"),
           ("2027-01", "2027-12"), ("2026-02", "2026-07")]


def generate(pipe, n: int, seed: int) -> None:  # noqa: ANN001
    rnd = random.Random(seed)
    leads = {}
    for i in range(n):
        q = {"interest": rnd.choice(list(POINTS["interest"])), "authority": rnd.choice(list(POINTS["authority"])),
             "fit": rnd.choice(list(POINTS["fit"]))}
        if rnd.random() < 0.5:
            q["pain"] = "Loses orders"
        data = {"name": f"Person {i}", "source": rnd.choice(SOURCES),
                "created": dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randint(0, 240)),
                "stage": rnd.choice(STAGES), "qualification": q}
        r = rnd.random()
        if r < 0.6:
            data["value"] = rnd.randint(1, 50) * 1000
        elif r < 0.8:
            data["value"] = round(rnd.uniform(100, 9000), 2)
        leads[f"lead-{i:03d}"] = data
    leads["no-date"] = {"name": "No Date", "source": "campaign", "stage": "won", "value": 5}
    leads["unknown-src"] = {"name": "Unknown", "source": "webinar", "created": dt.date(2026, 3, 9), "stage": "won",
                            "value": 100}
    write_leads(pipe, leads)
    path = pipe.root / "pipeline.yaml"
    path.write_text(path.read_text() + SPEND_TEXT)


def month(day) -> str | None:  # noqa: ANN001
    if isinstance(day, dt.datetime):
        day = day.date()
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return None if not isinstance(day, dt.date) else day.strftime("%Y-%m")


def sql(data: dict) -> bool:
    q = data.get("qualification") or {}
    total = sum(POINTS[c].get(q.get(c), 0) for c in POINTS) + (2 if isinstance(q.get("pain"), str) else 0)
    return POINTS["interest"].get(q.get("interest"), 0) >= 2 and total >= 7  # min_interest info, min_grade B


def oracle(root: Path, start: str | None, end: str | None) -> dict:
    """The costs per source, from the files alone."""
    def inside(m):  # noqa: ANN001, ANN202
        return m is not None and (start is None or m >= start) and (end is None or m <= end)

    spend_conf = yaml.safe_load((root / "pipeline.yaml").read_text())["spend"]
    spend = {s: sum(v for m, v in months.items() if inside(str(m))) for s, months in spend_conf.items()}
    rows: dict[str, dict] = {}
    for path in sorted((root / "leads").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if not inside(month(data.get("created"))):
            continue
        row = rows.setdefault(data["source"], {"leads": 0, "sql": 0, "won": 0, "value": 0})
        row["leads"] += 1
        row["sql"] += sql(data)
        if data["stage"] == "won":
            row["won"] += 1
            row["value"] += data.get("value") or 0
    out = {}
    for name in set(rows) | {s for s, v in spend.items() if v}:
        r = rows.get(name, {"leads": 0, "sql": 0, "won": 0, "value": 0})
        s = spend.get(name, 0)
        out[name] = {"spend": s, "leads": r["leads"], "sales_qualified": r["sql"], "won": r["won"],
                     "won_value": r["value"],
                     "cost_per_lead": s / r["leads"] if r["leads"] else None,
                     "cost_per_sql": s / r["sql"] if r["sql"] else None,
                     "cost_per_win": s / r["won"] if r["won"] else None,
                     "return": r["value"] / s if s else None}
    return out


def close(a, b, rel: float = 1e-3) -> bool:  # noqa: ANN001
    return a is None if b is None else (a is not None and a == pytest.approx(b, rel=rel, abs=0.01))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_matches_the_files(pipe, seed):
    generate(pipe, 120, seed)
    p = Pipeline.open(pipe.root)
    assert not [x for x in p.playbook.problems if "spend" in x.message]
    for start, end in PERIODS:
        result = build_costs(p.leads(), p.playbook, parse_period(start, end))
        expect = oracle(pipe.root, start, end)
        got = {row["source"]: row for row in result["sources"]}
        assert set(got) == set(expect), (start, end)
        for name, exp in expect.items():
            for key, value in exp.items():
                assert close(got[name][key], value), (start, end, name, key, got[name][key], value)
        total = result["total"]
        for key in ("spend", "leads", "sales_qualified", "won", "won_value"):
            assert close(total[key], sum(e[key] for e in expect.values())), key
        s, n = total["spend"], total["leads"]
        assert close(total["cost_per_lead"], s / n if n else None)
        assert close(total["return"], total["won_value"] / s if s else None)
        order = [row["source"] for row in result["sources"]]
        assert order == [x for x in SOURCES if x in got] + sorted(x for x in got if x not in SOURCES)
        flagged = {w["source"]: w["code"] for w in result["warnings"]}
        assert flagged == {name: ("spend-no-leads" if not e["leads"] else "spend-no-wins")
                           for name, e in expect.items() if e["spend"] and not e["won"]}
        assert all(w["message"] for w in result["warnings"])


def test_no_period_agrees_with_the_report(pipe):
    generate(pipe, 80, 7)
    p = Pipeline.open(pipe.root)
    leads = [x for x in p.leads() if x.id != "no-date"]  # costs counts a lead in the month it came in
    costs = {row["source"]: row for row in build_costs(leads, p.playbook)["sources"]}
    report = build_report(leads, p.playbook)["sources"]
    for name, fig in report.items():
        assert (costs[name]["leads"], costs[name]["sales_qualified"], costs[name]["won"]) == (
            fig["leads"], fig["qualified"], fig["won"])


def test_quoted_and_unquoted_months_and_nulls(pipe):
    path = pipe.root / "pipeline.yaml"
    path.write_text(path.read_text() + 'spend:\n  campaign: {2026-10: 1200, "2026-11": 900}\n  event: {2026-09: 4000}\n')
    write_leads(pipe, {"a": {"name": "A", "source": "campaign", "created": dt.date(2026, 10, 3), "stage": "won",
                             "value": 6000}})
    p = Pipeline.open(pipe.root)
    assert p.playbook.spend == {"campaign": {"2026-10": 1200, "2026-11": 900}, "event": {"2026-09": 4000}}
    rows = {r["source"]: r for r in build_costs(p.leads(), p.playbook)["sources"]}
    assert rows["campaign"] == {"source": "campaign", "spend": 2100, "leads": 1, "sales_qualified": 0, "won": 1,
                                "won_value": 6000, "won_without_value": 0, "cost_per_lead": 2100.0,
                                "cost_per_sql": None, "cost_per_win": 2100.0, "return": round(6000 / 2100, 4)}
    assert rows["event"]["leads"] == 0 and rows["event"]["cost_per_lead"] is None and rows["event"]["return"] == 0
    result = build_costs(p.leads(), p.playbook, Period("2026-11", "2026-11"))
    assert [(r["source"], r["spend"], r["leads"]) for r in result["sources"]] == [("campaign", 900, 0)]
    assert [w["code"] for w in result["warnings"]] == ["spend-no-leads"]


@pytest.mark.parametrize(("start", "end"), [("2026-1", None), (None, "2026-13"), ("2026-10-01", None),
                                            ("x", None), ("2026-11", "2026-10")])
def test_a_bad_period_is_refused(start, end):
    with pytest.raises(ValueError):
        parse_period(start, end)


BAD = """spend:
  campaign:
    2026-10: 100
    2026-13: 5
    2026-10-01: 7
    2026-11: -4
    2026-12: lots
    2027-01: .nan
  nosuch: {2026-10: 1}
  event: 300
  social: {"2026-02": 50}
"""


def test_bad_spend_entries_are_problems_at_their_line(pipe):
    path = pipe.root / "pipeline.yaml"
    base = path.read_text()
    path.write_text(base + BAD)
    first = base.count("\n") + 1  # the line of `spend:`
    problems = [p for p in check_pipeline(Pipeline.open(pipe.root), today=TODAY) if "spend" in p.message]
    lines = sorted((p.line - first, p.message.split(":")[0]) for p in problems)
    assert lines == [(3, "spend.campaign"), (4, "spend.campaign"), (5, "spend.campaign.2026-11"),
                     (6, "spend.campaign.2026-12"), (7, "spend.campaign.2027-01"), (8, "spend"), (9, "spend.event")]
    assert all(p.path == "pipeline.yaml" and p.severity == "error" for p in problems)
    pb = load_playbook(pipe.root)
    assert pb.spend == {"campaign": {"2026-10": 100}, "social": {"2026-02": 50}}  # the good entries kept
    path.write_text(base + "spend: [1, 2]\n")
    pb = load_playbook(pipe.root)
    assert pb.spend == {} and any(p.message.startswith("spend must be a mapping") for p in pb.problems)


def test_hostile_source_names_in_spend_are_shown_escaped(pipe):
    path = pipe.root / "pipeline.yaml"
    path.write_text(path.read_text() + 'spend:\n  "evil\\x1b[31m": {2026-10: 1}\n  campaign: {"2026-10\\u202e": 2}\n')
    pb = load_playbook(pipe.root)
    spend_problems = [p for p in pb.problems if "is not a" in p.message]  # besides the "holds" ones
    assert len(spend_problems) == 2 and pb.spend == {"campaign": {}}
    assert not any(ch in p.message for p in pb.problems for ch in ("\x1b", "\u202e"))


def test_the_playbook_cache_keeps_spend(pipe):
    from pipeline_tui.core.model.playbook_file import (
        _cached_playbook,
        _playbook_from_plain,
        _playbook_to_plain,
    )
    from pipeline_tui.core.storage.cache import decode_plain, encode_plain

    path = pipe.root / "pipeline.yaml"
    path.write_text(path.read_text() + SPEND_TEXT)
    fresh = load_playbook(pipe.root)
    assert fresh.spend["campaign"] == {"2026-03": 1200, "2026-04": 900.5, "2026-06": 0}
    cached = _cached_playbook(pipe.root, fresh.signature)
    assert cached is not None and cached == fresh and cached.spend == fresh.spend
    assert [type(v) for v in cached.spend["campaign"].values()] == [int, float, int]
    assert load_playbook(pipe.root) == fresh
    plain = _playbook_to_plain(fresh)
    assert _playbook_from_plain(decode_plain(encode_plain(plain))) == fresh
    for bad in ([], {"campaign": []}, {"campaign": {"2026-01": "1"}}, {1: {}}, {"campaign": {"2026-01": None}}):
        assert _playbook_from_plain({**plain, "spend": bad}) is None, bad
