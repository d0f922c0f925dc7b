"""`pipeline capacity`: the JSON shape, the text table with hostile owner names, --weeks validation, exit codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.builders import Story, build


@pytest.fixture
def small(tmp_path):
    t0 = dt.datetime(2026, 11, 16, 10)
    stories = [
        Story("a", {"name": "A", "source": "referral", "created": t0.date(), "owner": "[bold]boss[/bold]",
                    "first_contact": "2026-11-17T09:00"}, [(t0, "new"), (t0 + dt.timedelta(days=2), "qualified")]),
        Story("b", {"name": "B", "source": "referral", "created": t0.date(), "owner": "\x1b[2Jevil"}, [(t0, "new")]),
        Story("c", {"name": "C", "source": "event", "created": (t0 + dt.timedelta(days=7)).date()},
              [(t0 + dt.timedelta(days=7), "new")]),
    ]
    return build(tmp_path / "p", stories)


def test_json_shape(small, run):
    res = run("-C", str(small.root), "capacity", "--json", "--weeks", "2")
    assert res.code == 0, res
    data = json.loads(res.out)
    assert set(data) >= {"weeks", "warnings"} and data["warnings"] == []
    for row in data["weeks"]:
        assert set(row) >= {"week", "owner", "in", "first_contacts", "decided", "waiting"}
    whole = [(r["week"], r["in"], r["first_contacts"], r["decided"], r["waiting"]) for r in data["weeks"]
             if r["owner"] is None]
    assert whole == [("2026-W47", 2, 1, 1, 1), ("2026-W48", 1, 0, 0, 2)]
    assert {r["owner"] for r in data["weeks"]} == {None, "[bold]boss[/bold]", "\x1b[2Jevil"}
    assert "\x1b" not in res.out  # JSON carries it as \u001b


def test_default_is_eight_weeks_ending_today(small, run):
    data = json.loads(run("-C", str(small.root), "capacity", "--json").out)
    weeks = sorted({r["week"] for r in data["weeks"]})
    assert len(weeks) == 8 and weeks[-1] == "2026-W48"
    data = json.loads(run("-C", str(small.root), "capacity", "--json", today="2027-01-01").out)
    assert max(r["week"] for r in data["weeks"]) == "2026-W53"


def test_text_shows_hostile_owners_as_text(small, run):
    res = run("-C", str(small.root), "capacity")
    assert res.code == 0, res
    assert "\x1b" not in res.out and "\\x1b[2Jevil" in res.out and "[bold]boss[/bold]" in res.out
    assert "2026-W48" in res.out and "WAITING" in res.out


@pytest.mark.parametrize("bad", ["0", "-3", "abc", "521", ""])
def test_bad_weeks_is_a_usage_error(small, run, bad):
    res = run("-C", str(small.root), "capacity", "--weeks", bad)
    assert res.code == 2 and res.out == "" and "--weeks" in res.err


def test_not_a_pipeline_exits_3(tmp_path, run):
    res = run("-C", str(tmp_path / "nothing"), "capacity")
    assert res.code == 3 and "not a pipeline" in res.err and "Traceback" not in res.err
