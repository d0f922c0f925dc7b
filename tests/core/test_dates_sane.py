"""Dates of a lead that contradict each other (issue 22): `check` reports each at its line, `set` refuses to
make one, and the demo has none (so the report's hours to first contact mean something)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import commit_count, git

NEW_RULES = ("is before created", "before created", "on a lead in open stage", "years after the lead's latest date")


def _lead(pipe, lead_id: str, text: str):  # noqa: ANN001, ANN202
    path = pipe.root / "leads" / f"{lead_id}.yaml"
    path.write_text(text, encoding="utf-8")
    git(pipe.root, "add", "leads")
    git(pipe.root, "commit", "-q", "-m", f"{lead_id} by hand")
    return path


def _line(text: str, start: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(start))


def _problems(run, pipe, lead_id: str):  # noqa: ANN001, ANN202
    res = run("-C", str(pipe.root), "check", "--json")
    return res, [p for p in json.loads(res.out)["problems"] if p["path"] == f"leads/{lead_id}.yaml"]


def _only(problems: list[dict], words: str) -> dict:
    found = [p for p in problems if words in p["message"]]
    assert len(found) == 1, problems
    return found[0]


GOOD = """name: All Good
source: referral
stage: won
created: 2026-11-01
first_contact: 2026-11-01T08:30
closed: 2026-11-20
log:
  - date: 2026-11-01
    kind: call
    text: Same day.
"""


FIRST_BEFORE = """name: Early Bird
source: referral
stage: contacted
created: 2026-11-10
first_contact: 2026-11-09T16:00
next:
  action: Call
  due: 2026-11-25
"""


def test_check_reports_first_contact_before_created_at_its_line(pipe, run):
    _lead(pipe, "early-bird-aaaa", FIRST_BEFORE)
    _lead(pipe, "all-good-aaaa", GOOD)
    _, fine = _problems(run, pipe, "all-good-aaaa")
    assert not [p for p in fine if any(w in p["message"] for w in NEW_RULES)], fine  # same day, in order
    res, problems = _problems(run, pipe, "early-bird-aaaa")
    p = _only(problems, "first_contact 2026-11-09T16:00 is before created 2026-11-10")
    assert p["line"] == _line(FIRST_BEFORE, "first_contact:") and p["severity"] == "error"
    assert res.code == 1
    text = run("-C", str(pipe.root), "check")
    assert (f"leads/early-bird-aaaa.yaml:{_line(FIRST_BEFORE, 'first_contact:')}: first_contact 2026-11-09T16:00 "
            "is before created 2026-11-10") in text.out


CLOSED_BEFORE = """name: Quick Loss
source: event
stage: lost
created: 2026-11-10
# closed by hand, with a typo
closed: 2026-10-11
"""


def test_check_reports_created_after_closed_at_the_closed_line(pipe, run):
    _lead(pipe, "quick-loss-aaaa", CLOSED_BEFORE)
    res, problems = _problems(run, pipe, "quick-loss-aaaa")
    p = _only(problems, "closed 2026-10-11 is before created 2026-11-10")
    assert p["line"] == _line(CLOSED_BEFORE, "closed:") and p["severity"] == "error"
    assert res.code == 1


CLOSED_OPEN = """name: Still Going
source: event
stage: proposal
created: 2026-10-01
closed: 2026-11-12
next:
  action: Send proposal
  due: 2026-11-25
"""


def test_check_reports_closed_on_an_open_lead(pipe, run):
    _lead(pipe, "still-going-aaaa", CLOSED_OPEN)
    res, problems = _problems(run, pipe, "still-going-aaaa")
    p = _only(problems, "closed 2026-11-12 on a lead in open stage proposal")
    assert p["line"] == _line(CLOSED_OPEN, "closed:") and p["severity"] == "error"
    assert res.code == 1


LOG_AND_DUE = """name: Far Future
source: social
stage: contacted
created: 2026-11-01
first_contact: 2026-11-02T10:00
next:
  action: Call back
  due: 2062-11-25
log:
  - date: 2026-11-02
    kind: call
    text: Fine.
  - date: 2026-10-20
    kind: note
    text: Met at a fair before they came in.
