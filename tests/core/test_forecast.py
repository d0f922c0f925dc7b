"""`forecast`: every figure checked against an oracle computed here from the stories the pipeline was built
from (their fields and dated stages), never from the code's own Lead objects or helpers."""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest

from pipeline_tui.core.git.stage_history import stage_history
from pipeline_tui.core.model.playbook_file import load_playbook
from pipeline_tui.core.views.forecast import MIN_CLOSED_TO_LEARN, build_forecast
from tests.builders import Story, build

TODAY = dt.date(2026, 11, 23)
LADDER = ["new", "contacted", "qualified", "proposal", "negotiation"]
PROB = {"new": 0.05, "contacted": 0.1, "qualified": 0.2, "proposal": 0.5, "negotiation": 0.8}
COMMITTED = {"proposal", "negotiation"}
CYCLE = {"referral": 30, "web": 45, "event": 75, "cold": None}  # cold: no cycle_days, so "later"
LEARN_AFTER = 3
HOSTILE = "Eve \x1b[31mred\x1b[0m \u202eevil\u202c [b]x[/b] 🦜 %s {0}"
PLAYBOOK = f"""\
stages:
  new:         {{limit_days: 2, probability: {PROB['new']}}}
  contacted:   {{limit_days: 7, probability: {PROB['contacted']}}}
  qualified:   {{limit_days: 14, probability: {PROB['qualified']}}}
  proposal:    {{limit_days: 14, probability: {PROB['proposal']}, committed: true}}
  negotiation: {{limit_days: 21, probability: {PROB['negotiation']}, committed: true}}
  won:         {{closed: true, won: true}}
  lost:        {{closed: true}}
sources:
  referral: {{group: referrals, origin: buyer, close_rate: 0.5, cycle_days: {CYCLE['referral']}}}
  web:      {{group: lead-generation, origin: buyer, close_rate: 0.3, cycle_days: {CYCLE['web']}}}
  event:    {{group: events, origin: seller, close_rate: 0.2, cycle_days: {CYCLE['event']}}}
  cold:     {{group: prospecting, origin: seller}}
learn_after_closed: {LEARN_AFTER}
"""
BASE = dt.datetime(2026, 6, 1, 10, 0)


def generate(seed: int) -> list[Story]:
    """3 won leads (so the last stages stay below the learning minimum), lost leads that got to various
    stages, and open leads with and without values, expected_close dates and owners."""
    rnd = random.Random(seed)
    stories = []
    for i in range(3):  # won, all referral: referral's cycle is learned (3 closed >= learn_after_closed)
        created = BASE + dt.timedelta(days=3 * i)
        stages = [(created + dt.timedelta(days=4 * j, hours=i), s) for j, s in enumerate(LADDER)]
        end = created + dt.timedelta(days=20 + 7 * i, hours=5)
        data = {"name": f"Won {i}", "source": "referral", "created": created.date(), "value": 1000 * (i + 1)}
        if i % 2:
            data["closed"] = end.date()
        stories.append(Story(f"won-{i}", data, [*stages, (end, "won")]))
    for i in range(9):  # lost, never past proposal
        created = BASE + dt.timedelta(days=2 * i, hours=1)
        top = rnd.randint(0, 3)
        stages = [(created + dt.timedelta(days=3 * j, hours=2), LADDER[j]) for j in range(top + 1)]
        stages.append((created + dt.timedelta(days=3 * top + 5, hours=3), "lost"))
        stories.append(Story(f"lost-{i}", {"name": f"Lost {i}", "source": rnd.choice(["web", "event", "cold"]),
                                           "created": created.date(), "value": 500}, stages))
    for i in range(30):  # open
        created = BASE + dt.timedelta(days=5 * i, hours=4)
        if created.date() > TODAY:
            created = BASE + dt.timedelta(days=i, hours=4)
        top = rnd.randint(0, len(LADDER) - 1)
        stages = [(created + dt.timedelta(days=6 * j, hours=5), LADDER[j]) for j in range(top + 1)]
        stages = [s for s in stages if s[0].date() <= TODAY] or stages[:1]
        data = {"name": HOSTILE if i == 7 else f"Open {i}", "source": rnd.choice(list(CYCLE)),
                "created": created.date(), "next": {"action": "Call", "due": TODAY}}
        if rnd.random() < 0.8:
            data["value"] = rnd.choice([0, 250, 1200, 9999.5, 40000])
        if rnd.random() < 0.3 or i == 3:
            data["expected_close"] = TODAY + dt.timedelta(days=-12 if i == 3 else rnd.randint(-40, 300))
        if i == 5:
            data.pop("value", None)
        if rnd.random() < 0.7:
            data["owner"] = rnd.choice(["ann", "bob", HOSTILE])
        stories.append(Story(f"open-{i:02d}", data, stages))
    return stories


