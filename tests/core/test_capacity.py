"""`capacity`: every figure checked against an oracle that reads the YAML files directly (PyYAML, not the
tool's reader), buckets by `strftime("%G-W%V")` week labels instead of Monday ranges, and takes stage moves
from the stories the test wrote, not from git."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from pathlib import Path

import pytest
import yaml

from pipeline_tui.core.git.stage_history import stage_history
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.views import capacity as cap
from pipeline_tui.core.views.capacity import build_capacity
from tests.builders import Story, build

DECISION = {"qualified", "proposal", "negotiation", "won", "lost"}
CLOSED = {"won", "lost"}
HOSTILE = ["[red]boss[/red]", "\x1b[2Jevil", "Zoë 山田"]
OWNERS = ["alice", "bob", None, *HOSTILE]
TODAY = dt.date(2027, 1, 6)  # a Wednesday in 2027-W01; the week before is 2026-W53


def label(day: dt.date) -> str:
    return day.strftime("%G-W%V")


def key(lab: str) -> tuple[int, int]:
    year, week = lab.split("-W")
    return int(year), int(week)


def window(today: dt.date, weeks: int) -> list[str]:
    return [label(today - dt.timedelta(days=7 * k)) for k in range(weeks - 1, -1, -1)]


def oracle_facts(root: Path, stories: dict[str, Story]) -> list[dict]:
    """Each lead as the oracle sees it: owner, created, first_contact (YAML), decision and close (stories)."""
    out = []
    for path in sorted((root / "leads").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        story = stories[path.stem]
        fc = data.get("first_contact")
        fc_at = dt.datetime.fromisoformat(str(fc)) if fc else None
        decided, unknown = None, False
        for i, (when, stage) in enumerate(story.stages):
            if stage in DECISION:
                unknown, decided = (True, None) if i == 0 else (False, when.date())
                break
        closed = None
        last_when, last_stage = story.stages[-1]
        if last_stage in CLOSED:
            if data.get("closed"):
                closed = data["closed"]
            elif len(story.stages) > 1 and story.stages[-2][1] != last_stage:
                closed = last_when.date()
            else:
                closed = data["created"]
        out.append({"owner": data.get("owner"), "created": data["created"], "fc": fc_at.date() if fc_at else None,
                    "hours": (fc_at - story.stages[0][0]).total_seconds() / 3600 if fc_at else None,
                    "decided": decided, "unknown": unknown, "closed": closed})
    return out


def oracle_rows(facts: list[dict], today: dt.date, weeks: int) -> list[dict]:
    labels = window(today, weeks)

    def done_by(day, lab):  # noqa: ANN001, ANN202
        return day is not None and key(label(day)) <= key(lab)

    def row(group, lab):  # noqa: ANN001, ANN202
        live = [f for f in group if done_by(f["created"], lab) and not done_by(f["closed"], lab)]
        return {"in": sum(f["created"] and label(f["created"]) == lab for f in group),
                "first_contacts": sum(bool(f["fc"]) and label(f["fc"]) == lab for f in group),
                "decided": sum(bool(f["decided"]) and label(f["decided"]) == lab for f in group),
                "waiting": sum(not done_by(f["fc"], lab) for f in live),
                "undecided": sum(not f["unknown"] and not done_by(f["decided"], lab) for f in live)}

    tables = {None: {lab: row(facts, lab) for lab in labels}}
    for owner in sorted({f["owner"] for f in facts if f["owner"]}):
        group = [f for f in facts if f["owner"] == owner]
        t = {lab: row(group, lab) for lab in labels}
        if any(any(r.values()) for r in t.values()):
            tables[owner] = t
    return [{"week": lab, "owner": owner, **t[lab]} for lab in labels for owner, t in tables.items()]


def random_stories(seed: int, n: int, today: dt.date) -> list[Story]:
    rnd = random.Random(seed)
    start = dt.datetime.combine(today, dt.time(9)) - dt.timedelta(days=90)
    stories = []
    for i in range(n):
        created = start + dt.timedelta(days=rnd.randint(0, 88), hours=rnd.randint(0, 8))
        data = {"name": f"Person {i}", "source": rnd.choice(["referral", "inbound-web", "event"]),
                "created": created.date()}
        owner = rnd.choice(OWNERS)
        if owner is not None:
            data["owner"] = owner
        limit = dt.datetime.combine(today, dt.time(8))
        if rnd.random() < 0.65:
            fc = created + dt.timedelta(hours=rnd.randint(1, 400))
            if fc < limit:
                data["first_contact"] = fc.strftime("%Y-%m-%dT%H:%M")
        kind = rnd.random()
        if kind < 0.1:
            stages = [(created, "qualified")]  # came in decided: no week knows when
        elif kind < 0.15:
            stages = [(created, "lost")]  # came in closed
            if rnd.random() < 0.5:
                data["closed"] = (created + dt.timedelta(days=3)).date()
        else:
            stages = [(created, "new")]
            moment = created
            for stage in rnd.choice([[], ["contacted"], ["contacted", "qualified"], ["lost"], ["qualified", "won"],
                                     ["contacted", "proposal"]]):
                moment = moment + dt.timedelta(days=rnd.randint(1, 20), hours=1)
                if moment >= limit:
                    break
                stages.append((moment, stage))
            if stages[-1][1] in CLOSED and rnd.random() < 0.5:
                data["closed"] = stages[-1][0].date()
        stories.append(Story(f"lead-{i:03d}", data, stages))
    return stories


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("home-capacity")
    cfg = home / ".gitconfig"
    cfg.write_text("[user]\n\tname = Gen\n\temail = gen@example.com\n[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", str(cfg))
        mp.setenv("XDG_CACHE_HOME", str(home / "cache"))
        stories = random_stories(7, 90, TODAY)
        pipe = build(tmp_path_factory.mktemp("cap") / "pipe", stories)
        yield pipe, {s.lead_id: s for s in stories}


@pytest.mark.parametrize("weeks", [1, 3, 8, 14])
def test_every_figure_matches_the_oracle_across_the_year_boundary(world, weeks):
    pipe, stories = world
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, weeks)
    want = oracle_rows(oracle_facts(pipe.root, stories), TODAY, weeks)
    assert got["weeks"] == want
    labels = [r["week"] for r in got["weeks"]]
    if weeks >= 2:
        assert "2026-W53" in labels and labels[-1] == "2027-W01"
    owners = {r["owner"] for r in got["weeks"]}
    if weeks >= 8:
        assert {None, "alice", "bob", *HOSTILE} <= owners  # hostile names are owners like any other


def test_the_whole_pipeline_row_counts_leads_with_no_owner(world):
    pipe, _ = world
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, 14)
    for lab in {r["week"] for r in got["weeks"]}:
        rows = [r for r in got["weeks"] if r["week"] == lab]
        whole = next(r for r in rows if r["owner"] is None)
        for fig in cap.FIGURES:
            assert whole[fig] >= sum(r[fig] for r in rows if r["owner"] is not None)
    unowned = [x for x in pipe.leads() if not x.owner]
    assert unowned and any(r["in"] > sum(s["in"] for s in got["weeks"] if s["week"] == r["week"] and s["owner"])
                           for r in got["weeks"] if r["owner"] is None)


def test_the_warnings_match_the_oracle(world):
    pipe, stories = world
    facts = oracle_facts(pipe.root, stories)
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, 2)
    want = []
    for who, group in [("the team", facts)] + [(o, [f for f in facts if f["owner"] == o])
                                               for o in sorted({f["owner"] for f in facts if f["owner"]})]:
        rows = [r for r in oracle_rows(group, TODAY, cap.OVERLOAD_WEEKS) if r["owner"] is None]
        came, contacted = sum(r["in"] for r in rows), sum(r["first_contacts"] for r in rows)
        if sum(r["in"] > r["first_contacts"] for r in rows) >= cap.OVERLOAD_MIN_WEEKS and came > contacted:
            want.append(("inflow-exceeds-follow-up", who, came, contacted, rows[-1]["waiting"]))
        recent = set(window(TODAY, cap.SLOWER_WEEKS))
        before = set(window(TODAY, 2 * cap.SLOWER_WEEKS)) - recent
        a = [f["hours"] for f in group if f["fc"] and label(f["fc"]) in recent]
        b = [f["hours"] for f in group if f["fc"] and label(f["fc"]) in before]
        if len(a) >= cap.SLOWER_MIN_LEADS and len(b) >= cap.SLOWER_MIN_LEADS:
            ma, mb = statistics.median(a), statistics.median(b)
            if ma >= cap.SLOWER_RATIO * mb and ma - mb >= cap.SLOWER_MIN_HOURS:
                want.append(("first-contact-slower", who))
    assert [w["code"] for w in got["warnings"]] == [w[0] for w in want]
    for w, expect in zip(got["warnings"], want, strict=True):
        if expect[0] == "inflow-exceeds-follow-up":
            assert w["text"] == (f"leads come in faster than {expect[1]} contacts them: {expect[2]} in, "
                                 f"{expect[3]} first contacts over 4 weeks; {expect[4]} waiting")
        else:
            assert f"for {expect[1]}:" in w["text"]


def _steady(owner: str, per_week: list[tuple[int, int]], today: dt.date, prefix: str) -> list[Story]:
    """Leads for `owner`: in week k (of len(per_week), ending this week) n in, of which c first contacted."""
    monday = today - dt.timedelta(days=today.weekday())
    out = []
    for k, (n, c) in enumerate(per_week):
        week = monday - dt.timedelta(weeks=len(per_week) - 1 - k)
        for i in range(n):
            created = dt.datetime.combine(week, dt.time(9 + i % 5))
            data = {"name": f"{prefix} {k} {i}", "source": "referral", "created": created.date(), "owner": owner}
            if i < c:
                data["first_contact"] = (created + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
            out.append(Story(f"{prefix}-{k}-{i}", data, [(created, "new")]))
    return out


def test_inflow_warning_fires_for_the_owner_behind_and_not_for_the_one_keeping_up(tmp_path):
    today = dt.date(2026, 11, 25)  # a Wednesday: the first contacts of this week happen on Monday and Tuesday
    stories = (_steady("alice", [(5, 2), (6, 3), (4, 4), (3, 1)], today, "a")
               + _steady("bob", [(3, 3), (2, 2), (4, 4), (1, 1)], today, "b"))
    pipe = build(tmp_path / "p", stories)
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), today)
    texts = [w["text"] for w in got["warnings"] if w["code"] == "inflow-exceeds-follow-up"]
    assert texts == ["leads come in faster than the team contacts them: 28 in, 20 first contacts over 4 weeks; "
                     "8 waiting",
                     "leads come in faster than alice contacts them: 18 in, 10 first contacts over 4 weeks; 8 waiting"]
    last = [r for r in got["weeks"] if r["week"] == "2026-W48"]
    assert [(r["owner"], r["in"], r["first_contacts"], r["waiting"]) for r in last] == [
        (None, 4, 2, 8), ("alice", 3, 1, 8), ("bob", 1, 1, 0)]


def test_inflow_warning_needs_several_weeks_behind(tmp_path):
    today = dt.date(2026, 11, 25)
    pipe = build(tmp_path / "p", _steady("alice", [(5, 2), (6, 3), (4, 4), (3, 3)], today, "a"))
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), today)
    assert got["warnings"] == []  # behind in 2 of 4 weeks: not yet a trend


def _timed(owner: str, hours: list[int], week_ago: int, today: dt.date, prefix: str) -> list[Story]:
    monday = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=week_ago)
    out = []
    for i, h in enumerate(hours):
        created = dt.datetime.combine(monday, dt.time(8 + i))
        data = {"name": f"{prefix} {i}", "source": "referral", "created": created.date(), "owner": owner,
                "first_contact": (created + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M")}
        out.append(Story(f"{prefix}-{i}", data, [(created, "new")]))
    return out


@pytest.mark.parametrize("recent, fires", [([30, 40, 20], True), ([3, 2, 4], False), ([5, 6, 5], False)])
def test_first_contact_getting_slower(tmp_path, recent, fires):
    today = dt.date(2026, 11, 25)
    stories = _timed("\x1b]52;c;x\x07carol", [2, 3, 4], 6, today, "old") + _timed("\x1b]52;c;x\x07carol", recent, 2,
                                                                                   today, "new")
    pipe = build(tmp_path / "p", stories)
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), today)
    slower = [w for w in got["warnings"] if w["code"] == "first-contact-slower"]
    assert len(slower) == (2 if fires else 0)  # the team and carol
    if fires:
        assert slower[0]["text"] == ("first contact is getting slower for the team: median 30h for the 3 leads first "
                                     "contacted in the last 4 weeks, 3.0h for the 3 in the 4 weeks before")


def test_decided_counts_the_first_move_into_a_decision_stage(tmp_path):
    today = dt.date(2026, 11, 25)
    t0 = dt.datetime(2026, 11, 2, 10)
    stories = [
        Story("moved", {"name": "Moved", "source": "referral", "created": t0.date(), "owner": "alice"},
              [(t0, "new"), (t0 + dt.timedelta(days=1), "contacted"), (t0 + dt.timedelta(days=8), "qualified"),
               (t0 + dt.timedelta(days=15), "proposal")]),
        Story("dropped", {"name": "Dropped", "source": "referral", "created": t0.date()},
              [(t0, "new"), (t0 + dt.timedelta(days=9), "lost")]),
        Story("imported", {"name": "Imported", "source": "referral", "created": t0.date()}, [(t0, "qualified")]),
    ]
    pipe = build(tmp_path / "p", stories)
    got = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), today, 4)
    whole = {r["week"]: (r["decided"], r["undecided"], r["waiting"]) for r in got["weeks"] if r["owner"] is None}
    assert whole == {"2026-W45": (0, 2, 3), "2026-W46": (2, 0, 2), "2026-W47": (0, 0, 2), "2026-W48": (0, 0, 2)}


def test_no_history_and_no_leads(tmp_path):
    from pipeline_tui.core.changes.init import init_pipeline

    pipe = init_pipeline(tmp_path / "p")
    got = build_capacity([], pipe.playbook, None, TODAY)
    assert len(got["weeks"]) == 8 and got["warnings"] == []
    assert all(r["owner"] is None and not any(r[k] for k in cap.FIGURES) for r in got["weeks"])
    assert got["weeks"][-1]["week"] == "2027-W01" and got["weeks"][0]["week"] == "2026-W47"
    with pytest.raises(ValueError):
        build_capacity([], pipe.playbook, None, TODAY, 0)
    assert isinstance(Pipeline.open(pipe.root), Pipeline)
