"""`report`: every figure checked against counts kept while generating the pipeline, not the code's own output.

The generator records, for each lead it writes, what it chose (source, qualified or not, outcome, cycle,
hours to first contact, the stages it passed); the expected figures are computed from that record.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest

from pipeline_tui.core.git.stage_history import stage_history
from pipeline_tui.core.views.report import build_report
from tests.builders import Story, build

SOURCES = ["referral", "inbound-web", "social", "campaign", "event", "prospecting"]
LADDER = ["new", "contacted", "qualified", "proposal", "negotiation"]
BASE = dt.datetime(2026, 3, 2, 9, 0)
SQL_Q = {"interest": "meeting", "authority": "decision-maker", "fit": "strong", "pain": "Loses orders"}  # 12 points
MQL_Q = {"interest": "content"}  # 1 point: grade D, marketing-qualified


def generate(root, n: int, seed: int, learn_source: str | None = None):  # noqa: ANN001, ANN201
    """A pipeline of n leads and the record of what was generated."""
    rnd = random.Random(seed)
    record = []
    stories = []
    for i in range(n):
        source = learn_source if learn_source and i < 12 else rnd.choice(SOURCES)
        created = BASE + dt.timedelta(days=5 * rnd.randint(0, 30))
        sql = rnd.random() < 0.3
        data = {"name": f"Person {i}", "company": f"Company {i}", "source": source, "created": created.date(),
                "qualification": dict(SQL_Q if sql else MQL_Q)}
        hours = None
        if rnd.random() < 0.7:
            hours = rnd.randint(1, 72)
            data["first_contact"] = (created + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
        r = rnd.random()
        outcome = "won" if r < 0.3 else "lost" if r < 0.5 else "open"
        if learn_source and i < 12:
            outcome = "won" if i < 9 else "lost"  # 12 closed leads of one source: 75% won
        top = rnd.randint(0, len(LADDER) - 1)
        cycle = 5 * rnd.randint(2, 24) if outcome == "won" else None
        # stages: one step every 5 days from creation, up to `top`; then won or lost
        stages = [(created + dt.timedelta(days=5 * j), LADDER[j]) for j in range(top + 1)]
        if outcome != "open":
            end = created + dt.timedelta(days=cycle if cycle else 5 * (top + 1), hours=6)
            if stages[-1][0] >= end:
                stages = [s for s in stages if s[0] < end]
            stages.append((end, outcome))
            if rnd.random() < 0.5:  # half carry `closed:`, half leave the close date to git history
                data["closed"] = end.date()
        reached = len(LADDER) + 1 if outcome == "won" else max(j for j, (_, s) in enumerate(stages) if s in LADDER) + 1
        stories.append(Story(f"lead-{i:03d}", data, stages))
        record.append({"source": source, "sql": sql, "outcome": outcome, "cycle": cycle, "hours": hours,
                       "reached": reached, "final": stages[-1][1]})
    return build(root, stories), record


def expected_by_source(record: list[dict]) -> dict:
    out = {}
    for source in SOURCES:
        rows = [r for r in record if r["source"] == source]
        if not rows:
            continue
        won = sum(r["outcome"] == "won" for r in rows)
        lost = sum(r["outcome"] == "lost" for r in rows)
        cycles = [r["cycle"] for r in rows if r["outcome"] == "won"]
        hours = [r["hours"] for r in rows if r["hours"] is not None]
        out[source] = {
            "leads": len(rows),
            "qualified_rate": sum(r["sql"] for r in rows) / len(rows),
            "win_rate": won / (won + lost) if won + lost else None,
            "median_cycle_days": statistics.median(cycles) if cycles else None,
            "median_first_contact_hours": statistics.median(hours) if hours else None,
        }
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    home = tmp_path_factory.mktemp("home-report")
    cfg = home / ".gitconfig"
    cfg.write_text("[user]\n\tname = Gen\n\temail = gen@example.com\n[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as mp:  # module scope: the per-test isolated HOME is not set up yet
        mp.setenv("GIT_CONFIG_GLOBAL", str(cfg))
        mp.setenv("XDG_CACHE_HOME", str(home / "cache"))
        yield generate(tmp_path_factory.mktemp("gen") / "pipe", 160, seed=11, learn_source="referral")


def approx(x):  # noqa: ANN001, ANN201
    return None if x is None else pytest.approx(x, abs=1e-3)


def test_report_by_source_matches_the_generated_record(generated):
    pipe, record = generated
    report = build_report(pipe.leads(), pipe.playbook, stage_history(pipe.root))
    want = expected_by_source(record)
    assert set(report["sources"]) == set(want)
    for source, figures in want.items():
        got = report["sources"][source]
        for key, value in figures.items():
            assert got[key] == approx(value), (source, key)
    assert report["totals"]["leads"] == len(record)
    assert report["totals"]["won"] == sum(r["outcome"] == "won" for r in record)


def test_funnel_counts_how_far_each_lead_got(generated):
    pipe, record = generated
    report = build_report(pipe.leads(), pipe.playbook, stage_history(pipe.root))
    rows = {r["stage"]: r for r in report["funnel"]}
    for i, stage in enumerate(LADDER + ["won"]):
        assert rows[stage]["reached"] == sum(r["reached"] > i for r in record), stage
    assert rows["lost"]["reached"] == sum(r["outcome"] == "lost" for r in record)
    for stage in LADDER:
        assert rows[stage]["now"] == sum(r["final"] == stage for r in record)


def test_expectations_switch_from_playbook_to_learned(generated):
    pipe, record = generated
    report = build_report(pipe.leads(), pipe.playbook, stage_history(pipe.root))
    exp = report["expectations"]
    referral = [r for r in record if r["source"] == "referral"]
    closed = [r for r in referral if r["outcome"] != "open"]
    assert len(closed) >= 10 and exp["referral"]["basis"] == "learned"
    won = [r for r in closed if r["outcome"] == "won"]
    assert exp["referral"]["close_rate"] == approx(len(won) / len(closed))
    assert exp["referral"]["cycle_days"] == approx(statistics.median(r["cycle"] for r in won))
    for source in SOURCES:
        n_closed = sum(r["outcome"] != "open" for r in record if r["source"] == source)
        assert exp[source]["closed"] == n_closed
        if n_closed < 10:
            assert exp[source]["basis"] == "playbook"
            assert exp[source]["close_rate"] == pipe.playbook.sources[source].close_rate


def test_qualifier_pass_rates(generated):
    pipe, record = generated
    report = build_report(pipe.leads(), pipe.playbook, stage_history(pipe.root))
    q = report["qualifiers"]
    n_sql = sum(r["sql"] for r in record)
    assert q["interest"]["meeting"] == {"leads": n_sql, "qualified_rate": 1.0}
    assert q["interest"]["content"] == {"leads": len(record) - n_sql, "qualified_rate": 0.0}
    assert q["pain"]["stated"]["leads"] == n_sql


def test_report_cli_json_shape_and_text(generated, run):
    pipe, record = generated
    res = run("-C", str(pipe.root), "report", "--json")
    assert res.code == 0, res
    import json

    data = json.loads(res.out)
    for fig in data["sources"].values():
        assert set(fig) >= {"leads", "qualified_rate", "win_rate", "median_cycle_days", "median_first_contact_hours"}
    text = run("-C", str(pipe.root), "report")
    assert text.code == 0 and "referral" in text.out and "(learned)" in text.out and "funnel" in text.out


def test_report_on_an_empty_pipeline(pipe, run):
    res = run("-C", str(pipe.root), "report", "--json")
    assert res.code == 0, res
    import json

    data = json.loads(res.out)
    assert data["sources"] == {} and data["totals"]["leads"] == 0 and data["totals"]["win_rate"] is None


def test_first_contact_hours_count_from_the_add_commit_not_midnight(tmp_path):
    created = dt.datetime(2026, 6, 1, 17, 0)
    story = Story("late-request", {"name": "Late", "source": "inbound-web", "created": created.date(),
                                   "first_contact": "2026-06-02T09:00"}, [(created, "new")])
    pipe = build(tmp_path / "p", [story])
    lead = pipe.read("late-request")
    report = build_report([lead], pipe.playbook, stage_history(pipe.root))
    assert report["sources"]["inbound-web"]["median_first_contact_hours"] == 16.0
    # without history the day's start is all we know
    assert build_report([lead], pipe.playbook, None)["sources"]["inbound-web"]["median_first_contact_hours"] == 33.0