# --- the oracle -------------------------------------------------------------------------------------------

def final(story: Story) -> str:
    return story.stages[-1][1]


def oracle_probabilities(stories: list[Story]) -> dict:
    out = {}
    for i, stage in enumerate(LADDER):
        closed = won = 0
        for s in stories:
            if final(s) == "won":
                closed, won = closed + 1, won + 1
            elif final(s) == "lost":
                furthest = max([LADDER.index(x) for _, x in s.stages if x in LADDER] or [0])
                closed += furthest >= i
        if closed >= MIN_CLOSED_TO_LEARN:
            out[stage] = {"p": won / closed, "from": "learned"}
        else:
            out[stage] = {"p": PROB[stage], "from": "playbook"}
    return out


def oracle_cycle(stories: list[Story], source: str) -> float | None:
    mine = [s for s in stories if s.data["source"] == source and final(s) in ("won", "lost")]
    if len(mine) < LEARN_AFTER:
        return CYCLE[source]
    cycles = [(s.stages[-1][0].date() - s.data["created"]).days for s in mine if final(s) == "won"]
    return statistics.median(cycles) if cycles else CYCLE[source]


def oracle_remaining(stories: list[Story], source: str, stage: str) -> float | None:
    """Median days from first entering `stage` to winning, over the source's won leads, once it is learned."""
    mine = [s for s in stories if s.data["source"] == source and final(s) in ("won", "lost")]
    if len(mine) < LEARN_AFTER:
        return None
    spans = []
    for s in mine:
        entries = [when.date() for when, x in s.stages if x == stage]
        if final(s) == "won" and entries:
            spans.append((s.stages[-1][0].date() - entries[0]).days)
    return statistics.median(spans) if spans else None


def oracle_close_day(story: Story, stories: list[Story]) -> dt.date | None:
    if "expected_close" in story.data:
        return max(story.data["expected_close"], TODAY)
    start = None
    for when, stage in story.stages:
        start = (start or when) if stage == final(story) else None
    remaining = oracle_remaining(stories, story.data["source"], final(story))
    if remaining is None:
        cycle = oracle_cycle(stories, story.data["source"])
        if cycle is None:
            return None
        remaining = max(0, cycle - (start.date() - story.data["created"]).days)
    return max(start.date() + dt.timedelta(days=remaining), TODAY)


def oracle(stories: list[Story], by: str) -> dict:
    probs = oracle_probabilities(stories)
    rows: dict[str, dict] = {}
    for s in stories:
        stage = final(s)
        if stage in ("won", "lost"):
            continue
        if by in ("month", "quarter"):
            day = oracle_close_day(s, stories)
            key = "later" if day is None else (f"{day:%Y-%m}" if by == "month" else f"{day.year}-Q{(day.month + 2) // 3}")
        else:
            key = s.data.get(by) or "(none)"
        row = rows.setdefault(key, {"best": 0.0, "weighted": 0.0, "committed": 0.0, "leads": 0})
        value = s.data.get("value") or 0
        p = probs[stage]["p"] if stage in probs else 0.0
        row["best"] += value
        row["weighted"] += value * p
        row["committed"] += value if stage in COMMITTED else 0
        row["leads"] += 1
    return {"rows": rows, "probabilities": probs}


