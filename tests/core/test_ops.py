"""Operations on real git repositories: every change one commit, bad input writes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from pipeline_tui.core.changes.activities import log_activity
from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead, set_fields
from pipeline_tui.core.changes.undo import undo_last
from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.git.history import lead_history
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.views.checks import check_pipeline
from tests.conftest import TODAY, commit_count, git


def test_init_writes_playbook_gitattributes_and_one_commit(pipe):
    root = pipe.root
    assert (root / "pipeline.yaml").read_text().startswith("# pipeline.yaml")
    assert "leads/*.yaml merge=pipeline-lead" in (root / ".gitattributes").read_text()
    assert "pipeline_tui merge-driver" in git(root, "config", "merge.pipeline-lead.driver")
    assert commit_count(root) == 1
    assert git(root, "status", "--porcelain") == ""
    assert not pipe.playbook.problems


def test_init_twice_is_refused(pipe):
    with pytest.raises(BadInput, match="already a pipeline"):
        init_pipeline(pipe.root)


def test_init_inside_an_existing_repo_uses_a_subfolder(tmp_path):
    git(tmp_path, "init", "-q")
    p = init_pipeline(tmp_path / "sales")
    change = add_lead(p, "Jane Doe", "referral", today=TODAY)
    assert (tmp_path / "sales" / "leads" / f"{change.lead_id}.yaml").is_file()
    assert git(tmp_path, "status", "--porcelain") == ""


def test_add_writes_a_readable_file_and_commits(pipe):
    change = add_lead(pipe, "Jane Doe", "referral", company="Acme Corp", email="jane@acme.example", owner="alice",
                      value="12,000", tags=["q4", "manufacturing"], next_action="Call back", due="tomorrow", today=TODAY)
    assert re.fullmatch(r"acme-corp-jane-doe-[a-z0-9]{4}", change.lead_id)
    text = (pipe.leads_dir / f"{change.lead_id}.yaml").read_text()
    assert text == (
        "name: Jane Doe\ncompany: Acme Corp\nemail: jane@acme.example\nowner: alice\nsource: referral\nstage: new\n"
        "value: 12000\ncreated: 2026-11-23\nnext:\n  action: Call back\n  due: 2026-11-24\ntags: [q4, manufacturing]\n"
    )
    assert git(pipe.root, "log", "-1", "--format=%s") == f"{change.lead_id}: new lead Jane Doe (referral)\n"
    assert commit_count(pipe.root) == 2


def test_two_adds_of_the_same_person_never_collide(pipe):
    a = add_lead(pipe, "Jane Doe", "referral", company="Acme", today=TODAY)
    b = add_lead(pipe, "Jane Doe", "referral", company="Acme", today=TODAY)
    assert a.lead_id != b.lead_id
    problems = [str(p) for p in check_pipeline(pipe)]
    assert any("likely duplicate" in p for p in problems)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"source": "telepathy"}, "unknown source"),
    ({"source": "referral", "stage": "maybe"}, "unknown stage"),
    ({"source": "referral", "due": "someday"}, "bad date"),
    ({"source": "referral", "value": "lots"}, "number"),
    ({"source": "referral", "email": "not an email"}, "email"),
    ({"source": "referral", "name": ""}, "name"),
])
def test_add_bad_input_writes_nothing(pipe, kwargs, words):
    name = kwargs.pop("name", "Jane")
    with pytest.raises(BadInput, match=words):
        add_lead(pipe, name, today=TODAY, **kwargs)
    assert pipe.lead_ids() == [] and commit_count(pipe.root) == 1


@pytest.fixture
def lead(pipe):
    return add_lead(pipe, "Jane Doe", "referral", company="Acme", today=TODAY).lead_id


def test_set_changes_fields_with_one_readable_commit(pipe, lead):
    change = set_fields(pipe, lead, ["stage=qualified", "next.action=Send proposal", "next.due=+3d",
                                     "qualification.fit=strong", "value=5000"], today=TODAY)
    assert change.commit
    data = pipe.read(lead).data
    assert data["stage"] == "qualified" and data["next"] == {"action": "Send proposal", "due": dt.date(2026, 11, 26)}
    assert data["qualification"] == {"fit": "strong"} and data["value"] == 5000
    subject = git(pipe.root, "log", "-1", "--format=%s").strip()
    assert subject.startswith(f"{lead}: stage new -> qualified, next.action (none) -> Send proposal")
    assert git(pipe.root, "status", "--porcelain") == ""


def test_set_same_value_writes_and_commits_nothing(pipe, lead):
    path = pipe.lead_path(lead)
    before = path.stat().st_mtime_ns
    change = set_fields(pipe, lead, ["stage=new", "source=referral"], today=TODAY)
    assert change.commit is None
    assert path.stat().st_mtime_ns == before and commit_count(pipe.root) == 2


@pytest.mark.parametrize("assignment", ["stage=bogus", "next.due=someday", "value=-5", "source=nowhere",
                                        "qualification.fit=great", "name=", "log=x", "id=other", "=x", "a..b=1",
                                        "horizon=medium", "email=nope", "qualification.bogus=x"])
def test_set_bad_input_writes_nothing(pipe, lead, assignment):
    before = pipe.lead_path(lead).read_bytes()
    with pytest.raises(BadInput):
        set_fields(pipe, lead, [assignment], today=TODAY)
    assert pipe.lead_path(lead).read_bytes() == before and commit_count(pipe.root) == 2


@pytest.mark.parametrize("bad_id", ["../pipeline", "../../etc/passwd", "/etc/passwd", "a/b", "UPPER", "x" * 81, "",
                                    "-start", "ok\nnewline", "acme\x00", "ａcme"])
def test_ids_cannot_escape_the_pipeline(pipe, bad_id):
    with pytest.raises(BadInput, match="not a lead id"):
        set_fields(pipe, bad_id, ["stage=won"], today=TODAY)
    with pytest.raises(BadInput, match="not a lead id"):
        pipe.read(bad_id)


def test_stage_to_won_records_closed_and_back_clears_it(pipe, lead):
    set_fields(pipe, lead, ["stage=won"], today=TODAY)
    assert pipe.read(lead).data["closed"] == TODAY
    set_fields(pipe, lead, ["stage=proposal"], today=TODAY)
    assert "closed" not in pipe.read(lead).data


def test_tags_add_remove_and_removing_a_key(pipe, lead):
    set_fields(pipe, lead, ["tags+=q4,pilot"], today=TODAY)
    assert pipe.read(lead).data["tags"] == ["q4", "pilot"]
    set_fields(pipe, lead, ["tags-=q4", "company="], today=TODAY)
    data = pipe.read(lead).data
    assert data["tags"] == ["pilot"] and "company" not in data


def test_keys_of_ones_own_are_kept_and_typed_as_yaml(pipe, lead):
    set_fields(pipe, lead, ["budget=5000", "country=NO", "linkedin.url=https://x.example/in/j"], today=TODAY,
               new_keys=True)
    data = pipe.read(lead).data
    assert data["budget"] == 5000 and data["country"] == "NO" and data["linkedin"] == {"url": "https://x.example/in/j"}


def test_log_activity_records_first_contact_once(pipe, lead):
    log_activity(pipe, lead, "call", "Left a voicemail", today=TODAY, now=dt.datetime(2026, 11, 23, 14, 30))
    log_activity(pipe, lead, "email", "Sent deck", today=TODAY, now=dt.datetime(2026, 11, 23, 16, 0))
    data = pipe.read(lead).data
    assert data["first_contact"] == "2026-11-23T14:30"
    assert [e["kind"] for e in data["log"]] == ["call", "email"]
    assert git(pipe.root, "log", "-1", "--format=%s").strip() == f"{lead}: logged email: Sent deck"


def test_commit_failure_restores_the_file(pipe, lead):
    path = pipe.lead_path(lead)
    before = path.read_bytes()
    # a reference-transaction hook that rejects every ref update makes the real `git commit` fail late
    hook = pipe.root / ".git" / "hooks" / "reference-transaction"
    hook.write_text('#!/bin/sh\n[ "$1" = prepared ] && { echo "refusing refs" >&2; exit 1; }\nexit 0\n')
    hook.chmod(0o755)
    with pytest.raises(RepoUnusable, match="git commit failed"):
        set_fields(pipe, lead, ["stage=won"], today=TODAY)
    assert path.read_bytes() == before
    with pytest.raises(RepoUnusable, match="git commit failed"):
        add_lead(pipe, "Other Person", "referral", today=TODAY)
    hook.unlink()
    assert pipe.lead_ids() == [lead] and commit_count(pipe.root) == 2
    assert git(pipe.root, "status", "--porcelain") == ""


def test_fresh_index_lock_means_another_git_is_running(pipe, lead):
    path = pipe.lead_path(lead)
    before = path.read_bytes()
    lock = pipe.root / ".git" / "index.lock"
    lock.write_text("")
    with pytest.raises(RepoUnusable, match="another git command is running"):
        set_fields(pipe, lead, ["stage=won"], today=TODAY)
    lock.unlink()
    assert path.read_bytes() == before and commit_count(pipe.root) == 2


def test_no_git_identity_says_what_to_do_and_writes_nothing(pipe, lead, monkeypatch, tmp_path):
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("EMAIL", "")
    before = pipe.lead_path(lead).read_bytes()
    try:
        from pipeline_tui.core.git.repo import GitRepo

        if GitRepo(pipe.root).identity_problem() is None:
            pytest.skip("this machine derives a git identity from the system (hostname/passwd)")
    except RepoUnusable:
        pass
    with pytest.raises(RepoUnusable, match="git config --global user.name"):
        set_fields(pipe, lead, ["stage=won"], today=TODAY)
    assert pipe.lead_path(lead).read_bytes() == before


def test_an_old_index_lock_is_never_removed_and_the_message_says_what_to_do(pipe, lead):
    """Age proves nothing: a `git commit` waiting in its editor for an hour still holds index.lock."""
    import os
    import time

    lock = pipe.root / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    before = pipe.lead_path(lead).read_bytes()
    with pytest.raises(RepoUnusable, match=r"index is locked .*for 60 minute\(s\).*if no git program is running, "
                                           r"remove that file \(rm '"):
        set_fields(pipe, lead, ["stage=won"], today=TODAY)
    assert lock.exists() and pipe.lead_path(lead).read_bytes() == before
    lock.unlink()  # what the message says to do once no git runs
    set_fields(pipe, lead, ["stage=won"], today=TODAY)
    assert pipe.read(lead).data["stage"] == "won"


def test_a_git_commit_waiting_in_its_editor_keeps_its_commit(pipe, lead, tmp_path):
    """A person's `git commit -a` sits in its editor (holding index.lock) past any age limit while the tool is asked to write: the
    tool refuses, and the person's commit still lands when the editor closes."""
    import os
    import subprocess
    import time

    other = pipe.root / "notes.txt"
    other.write_text("mine\n")
    git(pipe.root, "add", "notes.txt")
    git(pipe.root, "commit", "-qm", "notes")
    other.write_text("mine, edited\n")
    gate = tmp_path / "gate"
    editor = tmp_path / "slow-editor"
    editor.write_text(f"#!/bin/sh\nwhile [ ! -e '{gate}' ]; do sleep 0.05; done\necho 'my own commit' > \"$1\"\n")
    editor.chmod(0o755)
    env = {**os.environ, "GIT_EDITOR": str(editor)}
    person = subprocess.Popen(["git", "commit", "-a"], cwd=pipe.root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    lock = pipe.root / ".git" / "index.lock"
    for _ in range(200):
        if lock.exists():
            break
        time.sleep(0.02)
    old = time.time() - 3600
    os.utime(lock, (old, old))  # an hour in the editor
    with pytest.raises(RepoUnusable, match="index is locked"):
        set_fields(pipe, lead, ["stage=won"], today=TODAY)
    gate.write_text("")
    assert person.wait(timeout=30) == 0
    assert git(pipe.root, "log", "-1", "--format=%s").strip() == "my own commit"


def test_undo_reverts_the_last_tool_change_then_the_one_before(pipe, lead):
    set_fields(pipe, lead, ["stage=qualified"], today=TODAY)
    set_fields(pipe, lead, ["value=100"], today=TODAY)
    undo_last(pipe)
    assert "value" not in pipe.read(lead).data and pipe.read(lead).data["stage"] == "qualified"
    undo_last(pipe)
    assert pipe.read(lead).data["stage"] == "new"
    undo_last(pipe)  # the add
    assert lead not in pipe.lead_ids()
    with pytest.raises(BadInput, match="nothing to undo"):
        undo_last(pipe)
    assert git(pipe.root, "status", "--porcelain") == ""


def test_undo_refuses_when_later_hand_edits_conflict(pipe, lead):
    set_fields(pipe, lead, ["stage=qualified"], today=TODAY)
    path = pipe.lead_path(lead)
    path.write_text(path.read_text().replace("stage: qualified", "stage: proposal"))
    git(pipe.root, "commit", "-qam", "hand edit")
    with pytest.raises(BadInput, match="cannot undo .*later edits of leads/.* overlap it; nothing was changed"):
        undo_last(pipe)
    assert "stage: proposal" in path.read_text()
    assert git(pipe.root, "status", "--porcelain") == ""


def test_broken_files_never_stop_the_others(pipe, lead):
    (pipe.leads_dir / "broken-one.yaml").write_text("name: [unclosed\nsource: referral\n")
    (pipe.leads_dir / "no-source.yaml").write_text("name: X\ncreated: 2026-11-01\nstage: dreaming\n")
    (pipe.leads_dir / "python-tag.yaml").write_text("name: !!python/object/apply:os.system [echo hi]\n")
    (pipe.leads_dir / "dup-keys.yaml").write_text("name: A\nsource: referral\ncreated: 2026-11-01\nname: B\n")
    (pipe.leads_dir / "Bad_Name.yaml").write_text("name: A\nsource: referral\ncreated: 2026-11-01\n")
    fresh = Pipeline(pipe.root)
    leads = {lead.id: lead for lead in fresh.leads()}
    assert not leads[lead].broken
    problems = [str(p) for p in check_pipeline(fresh)]
    assert "leads/broken-one.yaml:3: YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)" in problems \
        or any(p.startswith("leads/broken-one.yaml:") and "YAML" in p for p in problems)
    assert "leads/no-source.yaml:1: missing required key 'source'" in problems
    assert any(p.startswith("leads/no-source.yaml:3: unknown stage 'dreaming'") for p in problems)
    assert any(p.startswith("leads/python-tag.yaml:1: YAML: could not determine a constructor") for p in problems)
    assert any(p.startswith("leads/dup-keys.yaml:4: YAML: duplicate key 'name'") for p in problems)
    assert any(p.startswith("leads/Bad_Name.yaml:1: file name") for p in problems)
    with pytest.raises(BadInput, match="fix the file first"):
        set_fields(fresh, "broken-one", ["stage=won"], today=TODAY)
    assert (pipe.leads_dir / "broken-one.yaml").read_text() == "name: [unclosed\nsource: referral\n"


def test_history_lists_commits_with_changed_fields(pipe, lead):
    set_fields(pipe, lead, ["stage=qualified", "qualification.fit=strong"], today=TODAY)
    log_activity(pipe, lead, "call", "hi", today=TODAY)
    entries = lead_history(pipe, lead)
    assert [e.changed for e in entries] == [["log", "first_contact"], ["stage", "qualification"], ["(created)"]]
    assert entries[0].author == "Test User" and entries[-1].message.endswith("new lead Jane Doe (referral)")


def test_symlinked_lead_file_is_refused(pipe, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: Secret\nsource: referral\ncreated: 2026-11-01\n")
    (pipe.leads_dir / "sneaky.yaml").symlink_to(outside)
    lead = Pipeline(pipe.root).read("sneaky") if False else None  # noqa: SIM108
    with pytest.raises(BadInput, match="symbolic link"):
        set_fields(pipe, "sneaky", ["stage=won"], today=TODAY)
    assert outside.read_text().startswith("name: Secret")
    assert lead is None
    broken = {x.id: x for x in Pipeline(pipe.root).leads()}["sneaky"]
    assert broken.broken and "symbolic link" in broken.broken


def test_a_set_never_commits_what_a_person_staged_by_hand(pipe, lead):
    (pipe.root / "notes.txt").write_text("my own staged work\n")
    git(pipe.root, "add", "notes.txt")
    set_fields(pipe, lead, ["stage=contacted"], today=TODAY)
    assert git(pipe.root, "show", "--name-only", "--format=", "HEAD").split() == [f"leads/{lead}.yaml"]
    assert git(pipe.root, "diff", "--cached", "--name-only").split() == ["notes.txt"]  # still staged, untouched
    set_fields(pipe, lead, ["owner=alice"], today=TODAY)  # and with nothing else staged, only the lead
    git(pipe.root, "commit", "-qm", "notes")
    set_fields(pipe, lead, ["owner=bob"], today=TODAY)
    assert git(pipe.root, "show", "--name-only", "--format=", "HEAD").split() == [f"leads/{lead}.yaml"]
