"""The sales practice of SPEC section 2: source mix warnings, rotting, speed to lead, cadences, rules.

Pipelines are generated with distributions chosen so the right answer is known by construction.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline_tui.core.changes.activities import complete_next
from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.core.changes.undo import undo_last
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.git.stage_history import attach, stage_history
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.playbook_file import load_playbook
from pipeline_tui.core.views.agenda import build_agenda
from pipeline_tui.core.views.checks import check_pipeline
from pipeline_tui.core.views.mix import compute_mix
from tests.builders import Story, build, write_leads
from tests.conftest import TODAY, git

# --- source mix ---------------------------------------------------------------------------------


def _lead(i: int, source: str, age: int, owner: str) -> dict:
    return {"name": f"P{i}", "company": f"C{i}", "source": source, "owner": owner,
            "created": TODAY - dt.timedelta(days=age), "next": {"action": "Call", "due": TODAY}}


def skewed() -> dict[str, dict]:
    leads = {}
    rows = ([("referral", 4 * i, "alice") for i in range(45)]          # 45 referrals, one every 4 days
            + [("inbound-web", 30 * i, "bob") for i in range(5)]        # 5 lead-generation
            + [("event", age, "alice") for age in (100, 110, 120)]      # events: nothing for 100 days
            + [("prospecting", age, "carol") for age in range(35, 96, 10)])  # 7, none in the last 30 days
    for i, (source, age, owner) in enumerate(rows):
        leads[f"lead-{i:03d}"] = _lead(i, source, age, owner)
    return leads


def balanced() -> dict[str, dict]:
    leads = {}
    owners = ["alice", "bob", "carol", "dan"]
    i = 0
    for source in ("referral", "inbound-web", "event", "prospecting"):
        for k in range(30):  # one lead every 6 days for 180 days, in each of the four groups
            leads[f"lead-{i:03d}"] = _lead(i, source, 6 * k, owners[i % 4])
            i += 1
    return leads


def test_skewed_pipeline_gets_every_warning(pipe):
    write_leads(pipe, skewed())
    mix = compute_mix(pipe.leads(), pipe.playbook, TODAY)
    # 60 open leads: 45 referrals (75%), 50 buyer-generated (83%), alice holds 48 (80%)
    assert mix.groups["referrals"] == {"open": 45, "share": 0.75, "new_90d": 23}
    assert mix.origins["seller"]["open"] == 10
    assert mix.owners["alice"]["share"] == 0.8
    codes = {(w.code, w.message.split()[0]) for w in mix.warnings}
    assert codes == {("group-dominant", "referrals"), ("origin-tipped", "only"), ("owner-concentration", "alice"),
                     ("group-silent", "no"), ("group-dip", "prospecting")}
    by_code = {w.code: w for w in mix.warnings}
    assert "seller" in by_code["origin-tipped"].message
    assert "no new event leads" in by_code["group-silent"].message  # "events" group, said in words
    assert all(w.advice for w in mix.warnings)


def test_balanced_pipeline_gets_no_warning(pipe):
    write_leads(pipe, balanced())
    mix = compute_mix(pipe.leads(), pipe.playbook, TODAY)
    assert [w.code for w in mix.warnings] == []
    assert {g: s["share"] for g, s in mix.groups.items()} == {
        "lead-generation": 0.25, "events": 0.25, "referrals": 0.25, "prospecting": 0.25}
    assert mix.origins["buyer"]["share"] == 0.5
    assert mix.inflow["events"][-1] == 5  # ages 0..24 in the newest 30-day window


def test_mix_cli_json_lists_the_codes(pipe, run):
    write_leads(pipe, skewed())
    res = run("-C", str(pipe.root), "mix", "--json")
    assert res.code == 0, res
    codes = sorted(w["code"] for w in json.loads(res.out)["warnings"])
    assert codes == ["group-dip", "group-dominant", "group-silent", "origin-tipped", "owner-concentration"]


def test_mix_thresholds_come_from_the_playbook(pipe):
    write_leads(pipe, skewed())
    text = (pipe.root / "pipeline.yaml").read_text().replace("max_group_share: 0.6", "max_group_share: 0.8")
    (pipe.root / "pipeline.yaml").write_text(text)
    mix = compute_mix(Pipeline.open(pipe.root).leads(), load_playbook(pipe.root), TODAY)
    assert "group-dominant" not in {w.code for w in mix.warnings}


# --- rotting, from the stage history in git -----------------------------------------------------

def _at(days_ago: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(hour))


def rotting_pipeline(root, rules: str | None = None):  # noqa: ANN001, ANN201
    base = {"source": "referral", "next": {"action": "Call", "due": TODAY}}
    stories = [
        Story("stuck", {"name": "Stuck", "created": _at(30).date(), **base},
              [(_at(30), "new"), (_at(20), "contacted")]),           # 20 days in contacted, limit 7
        Story("moving", {"name": "Moving", "created": _at(30).date(), **base},
              [(_at(30), "new"), (_at(20), "contacted"), (_at(3), "qualified")]),  # 3 of 14 days
        Story("fresh", {"name": "Fresh", "created": _at(1).date(), **base}, [(_at(1), "new")]),
        Story("done", {"name": "Done", "created": _at(90).date(), "source": "referral"},
              [(_at(90), "new"), (_at(80), "won")]),
    ]
    text = None
    if rules:
        from pipeline_tui.core.model.playbook import INIT_TEXT

        text = INIT_TEXT.replace("  rotting: warning", f"  rotting: {rules}")
    return build(root, stories, text)


def test_time_in_stage_comes_from_git_history(tmp_path):
    pipe = rotting_pipeline(tmp_path / "p")
    leads = {x.id: x for x in pipe.leads()}
    attach(leads.values(), stage_history(pipe.root))
    assert leads["stuck"].days_in_stage(TODAY) == 20 and leads["stuck"].rotting(TODAY) == (20, 7)
    assert leads["moving"].days_in_stage(TODAY) == 3 and leads["moving"].rotting(TODAY) is None
    assert leads["fresh"].rotting(TODAY) is None
    assert leads["done"].rotting(TODAY) is None  # closed leads do not rot


def test_stage_history_cache_follows_new_commits(tmp_path):
    from pipeline_tui.core.changes.leads import set_fields

    pipe = rotting_pipeline(tmp_path / "p")
    first = stage_history(pipe.root)
    assert first.get("stuck").stages() == ["new", "contacted"]
    set_fields(pipe, "stuck", ["stage=qualified"], today=TODAY)
    again = stage_history(pipe.root)
    assert again.get("stuck").stages() == ["new", "contacted", "qualified"]
    assert again.head == git(pipe.root, "rev-parse", "HEAD").strip()
    lead = pipe.read("stuck")
    attach([lead], again)
    assert lead.stage_since == dt.date.today()  # the commit was made now


def test_check_flags_rotting_at_the_stage_line_as_the_playbook_says(tmp_path, run):
    pipe = rotting_pipeline(tmp_path / "warn")
    problems = [p for p in check_pipeline(pipe, today=TODAY) if "rotting" in p.message]
    assert [(p.path, p.severity) for p in problems] == [("leads/stuck.yaml", "warning")]
    line = (pipe.root / "leads/stuck.yaml").read_text().splitlines()[problems[0].line - 1]
    assert line.startswith("stage:")
    assert "20 days in stage contacted" in problems[0].message
    assert run("-C", str(pipe.root), "check").code == 0

    strict = rotting_pipeline(tmp_path / "error", rules="error")
    res = run("-C", str(strict.root), "check")
    assert res.code == 1 and "leads/stuck.yaml:7: rotting: 20 days" in res.out

    off = rotting_pipeline(tmp_path / "off", rules="off")
    assert not [p for p in check_pipeline(off, today=TODAY) if "rotting" in p.message]


def test_query_word_rotting(tmp_path, run):
    pipe = rotting_pipeline(tmp_path / "p")
    res = run("-C", str(pipe.root), "list", "rotting", "--json")
    assert [x["id"] for x in json.loads(res.out)] == ["stuck"]
    res = run("-C", str(pipe.root), "list", "-rotting", "open", "--json")
    assert sorted(x["id"] for x in json.loads(res.out)) == ["fresh", "moving"]


# --- speed to lead ------------------------------------------------------------------------------

def test_uncontacted_requests_lead_the_agenda_and_break_the_rule(pipe, run):
    write_leads(pipe, {
        "waiting": {"name": "Waiting", "source": "inbound-web", "created": TODAY - dt.timedelta(days=3),
                    "next": {"action": "Call back", "due": TODAY - dt.timedelta(days=1)}},
        "answered": {"name": "Answered", "source": "inbound-web", "created": TODAY - dt.timedelta(days=3),
                     "first_contact": "2026-11-20T11:00", "next": {"action": "Call", "due": TODAY}},
        "downloader": {"name": "Reader", "source": "inbound-web", "created": TODAY - dt.timedelta(days=3),
                       "qualification": {"interest": "content"}, "next": {"action": "Nurture", "due": TODAY}},
        "cold": {"name": "Cold", "source": "prospecting", "created": TODAY - dt.timedelta(days=3),
                 "next": {"action": "Call", "due": TODAY}},
    })
    sections = build_agenda(pipe.leads(), pipe.playbook, TODAY)
    assert sections[0].name == "Uncontacted requests" and [x.id for x in sections[0].leads] == ["waiting"]
    problems = [p for p in check_pipeline(pipe, today=TODAY) if "unanswered" in p.message]
    assert [p.path for p in problems] == ["leads/waiting.yaml"]
    assert "unanswered for 3 days" in problems[0].message
    data = json.loads(run("-C", str(pipe.root), "agenda", "--json").out)
    first = data["sections"][0]
    assert first["name"] == "Uncontacted requests" and first["leads"][0]["id"] == "waiting"
    assert first["leads"][0]["waiting_hours"] >= 72
    assert "waiting" in run("-C", str(pipe.root), "agenda").out.splitlines()[1]


# --- cadences: completing a next action plans the next one ---------------------------------------

def test_done_on_a_long_range_lead_plans_the_nurture_touch(pipe):
    lead_id = add_lead(pipe, "Jane Doe", "campaign", horizon="long", next_action="Send newsletter", due="today",
                       today=TODAY).lead_id
    change = complete_next(pipe, lead_id, "She liked it", kind="email", today=TODAY)
    lead = pipe.read(lead_id)
    assert lead.next_action == "Nurture touch" and lead.next_due == TODAY + dt.timedelta(days=30)
    assert lead.data["log"][-1]["text"] == "Done: Send newsletter. She liked it"
    assert lead.data["first_contact"].startswith("2026-11-23")
    assert "done Send newsletter" in change.description and "Nurture touch" in change.description
    assert "Pipeline-Action: done" in git(pipe.root, "log", "-1", "--format=%B")
    undo_last(pipe)
    assert pipe.read(lead_id).next_action == "Send newsletter"


def test_done_uses_the_playbooks_cadence_and_accepts_overrides(pipe):
    text = (pipe.root / "pipeline.yaml").read_text().replace(
        "short: {every_days: 3,  action: Follow up}", "short: {every_days: 5, action: Check in}")
    (pipe.root / "pipeline.yaml").write_text(text)
    git(pipe.root, "commit", "-qam", "cadence")
    pipe = Pipeline.open(pipe.root)
    lead_id = add_lead(pipe, "Sam Short", "referral", next_action="Call", due="today", today=TODAY).lead_id
    complete_next(pipe, lead_id, today=TODAY)
    lead = pipe.read(lead_id)
    assert (lead.next_action, lead.next_due) == ("Check in", TODAY + dt.timedelta(days=5))
    complete_next(pipe, lead_id, next_action="Send proposal", next_due="fri", today=TODAY)
    lead = pipe.read(lead_id)
    assert (lead.next_action, lead.next_due) == ("Send proposal", dt.date(2026, 11, 27))
    with pytest.raises(BadInput, match="date"):
        complete_next(pipe, lead_id, next_due="someday", today=TODAY)
    assert pipe.read(lead_id).next_action == "Send proposal"  # nothing written


def test_done_on_a_closed_lead_clears_the_next_action(pipe, run):
    lead_id = add_lead(pipe, "Won Deal", "referral", stage="won", next_action="Send invoice", due="today",
                       today=TODAY).lead_id
    res = run("-C", str(pipe.root), "done", lead_id, "Invoice sent")
    assert res.code == 0, res
    lead = pipe.read(lead_id)
    assert "next" not in lead.data and lead.data["log"][-1]["text"] == "Done: Send invoice. Invoice sent"


def test_done_cli_plans_from_the_cadence(pipe, run):
    lead_id = add_lead(pipe, "Lena Long", "event", horizon="long", next_action="Call", due="today",
                       today=TODAY).lead_id
    res = run("-C", str(pipe.root), "done", lead_id, "--kind", "call")
    assert res.code == 0 and "next: Nurture touch on 2026-12-23" in res.out, res
    res = run("-C", str(pipe.root), "done", lead_id, "--due", "soon")
    assert res.code == 2 and "soon" in res.err


# --- the playbook's own problems ------------------------------------------------------------------

def test_unknown_rule_in_the_playbook_is_reported_with_its_line(pipe, run):
    text = (pipe.root / "pipeline.yaml").read_text().replace("  rotting: warning", "  rotting: warning\n  rotten: error")
    (pipe.root / "pipeline.yaml").write_text(text)
    res = run("-C", str(pipe.root), "check")
    line = text.splitlines().index("  rotten: error") + 1
    assert f"pipeline.yaml:{line}: " in res.out and "unknown rule" in res.out and res.code == 1