# --- tests ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("home-forecast")
    cfg = home / ".gitconfig"
    cfg.write_text("[user]\n\tname = Gen\n\temail = gen@example.com\n[init]\n\tdefaultBranch = main\n")
    stories = generate(seed=7)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", str(cfg))
        mp.setenv("XDG_CACHE_HOME", str(home / "cache"))
        pipe = build(tmp_path_factory.mktemp("fc") / "pipe", stories, PLAYBOOK)
        yield pipe, stories


def approx(x):  # noqa: ANN001, ANN201
    return pytest.approx(x, abs=0.011)


@pytest.mark.parametrize("by", ["month", "quarter", "owner", "source"])
def test_every_figure_matches_the_oracle(built, by):
    pipe, stories = built
    assert not pipe.playbook.problems
    got = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, by)
    want = oracle(stories, by)
    assert [p["period"] for p in got["periods"]] == sorted(
        want["rows"], key=lambda k: (k in ("later", "(none)"), k))
    for period in got["periods"]:
        row = want["rows"][period["period"]]
        for key in ("best", "weighted", "committed"):
            assert period[key] == approx(row[key]), (period["period"], key)
        assert period["leads"] == row["leads"]
    for key in ("best", "weighted", "committed", "leads"):
        assert got["total"][key] == approx(sum(r[key] for r in want["rows"].values())), key
    assert got["total"]["leads"] == sum(final(s) not in ("won", "lost") for s in stories)
    assert got["total"]["best"] == approx(sum(s.data.get("value") or 0 for s in stories
                                              if final(s) not in ("won", "lost")))
    for stage, prob in want["probabilities"].items():
        assert got["probabilities"][stage]["from"] == prob["from"], stage
        assert got["probabilities"][stage]["p"] == pytest.approx(prob["p"], abs=1e-4), stage


def test_the_story_covers_every_case(built):
    """The generated pipeline holds what the oracle comparison must cover (so a change to it cannot hollow it)."""
    pipe, stories = built
    want = oracle(stories, "month")
    froms = {p["from"] for p in want["probabilities"].values()}
    assert froms == {"learned", "playbook"}
    assert "later" in want["rows"]  # the cold source has no cycle
    open_ = [s for s in stories if final(s) not in ("won", "lost")]
    assert any("expected_close" in s.data for s in open_) and any("expected_close" not in s.data for s in open_)
    assert any(s.data.get("expected_close", TODAY) < TODAY for s in open_)  # a past date: this month
    assert any("value" not in s.data for s in open_)
    assert any(final(s) in COMMITTED for s in open_)
    assert oracle_cycle(stories, "referral") != CYCLE["referral"]  # learned from its won leads
    assert any(s.data["source"] == "referral" and "expected_close" not in s.data
               and oracle_remaining(stories, "referral", final(s)) is not None for s in open_)
    assert any(s.data["source"] in ("web", "event") and "expected_close" not in s.data
               and oracle_remaining(stories, s.data["source"], final(s)) is None for s in open_)


def test_closed_leads_add_nothing_and_an_unknown_stage_adds_no_weight(tmp_path):
    day = dt.datetime(2026, 10, 1, 9)
    stories = [
        Story("a", {"name": "A", "source": "referral", "created": day.date(), "value": 100}, [(day, "won")]),
        Story("b", {"name": "B", "source": "referral", "created": day.date(), "value": 200}, [(day, "lost")]),
        Story("c", {"name": "C", "source": "referral", "created": day.date(), "value": 300,
                    "expected_close": dt.date(2027, 2, 3)}, [(day, "limbo")]),
        Story("d", {"name": "D", "source": "referral", "created": day.date(), "value": 400,
                    "expected_close": dt.date(2027, 2, 28)}, [(day, "negotiation")]),
    ]
    pipe = build(tmp_path / "p", stories, PLAYBOOK)
    got = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, "month")
    assert got["periods"] == [{"period": "2027-02", "best": 700.0, "weighted": 400 * PROB["negotiation"],
                               "committed": 400.0, "leads": 2}]
    assert got["total"] == {"best": 700.0, "weighted": 320.0, "committed": 400.0, "leads": 2}
    q = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, "quarter")
    assert [p["period"] for p in q["periods"]] == ["2027-Q1"]


