"""The CLI catches a person's own mistakes (issue 22), through the real entry point: typos never become
data, an empty or unknown activity is refused, init and demo keep out of folders that hold other things,
and the messages say one thing once."""

from __future__ import annotations

import json

import pytest

from pipeline_tui.core.changes.leads import add_lead
from tests.conftest import TODAY, commit_count, git


@pytest.fixture
def lead(pipe):
    return add_lead(pipe, "Jane Doe", "referral", company="Acme", next_action="Call", due="2026-11-25",
                    today=TODAY).lead_id


@pytest.mark.parametrize("assignment, said", [
    ("stgae=won", "unknown key 'stgae'; did you mean 'stage'?"),
    ("Stage=won", "unknown key 'Stage'; did you mean 'stage'?"),
    ("next.dew=+3d", "unknown key 'next.dew'; did you mean 'next.due'?"),
    ("qualification.fitt=strong", "did you mean 'qualification.fit'?"),
])
def test_a_typo_in_a_key_is_refused_with_the_nearest_key(pipe, run, lead, assignment, said):
    before = commit_count(pipe.root)
    res = run("-C", str(pipe.root), "set", lead, assignment)
    assert res.code == 2 and said in res.err and len(res.err.strip().splitlines()) == 1
    assert commit_count(pipe.root) == before and "stgae" not in pipe.lead_path(lead).read_text()


def test_a_key_of_ones_own_needs_new_key_once_or_the_playbook(pipe, run, lead):
    assert run("-C", str(pipe.root), "set", lead, "industry=Retail").code == 2
    assert run("-C", str(pipe.root), "set", lead, "industry=Retail", "--new-key").code == 0
    assert run("-C", str(pipe.root), "set", lead, "industry=Food").code == 0  # the lead has it now
    playbook = pipe.root / "pipeline.yaml"
    playbook.write_text(playbook.read_text().replace("custom_keys: []", "custom_keys: [referrer]"))
    git(pipe.root, "commit", "-qam", "custom keys")
    assert run("-C", str(pipe.root), "set", lead, "referrer=Bob").code == 0


def test_check_warns_of_a_key_that_looks_like_a_known_one(pipe, run, lead):
    path = pipe.lead_path(lead)
    path.write_text(path.read_text() + "stgae: won\n")
    git(pipe.root, "commit", "-qam", "typo by hand")
    res = run("-C", str(pipe.root), "check", "--json")
    problems = json.loads(res.out)["problems"]
    hit = [p for p in problems if "stgae" in p["message"]]
    assert hit and "did you mean 'stage'" in hit[0]["message"] and hit[0]["line"] > 1


def test_an_empty_note_and_an_unknown_kind_are_refused(pipe, run, lead):
    before = commit_count(pipe.root)
    res = run("-C", str(pipe.root), "note", lead)
    assert res.code == 2 and "a note needs its text" in res.err
    res = run("-C", str(pipe.root), "note", lead, "texted her", "--kind", "sms")
    assert res.code == 2 and "activity kind 'sms' is not one of call, email, meeting, note" in res.err
    assert commit_count(pipe.root) == before
    playbook = pipe.root / "pipeline.yaml"
    playbook.write_text(playbook.read_text().replace("activity_kinds: [call, email, meeting, note]",
                                                     "activity_kinds: [call, email, meeting, note, sms]"))
    git(pipe.root, "commit", "-qam", "sms")
    assert run("-C", str(pipe.root), "note", lead, "texted her", "--kind", "sms").code == 0


def test_init_and_demo_keep_out_of_a_folder_that_holds_other_things(run, tmp_path):
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "taxes.pdf").write_text("mine")
    res = run("init", str(docs))
    assert res.code == 2 and "is not empty (taxes.pdf) and not a pipeline" in res.err
    assert sorted(p.name for p in docs.iterdir()) == ["taxes.pdf"]  # no .git, nothing written
    res = run("demo", str(docs), "--no-tui")
    assert res.code == 2 and sorted(p.name for p in docs.iterdir()) == ["taxes.pdf"]
    assert run("init", str(docs), "--force").code == 0 and (docs / "pipeline.yaml").exists()
    empty_repo = tmp_path / "repo"
    empty_repo.mkdir()
    git(empty_repo, "init", "-q")
    assert run("init", str(empty_repo)).code == 0  # only a .git: fine


def test_log_of_no_lead_is_one_line(pipe, run):
    res = run("-C", str(pipe.root), "log", "nope")
    assert res.code == 2 and res.err.strip().splitlines() == ["pipeline: no lead 'nope' (no file and no history)"]


def test_import_says_each_bad_row_once(pipe, run, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Name,Lead Source\n,Web\nAnn,Web\n")
    res = run("-C", str(pipe.root), "import", str(f), "--dry-run")
    assert (res.out + res.err).count("row 2") == 1 and "no name" in res.err


def test_no_mix_warnings_before_the_pipeline_has_history_and_advice_in_words(pipe, run, lead):
    res = run("-C", str(pipe.root), "mix")
    assert "group-silent" not in res.out and "none yet: mix warnings start once the pipeline has 10 leads" in res.out
    import datetime as dt

    from pipeline_tui.core.model.pipeline import Pipeline
    from pipeline_tui.core.views.mix import compute_mix

    for i in range(12):
        add_lead(pipe, f"Person {i}", "referral", next_action="Call", due="2026-11-25", today=dt.date(2026, 6, 1))
    mix = compute_mix(Pipeline(pipe.root).leads(), pipe.playbook, TODAY)
    silent = [w for w in mix.warnings if w.code == "group-silent"]
    assert silent and all("a events" not in w.advice for w in silent)
    assert any(w.message.startswith("no new event leads") for w in silent)
    assert any("Start an event (a trade show" in w.advice for w in silent)


def test_undo_over_later_edits_is_one_line_and_exit_2(pipe, run, lead):
    from pipeline_tui.core.changes.leads import set_fields

    set_fields(pipe, lead, ["company=Acme Two"], today=TODAY)
    path = pipe.lead_path(lead)
    path.write_text(path.read_text().replace("Acme Two", "Acme Three"))
    git(pipe.root, "commit", "-qam", "by hand, on the same line")
    res = run("-C", str(pipe.root), "undo")
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1 and "hint:" not in res.err
