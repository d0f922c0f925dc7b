"""Team sync on real git: a bare remote and real clones in tmp_path, the field-wise merge driver, and every
way a sync can stop. What is checked is what lands in the files and in git on each side."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.core.changes.activities import log_activity
from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead, set_fields
from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.git.merge import merge_texts
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.sync.exchange import sync
from pipeline_tui.core.sync.result import SyncConflict, parse_resolutions
from pipeline_tui.core.yaml import reader as yamlio
from tests.builders import make_team
from tests.conftest import TODAY, git


def head(p: Pipeline) -> str:
    return git(p.root, "rev-parse", "HEAD").strip()


@pytest.fixture
def team(tmp_path):
    a, (b,), lead, bare = make_team(tmp_path)
    return a, b, lead, bare


def files(p: Pipeline) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(p.leads_dir.glob("*.yaml"))} | {
        "pipeline.yaml": (p.root / "pipeline.yaml").read_bytes()}


def converge(*sides: Pipeline) -> None:
    for p in sides + sides[:1]:
        sync(p)


# --- the merge driver on its own ------------------------------------------------------------------

BASE = "# Jane, met at the fair\nname: Jane Doe   # keep\nsource: referral\nstage: new\ntags: [a]\n" \
       "qualification:\n  fit: partial\n"


def test_different_fields_merge_and_both_sides_comments_survive():
    ours = BASE.replace("stage: new", "stage: contacted  # called her")
    theirs = BASE.replace("  fit: partial", "  fit: strong\n  pain: Slow invoicing  # her words")
    text, conflicts = merge_texts(BASE, ours, theirs, "leads/x.yaml")
    assert conflicts == []
    assert "stage: contacted  # called her" in text and "pain: Slow invoicing  # her words" in text
    assert text.startswith("# Jane, met at the fair\nname: Jane Doe   # keep\n")


def test_same_field_is_a_conflict_with_both_values_recorded_in_the_file():
    text, conflicts = merge_texts(BASE, BASE.replace("new", "won"), BASE.replace("new", "lost"), "leads/x.yaml")
    data = yamlio.loads(text)  # valid YAML, our value in place, both values written down
    assert data["stage"] == "won"
    assert data["merge_conflicts"] == {"stage": {"ours": "won", "theirs": "lost", "base": "new"}}
    assert "<<<<<<<" not in text and "pipeline resolve x stage=ours|theirs" not in text
    assert "pipeline resolve x KEY=ours|theirs" in text
    assert [(c.key, c.base, c.ours, c.theirs) for c in conflicts] == [("stage", "new", "won", "lost")]
    text, conflicts = merge_texts(BASE, BASE.replace("new", "won"), BASE.replace("new", "lost"), "leads/x.yaml",
                                  resolve={"stage": "theirs"})
    assert conflicts == [] and "stage: lost" in text


def test_tags_and_nested_keys_merge_per_item():
    ours = BASE.replace("tags: [a]", "tags: [a, b]")
    theirs = BASE.replace("tags: [a]", "tags: [c]").replace("fit: partial", "fit: partial\n  authority: gatherer")
    text, conflicts = merge_texts(BASE, ours, theirs, "leads/x.yaml")
    from pipeline_tui.core.yaml.reader import loads

    data = loads(text)
    assert conflicts == [] and data["tags"] == ["b", "c"] and data["qualification"]["authority"] == "gatherer"


def test_log_entries_from_both_sides_are_kept_in_date_order_crlf_kept():
    base = "name: J\r\nsource: referral\r\nlog:\r\n  - {date: 2026-11-01, kind: call}\r\n"
    ours = base + "  - {date: 2026-11-05, kind: email, text: ours}\r\n"
    theirs = base + "  - {date: 2026-11-03, kind: note, text: theirs}\r\n  - {date: 2026-11-09, kind: call}\r\n"
    text, conflicts = merge_texts(base, ours, theirs, "leads/x.yaml")
    from pipeline_tui.core.yaml.reader import loads

    assert conflicts == []
    assert [str(e["date"]) for e in loads(text)["log"]] == ["2026-11-01", "2026-11-03", "2026-11-05", "2026-11-09"]
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


def test_closed_goes_with_the_chosen_stage():
    base = "name: J\nsource: referral\nstage: proposal\n"
    ours = "name: J\nsource: referral\nstage: won\nclosed: 2026-11-20\n"
    theirs = "name: J\nsource: referral\nstage: negotiation\n"
    text, _ = merge_texts(base, ours, theirs, "leads/x.yaml", resolve={"stage": "theirs"})
    assert "closed" not in text and "stage: negotiation" in text


def test_resolutions_parse_and_bad_ones_are_refused():
    assert parse_resolutions(["acme.stage=theirs", "beta=ours", "all=theirs"]) == {
        "acme": {"stage": "theirs"}, "beta": {"*": "ours"}, "*": {"*": "theirs"}}
    with pytest.raises(BadInput, match="ours or"):
        parse_resolutions(["acme.stage=mine"])


# --- sync between real clones --------------------------------------------------------------------

def test_fresh_clone_gets_the_merge_driver_and_edits_of_different_fields_merge(team):
    a, b, lead, _ = team
    assert git(b.root, "config", "--get", "--default", "", "merge.pipeline-lead.driver").strip() == ""
    # a hand-written comment on a's side must survive everything below
    path_a = a.leads_dir / f"{lead}.yaml"
    path_a.write_text(path_a.read_text().replace("company: Acme", "company: Acme  # the Oslo office"))
    git(a.root, "commit", "-qam", "comment")
    sync(a)
    sync(b)
    assert "merge-driver" in git(b.root, "config", "merge.pipeline-lead.driver")
    set_fields(a, lead, ["stage=contacted"], today=TODAY)
    log_activity(a, lead, "note", "from a", today=TODAY)
    set_fields(b, lead, ["owner=bob", "qualification.fit=strong"], today=TODAY)
    log_activity(b, lead, "call", "from b", today=TODAY)
    sync(a)
    result = sync(b)
    assert lead in result.incoming and result.received >= 2
    sync(a)
    assert files(a) == files(b)
    text = path_a.read_text()
    assert "<<<<<<<" not in text and "company: Acme  # the Oslo office" in text
    data = a.read(lead).data
    assert (data["stage"], data["owner"], data["qualification"]["fit"]) == ("contacted", "bob", "strong")
    assert sorted(e["text"] for e in data["log"]) == ["from a", "from b"]


def test_same_field_stops_changes_nothing_and_resolves_on_request(team, run):
    a, b, lead, _ = team
    sync(b)
    set_fields(a, lead, ["stage=qualified"], today=TODAY)
    set_fields(b, lead, ["stage=lost"], today=TODAY)
    sync(a)
    before_head, before_files = head(b), files(b)
    res = run("-C", str(b.root), "sync")
    assert res.code == 3, res
    assert 'stage: here "lost", on origin "qualified"' in res.err and f"--resolve {lead}.stage=" in res.err
    assert head(b) == before_head and files(b) == before_files  # nothing changed, nothing lost
    assert git(b.root, "status", "--porcelain") == "" and not (b.root / ".git" / "MERGE_HEAD").exists()
    res = run("-C", str(b.root), "sync", "--resolve", f"{lead}.stage=theirs")
    assert res.code == 0, res
    assert b.read(lead).data["stage"] == "qualified" and "closed" not in b.read(lead).data
    sync(a)
    assert files(a) == files(b)


def test_sync_reports_who_changed_which_lead_and_likely_duplicates(team, run):
    a, b, lead, _ = team
    sync(b)
    set_fields(b, lead, ["value=9000"], today=TODAY)
    dup = add_lead(b, "Jane Doe", "event", company="Acme", today=TODAY).lead_id
    sync(b)
    res = run("-C", str(a.root), "sync")
    assert res.code == 0, res
    assert f"{lead}  (Bob)" in res.out and dup in res.out
    assert "likely duplicate" in res.out


def test_uncommitted_edits_stop_sync_until_committed(team, run):
    a, b, lead, _ = team
    path = b.leads_dir / f"{lead}.yaml"
    path.write_text(path.read_text() + "notes: hand edit\n")
    res = run("-C", str(b.root), "sync")
    assert res.code == 3 and "not committed" in res.err and "--commit" in res.err
    assert "notes: hand edit" in path.read_text()
    path.write_text(path.read_text() + "broken: [\n")
    res = run("-C", str(b.root), "sync", "--commit")
    assert res.code == 2 and f"leads/{lead}.yaml:" in res.err and "does not parse" in res.err
    path.write_text(path.read_text().replace("broken: [\n", ""))
    res = run("-C", str(b.root), "sync", "--commit")
    assert res.code == 0 and "committed 1 hand-edited file" in res.out, res
    sync(a)
    assert a.read(lead).data["notes"] == "hand edit"


def test_no_remote_and_unreachable_remote(tmp_path, run):
    p = init_pipeline(tmp_path / "solo")
    res = run("-C", str(p.root), "sync")
    assert res.code == 3 and "no remote" in res.err
    git(p.root, "remote", "add", "origin", str(tmp_path / "nowhere.git"))
    before = head(p)
    res = run("-C", str(p.root), "sync")
    assert res.code == 3 and "cannot reach origin" in res.err and "safe" in res.err
    assert head(p) == before


def test_rejected_push_keeps_the_commits_here(team, run):
    a, b, lead, bare = team
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'the main branch is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    set_fields(b, lead, ["owner=bob"], today=TODAY)
    mine = head(b)
    res = run("-C", str(b.root), "sync")
    assert res.code == 3 and "refused the push" in res.err and "protected" in res.err
    assert head(b) == mine and b.read(lead).data["owner"] == "bob"


def test_merge_left_half_done_by_git_is_explained(team, run):
    a, b, lead, _ = team
    (a.root / "README.md").write_text("from a\n")
    git(a.root, "add", "README.md")
    git(a.root, "commit", "-qm", "readme a")
    sync(a)
    (b.root / "README.md").write_text("from b\n")
    git(b.root, "add", "README.md")
    git(b.root, "commit", "-qm", "readme b")
    # a sync meets a file git cannot merge: it stops, and leaves nothing half done
    res = run("-C", str(b.root), "sync")
    assert res.code == 3 and "README.md" in res.err
    assert not (b.root / ".git" / "MERGE_HEAD").exists() and (b.root / "README.md").read_text() == "from b\n"
    # a merge git itself left half done
    subprocess.run(["git", "merge", "origin/main"], cwd=b.root, capture_output=True)
    assert (b.root / ".git" / "MERGE_HEAD").exists()
    res = run("-C", str(b.root), "sync")
    assert res.code == 3 and "merge is half done" in res.err and "git merge --abort" in res.err


def test_detached_head_is_explained(team):
    a, b, lead, _ = team
    git(b.root, "checkout", "-q", "--detach")
    with pytest.raises(RepoUnusable, match="detached"):
        sync(b)


def test_playbook_changes_merge_or_stop(team):
    a, b, lead, _ = team
    sync(b)
    for p, old, new in ((a, "silent_days: 60", "silent_days: 45"), (b, "max_owner_share: 0.6", "max_owner_share: 0.5")):
        path = p.root / "pipeline.yaml"
        path.write_text(path.read_text().replace(old, new))
        git(p.root, "commit", "-qam", f"playbook: {new}")
    sync(a)
    sync(b)
    sync(a)
    text = (a.root / "pipeline.yaml").read_text()
    assert "silent_days: 45" in text and "max_owner_share: 0.5" in text and text.startswith("# pipeline.yaml")
    assert files(a) == files(b)
    for p, value in ((a, "0.7"), (b, "0.8")):
        path = p.root / "pipeline.yaml"
        path.write_text(path.read_text().replace("max_group_share: 0.6", f"max_group_share: {value}"))
        git(p.root, "commit", "-qam", "share")
    sync(a)
    with pytest.raises(SyncConflict) as info:
        sync(b)
    assert info.value.conflicts[0]["key"] == "mix.max_group_share"
    assert "max_group_share: 0.8" in (b.root / "pipeline.yaml").read_text()


def test_three_clones_converge(tmp_path):
    a, (b, c), lead, _ = make_team(tmp_path, n_clones=2)
    set_fields(a, lead, ["horizon=long"], today=TODAY)
    set_fields(b, lead, ["value=1200"], today=TODAY)
    log_activity(c, lead, "meeting", "demo", today=TODAY)
    new = add_lead(c, "Kai Berg", "event", today=TODAY).lead_id
    for p in (a, b, c, a, b):
        sync(p)
    assert files(a) == files(b) == files(c)
    data = a.read(lead).data
    assert (data["horizon"], data["value"], data["log"][-1]["text"]) == ("long", 1200, "demo")
    assert (a.leads_dir / f"{new}.yaml").exists()


# --- property: random non-overlapping edits from two clones converge -------------------------------

FIELDS = {
    "stage": ["contacted", "qualified", "proposal"],
    "owner": ["alice", "bob"],
    "value": ["1000", "2500"],
    "horizon": ["long"],
    "qualification.fit": ["poor", "strong"],
    "next.action": ["Send deck", "Call back"],
    "company": ["Acme Oslo", "Acme AS"],
}
edit = st.tuples(st.integers(0, 1), st.sampled_from(sorted(FIELDS)), st.integers(0, 1))


@settings(max_examples=6)
@given(edits=st.lists(edit, max_size=8), notes=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), max_size=3))
def test_non_overlapping_edits_always_converge(tmp_path_factory, edits, notes):
    tmp = tmp_path_factory.mktemp("prop")
    a, (b,), first, _ = make_team(tmp)
    second = add_lead(a, "Sam Roe", "event", today=TODAY).lead_id
    sync(a)
    sync(b)
    leads = [first, second]
    owner: dict[tuple[int, str], int] = {}
    expected: dict[tuple[int, str], str] = {}
    sides = (a, b)
    for side, key, choice in edits:
        lead_i = choice
        if owner.setdefault((lead_i, key), side) != side:
            continue  # that field belongs to the other clone: edits never overlap
        value = FIELDS[key][(side + len(expected)) % len(FIELDS[key])]
        set_fields(sides[side], leads[lead_i], [f"{key}={value}"], today=TODAY)
        expected[(lead_i, key)] = value
    for side, lead_i in notes:
        log_activity(sides[side], leads[lead_i], "note", f"note from {side}", today=TODAY)
    converge(a, b)
    assert files(a) == files(b)
    for (lead_i, key), value in expected.items():
        data = a.read(leads[lead_i]).data
        for part in key.split(".")[:-1]:
            data = data[part]
        assert str(data[key.split(".")[-1]]) == value
    for side, lead_i in notes:
        assert f"note from {side}" in [e.get("text") for e in a.read(leads[lead_i]).data.get("log", [])]
    for f in a.leads_dir.glob("*.yaml"):
        assert "<<<<<<<" not in f.read_text()


def test_rebase_left_half_done_by_git_is_explained(team, run):
    a, b, lead, _ = team
    for p, text in ((a, "from a\n"), (b, "from b\n")):
        (p.root / "README.md").write_text(text)
        git(p.root, "add", "README.md")
        git(p.root, "commit", "-qm", f"readme {text.strip()}")
    sync(a)
    git(b.root, "fetch", "-q", "origin")
    subprocess.run(["git", "rebase", "origin/main"], cwd=b.root, capture_output=True)
    assert (b.root / ".git" / "rebase-merge").exists() or (b.root / ".git" / "rebase-apply").exists()
    res = run("-C", str(b.root), "sync")
    assert res.code == 3 and "rebase is half done" in res.err and "git rebase --abort" in res.err


def test_a_pipeline_in_a_folder_with_spaces_inside_a_bigger_repository(tmp_path):
    """The driver gets paths like `Sales Team/leads/x.yaml`; the merge still works field by field."""
    outer = tmp_path / "company repo"
    outer.mkdir()
    git(outer, "init", "-q", "-b", "main")
    a = init_pipeline(outer / "Sales Team")
    lead = add_lead(a, "Jane Doe", "referral", today=TODAY).lead_id
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    git(outer, "remote", "add", "origin", str(bare))
    sync(a)
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "clone b")], check=True)
    b = Pipeline.open(tmp_path / "clone b" / "Sales Team")
    sync(b)
    set_fields(a, lead, ["owner=alice"], today=TODAY)
    set_fields(b, lead, ["stage=contacted"], today=TODAY)
    sync(a)
    sync(b)
    data = b.read(lead).data
    assert (data["owner"], data["stage"]) == ("alice", "contacted")


@pytest.mark.parametrize("point", ["in-merge", "sync-merging"])
def test_a_sync_killed_in_its_merge_never_passes_a_teammates_edits_off_as_mine(tmp_path, point):
    """The whole sync (pipeline, git, the merge driver) killed inside git's merge, or just before it with the
    teammate's file already in the working tree (as a checkout killed half way leaves it): the next command
    puts the files back, `sync --commit` commits nothing of the teammate's as a hand edit, and the clones
    converge."""
    import os
    import sys

    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(a, lead, ["value=700"], today=TODAY)  # the teammate's
    sync(a)
    set_fields(b, lead, ["owner=alice"], today=TODAY)  # mine: both change the lead, so the driver runs
    env = {**os.environ, "PIPELINE_FAULT": point}
    proc = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(b.root), "sync"], env=env,
                          capture_output=True, text=True, start_new_session=True)
    assert proc.returncode in (-9, 137), proc
    if point == "sync-merging":  # what a checkout killed half way leaves: their version in my tree
        git(b.root, "show", f"origin/main:leads/{lead}.yaml")
        theirs = git(b.root, "show", f"origin/main:leads/{lead}.yaml")
        b.lead_path(lead).write_text(theirs)
    lock = b.root / ".git" / "index.lock"
    if lock.exists():
        lock.unlink()
    mine = head(b)
    res = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(b.root), "sync", "--commit"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res
    assert "hand edits" not in git(b.root, "log", "--format=%s", f"{mine}..HEAD")
    sync(a)
    assert files(a) == files(b)
    data = b.read(lead).data
    assert data["value"] == 700 and data["owner"] == "alice"


def test_identical_log_entries_are_counted_not_collapsed(tmp_path):
    """One person logs "Left voicemail" twice on a day and a teammate once: after sync both clones hold three
    (a three-way multiset merge: n + m - k)."""
    from pipeline_tui.core.git.fieldmerge import _merge_log

    a, (b,), lead, _ = make_team(tmp_path)
    for _ in range(2):
        log_activity(a, lead, "call", "Left voicemail", today=TODAY)
    log_activity(b, lead, "call", "Left voicemail", today=TODAY)
    sync(a)
    sync(b)
    sync(a)
    for side in (a, b):
        texts = [e.get("text") for e in side.read(lead).data["log"]]
        assert texts.count("Left voicemail") == 3, (side.root.name, texts)
    assert files(a) == files(b)
    e = {"date": TODAY, "kind": "call", "text": "x"}
    f = {"date": TODAY, "kind": "note", "text": "y"}
    assert _merge_log([e], [e, e, f], [e]) == [e, e, f]  # ours added one x and f; theirs nothing
    assert _merge_log([e, e], [e], [e]) == []  # each side removed one of the two: n + m - k = 0
    assert _merge_log([], [e], [e, f]) == [e, e, f]  # both added x: two x


def test_obvious_fields_merge_and_closed_follows_the_chosen_stage(tmp_path):
    """Two first calls on one lead: the earlier first_contact stays, no conflict. A stage chosen with
    --resolve brings its closed date; a closed date chosen too is respected."""
    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(a, lead, ["created=2026-11-01"], today=TODAY)  # first contact and close after it came in
    sync(a)
    sync(b)
    set_fields(a, lead, ["first_contact=2026-11-02T09:00"], today=TODAY)
    set_fields(b, lead, ["first_contact=2026-11-02T10:30"], today=TODAY)
    sync(a)
    sync(b)  # no conflict
    assert str(b.read(lead).data["first_contact"]) == "2026-11-02T09:00"
    sync(a)
    set_fields(a, lead, ["stage=won", "closed=2026-11-20"], today=TODAY)
    set_fields(b, lead, ["stage=lost", "closed=2026-11-21"], today=TODAY)
    sync(a)
    with pytest.raises(SyncConflict) as info:
        sync(b)
    assert [c["key"] for c in info.value.conflicts] == ["stage"]  # closed goes with the stage
    sync(b, resolve=parse_resolutions([f"{lead}.stage=theirs"]))
    data = b.read(lead).data
    assert data["stage"] == "won" and str(data["closed"]) == "2026-11-20"
    sync(a)
    set_fields(a, lead, ["stage=proposal"], today=TODAY)
    sync(a)
    sync(b)
    set_fields(a, lead, ["stage=won", "closed=2026-11-22"], today=TODAY)
    set_fields(b, lead, ["stage=lost", "closed=2026-11-23"], today=TODAY)
    sync(a)
    sync(b, resolve=parse_resolutions([f"{lead}.stage=theirs", f"{lead}.closed=ours"]))
    data = b.read(lead).data
    assert data["stage"] == "won" and str(data["closed"]) == "2026-11-23"


def test_a_broken_file_is_never_pushed_and_one_that_comes_in_is_no_wall(tmp_path):
    """A teammate commits `owner: [alice` with plain git and pushes: my sync takes it as it is (check reports
    it) instead of stopping every sync; and sync itself refuses to push a lead that does not parse."""
    a, (b,), lead, _ = make_team(tmp_path)
    path_b = b.lead_path(lead)
    path_b.write_text(path_b.read_text().replace("name: Jane Doe", "name: Jane Doe\nowner: [alice"))
    git(b.root, "commit", "-qam", "a broken hand edit")
    with pytest.raises(RepoUnusable, match=r"not pushing: this file does not parse"):
        sync(b)
    git(b.root, "push", "-q", "origin", "HEAD:main")  # plain git does push it
    set_fields(a, lead, ["value=5"], today=TODAY)  # and I changed the same lead meanwhile
    sync(a)  # no wall: git's line merge is clean, taken as it is
    text = a.lead_path(lead).read_text()
    assert "owner: [alice" in text and "value: 5" in text
    from pipeline_tui.core.views.checks import check_pipeline

    assert any(p.path.endswith(f"{lead}.yaml") and p.severity == "error" for p in check_pipeline(a))


def test_check_warns_when_the_merge_driver_is_missing_or_its_program_gone(tmp_path):
    from pipeline_tui.core.views.checks import check_pipeline

    a, (b,), lead, _ = make_team(tmp_path)  # b: a fresh clone, never synced
    said = [p.message for p in check_pipeline(b)]
    assert any("merge driver is not registered" in m for m in said), said
    sync(b)
    assert not any("merge driver" in p.message for p in check_pipeline(b))
    git(b.root, "config", "merge.pipeline-lead.driver", "/gone/venv/bin/python -m pipeline_tui merge-driver %O %A %B %P")
    assert any("program is gone (/gone/venv/bin/python" in p.message for p in check_pipeline(b))
    sync(b)  # registers it again
    assert not any("merge driver" in p.message for p in check_pipeline(b))


def test_check_gives_the_right_advice_during_a_half_done_merge(tmp_path):
    from pipeline_tui.core.views.checks import check_pipeline

    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(a, lead, ["value=1"], today=TODAY)
    sync(a)
    set_fields(b, lead, ["owner=alice"], today=TODAY)
    git(b.root, "fetch", "-q")
    subprocess.run(["git", "merge", "--no-commit", "--no-ff", "origin/main"], cwd=b.root, capture_output=True)
    assert (b.root / ".git" / "MERGE_HEAD").exists()
    said = [p.message for p in check_pipeline(b) if p.severity == "warning"]
    assert any("git merge is half done" in m and "git merge --abort" in m for m in said), said
    assert not any("git checkout" in m or "pipeline sync --commit" in m for m in said), said


def test_the_summary_shows_every_incoming_change_with_who_made_it(tmp_path):
    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(b, lead, ["stage=qualified"], today=TODAY)
    log_activity(b, lead, "note", "asked for pricing", today=TODAY)
    sync(b)
    lines = sync(a).lines()
    text = "\n".join(lines)
    assert f"  {lead}  (Bob)" in text
    assert "    Bob: stage new -> qualified" in text and "    Bob: logged note: asked for pricing" in text
    assert text.index("stage new -> qualified") < text.index("asked for pricing")  # oldest first


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_deleted_on_one_side_edited_on_the_other_is_said_and_resolvable(tmp_path, side):
    a, (b,), lead, _ = make_team(tmp_path)
    git(a.root, "rm", "-q", f"leads/{lead}.yaml")
    git(a.root, "commit", "-qm", "forget her")
    sync(a)
    set_fields(b, lead, ["value=9"], today=TODAY)
    with pytest.raises(SyncConflict) as info:
        sync(b)
    line = " ".join(info.value.lines())
    assert "changed here, deleted on origin" in line and f"--resolve {lead}=ours" in line
    assert b.read(lead).data["value"] == 9  # nothing changed here
    sync(b, resolve=parse_resolutions([f"{lead}={side}"]))
    sync(a)
    if side == "ours":
        assert a.read(lead).data["value"] == 9 and b.read(lead).data["value"] == 9
    else:
        assert lead not in a.lead_ids() and lead not in b.lead_ids()
    assert files(a) == files(b)


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_deleted_here_while_a_teammate_edited_it(tmp_path, side):
    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(a, lead, ["value=9"], today=TODAY)
    sync(a)
    git(b.root, "rm", "-q", f"leads/{lead}.yaml")
    git(b.root, "commit", "-qm", "forget her")
    with pytest.raises(SyncConflict) as info:
        sync(b)
    assert "deleted here, changed on origin" in " ".join(info.value.lines())
    sync(b, resolve=parse_resolutions([f"{lead}={side}"]))
    sync(a)
    if side == "theirs":
        assert a.read(lead).data["value"] == 9 and b.read(lead).data["value"] == 9
    else:
        assert lead not in a.lead_ids() and lead not in b.lead_ids()
    assert files(a) == files(b)