def test_placement_by_the_remaining_cycle_from_entering_the_stage(tmp_path):
    stories = []
    for i, rest in enumerate((10, 20, 40)):  # 3 won web leads (learn_after_closed): 20 days from proposal to won
        c = dt.datetime(2026, 7, 1 + i, 9)
        stories.append(Story(f"won-{i}", {"name": f"W{i}", "source": "web", "created": c.date(),
                                          "closed": (c + dt.timedelta(days=5 + rest)).date()},
                             [(c, "new"), (c + dt.timedelta(days=5), "proposal"),
                              (c + dt.timedelta(days=5 + rest, hours=1), "won")]))
    c = dt.datetime(2026, 11, 1, 9)
    stories += [
        Story("open-web", {"name": "O", "source": "web", "created": c.date(), "value": 1000},
              [(c, "new"), (dt.datetime(2026, 11, 20, 9), "proposal")]),
        # event (not learned): 75 days from 2026-08-01 is 2026-10-15, before today: placed in today's month
        Story("open-event", {"name": "E", "source": "event", "created": dt.date(2026, 8, 1), "value": 10},
              [(dt.datetime(2026, 8, 1, 9), "new")]),
        Story("open-cold", {"name": "C", "source": "cold", "created": c.date(), "value": 5}, [(c, "new")]),
    ]
    pipe = build(tmp_path / "p", stories, PLAYBOOK)
    got = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, "month")
    # entered proposal 2026-11-20, + 20 days = 2026-12-10
    assert {p["period"]: p["best"] for p in got["periods"]} == {"2026-11": 10.0, "2026-12": 1000.0, "later": 5.0}
    # without git history: entered on `created` (2026-11-01), + web's learned cycle (median of 15, 25, 45 = 25)
    got = build_forecast(pipe.leads(), pipe.playbook, None, TODAY, "month")
    assert {p["period"]: p["best"] for p in got["periods"]} == {"2026-11": 1010.0, "later": 5.0}
    assert [p["period"] for p in got["periods"]] == ["2026-11", "later"]


def test_an_empty_pipeline(pipe):
    got = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, "month")
    assert got["periods"] == [] and got["total"] == {"best": 0.0, "weighted": 0.0, "committed": 0.0, "leads": 0}
    assert got["probabilities"]["new"] == {"p": 0.05, "from": "playbook"}
    assert got["probabilities"]["negotiation"] == {"p": 0.75, "from": "playbook"}
    assert pipe.playbook.stages["negotiation"].committed


def test_bad_probability_and_committed_are_problems_and_keep_defaults(pipe):
    (pipe.root / "pipeline.yaml").write_text(
        "stages:\n  new: {probability: 1.5, committed: maybe}\n  mid: {probability: .nan}\n"
        "  ok: {probability: 0.4, committed: true}\n  won: {closed: true, won: true}\n", encoding="utf-8")
    pb = load_playbook(pipe.root)
    messages = " ".join(p.message for p in pb.problems)
    assert "probability" in messages and "committed" in messages
    assert pb.stages["new"].probability is None and pb.stages["new"].committed is False
    assert pb.stages["mid"].probability is None
    assert pb.stages["ok"].probability == 0.4 and pb.stages["ok"].committed is True
    assert load_playbook(pipe.root) == pb  # and back through the cache


def test_hostile_names_never_crash_the_text(built):
    from pipeline_tui.cli.render_forecast import forecast_lines

    pipe, _ = built
    for by in ("month", "quarter", "owner", "source"):
        result = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, by)
        text = "\n".join(forecast_lines(result, by))
        assert "\x1b[31m" not in text and "\u202e" not in text