"""


def test_check_warns_of_a_log_entry_before_created_and_a_due_date_years_away(pipe, run):
    _lead(pipe, "far-future-aaaa", LOG_AND_DUE)
    res, problems = _problems(run, pipe, "far-future-aaaa")
    log = _only(problems, "log entry 2 is dated 2026-10-20, before created 2026-11-01")
    assert log["line"] == _line(LOG_AND_DUE, "  - date: 2026-10-20") and log["severity"] == "warning"
    due = _only(problems, "next.due 2062-11-25 is more than 3 years after the lead's latest date (first_contact 2026-11-02T10:00)")
    assert due["line"] == _line(LOG_AND_DUE, "  due:") and due["severity"] == "warning"
    assert res.code == 0  # warnings only


def _add(run, pipe) -> str:  # noqa: ANN001
    res = run("-C", str(pipe.root), "add", "Jo Lo", "--source", "referral", "--next", "Call", "--due", "+2d")
    assert res.code == 0, res
    return res.out.strip().split()[-1]


def test_set_closed_on_an_open_lead_is_refused_and_nothing_is_committed(pipe, run):
    lead_id = _add(run, pipe)
    path = pipe.root / "leads" / f"{lead_id}.yaml"
    before, commits = path.read_bytes(), commit_count(pipe.root)
    res = run("-C", str(pipe.root), "set", lead_id, "closed=2026-11-23")
    assert res.code == 2, res
    assert "closed 2026-11-23 on a lead in open stage new" in res.err and "\n" not in res.err.strip()
    assert commit_count(pipe.root) == commits and path.read_bytes() == before
    assert run("-C", str(pipe.root), "set", lead_id, "stage=won", "closed=2026-11-23").code == 0  # together: fine


def test_set_created_after_closed_is_refused(pipe, run):
    lead_id = _add(run, pipe)
    assert run("-C", str(pipe.root), "set", lead_id, "stage=won").code == 0  # closed: today (2026-11-23)
    path = pipe.root / "leads" / f"{lead_id}.yaml"
    before, commits = path.read_bytes(), commit_count(pipe.root)
    res = run("-C", str(pipe.root), "set", lead_id, "created=2026-11-30")
    assert res.code == 2, res
    assert "closed 2026-11-23 is before created 2026-11-30" in res.err
    assert commit_count(pipe.root) == commits and path.read_bytes() == before


@pytest.mark.parametrize(("assignment", "said"), [
    ("first_contact=2026-11-20T10:00", "first_contact 2026-11-20T10:00 is before created 2026-11-23"),
    ("next.due=2031-01-01", "next.due 2031-01-01 is more than 3 years after"),
])
def test_set_refuses_other_contradictions(pipe, run, assignment, said):
    lead_id = _add(run, pipe)
    commits = commit_count(pipe.root)
    res = run("-C", str(pipe.root), "set", lead_id, assignment)
    assert res.code == 2 and said in res.err, res
    assert commit_count(pipe.root) == commits


def test_set_leaves_a_contradiction_already_there_alone_but_refuses_a_new_one(pipe, run):
    """A hand-made contradiction does not block other edits (check reports it); set only refuses new ones."""
    _lead(pipe, "early-bird-aaaa", FIRST_BEFORE)
    assert run("-C", str(pipe.root), "set", "early-bird-aaaa", "value=500").code == 0
    res = run("-C", str(pipe.root), "set", "early-bird-aaaa", "value=600", "closed=2026-11-20")
    assert res.code == 2 and "on a lead in open stage contacted" in res.err and "first_contact" not in res.err, res


@pytest.mark.parametrize("today", ["2026-11-23", "2027-03-01"])
def test_demo_has_no_contradicting_dates(tmp_path, run, today):
    """Checked on the day the sample is written for and on a later one (its dates are shifted then)."""
    target = tmp_path / "demo"
    assert run("demo", str(target), "--no-tui", today=today).code == 0
    res = run("-C", str(target), "check", "--json", today=today)
    found = [p for p in json.loads(res.out)["problems"] if any(w in p["message"] for w in NEW_RULES)]
    assert found == []
    leads = json.loads(run("-C", str(target), "export", "--format", "json", today=today).out)
    assert len(leads) >= 40
    added: dict[str, dt.datetime] = {}  # when each lead came in: its first commit
    when = None
    for line in git(target, "log", "--diff-filter=A", "--format=@%ad", "--date=format:%Y-%m-%dT%H:%M",
                    "--name-only").splitlines():
        if line.startswith("@"):
            when = dt.datetime.fromisoformat(line[1:])
        elif line.startswith("leads/"):
            added[line[len("leads/"):-len(".yaml")]] = when
    contacted = [lead for lead in leads if lead.get("first_contact")]
    assert len(contacted) >= 30
    for lead in contacted:
        first, came_in = dt.datetime.fromisoformat(lead["first_contact"]), added[lead["id"]]
        assert came_in.date().isoformat() == lead["created"], lead["id"]
        assert came_in < first, (lead["id"], came_in, first)  # the report's hours to first contact: never 0
