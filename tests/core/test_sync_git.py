"""Team sync through plain git as a person types it (`git pull`, `git pull --rebase`, `git add -A`, commit),
and the layout a person wrote by hand surviving every merge. Real bare remotes and clones; what is checked is
what lands in the files and in git: no marker, every note as many times as written, every comment, and
`check` clean once the person has chosen."""

from __future__ import annotations

import pytest

from pipeline_tui.core.changes.activities import log_activity
from pipeline_tui.core.changes.leads import set_fields
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.git.conflicts import pending
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.sync.exchange import sync
from pipeline_tui.core.sync.resolve import resolve
from pipeline_tui.core.sync.result import SyncConflict
from pipeline_tui.core.views.checks import check_pipeline
from pipeline_tui.core.yaml import reader as yamlio
from tests.builders import make_team
from tests.conftest import TODAY, git


def _git(p: Pipeline, *args: str, ok: bool = True) -> str:
    import subprocess

    res = subprocess.run(["git", *args], cwd=p.root, capture_output=True, text=True, check=False)
    assert (res.returncode == 0) == ok or not ok, res.stderr
    return res.stdout + res.stderr


def _notes(p: Pipeline, lead: str) -> list[str]:
    return [e.get("text") for e in p.read(lead).data.get("log", [])]


def _errors(p: Pipeline) -> list[str]:
    return [f"{x.path}: {x.message}" for x in check_pipeline(p) if x.severity == "error"]


@pytest.fixture
def team(tmp_path):
    a, (b,), lead, bare = make_team(tmp_path)
    sync(b)  # registers the merge driver in b, as any first sync does
    return a, b, lead


def _same_field_both_sides(a: Pipeline, b: Pipeline, lead: str) -> None:
    set_fields(a, lead, ["value=100", "owner=alice"], today=TODAY)
    log_activity(a, lead, "note", "from a", today=TODAY)
    sync(a)
    set_fields(b, lead, ["value=200"], today=TODAY)
    log_activity(b, lead, "note", "from b", today=TODAY)
    log_activity(b, lead, "note", "from b", today=TODAY)  # written twice: stays twice


@pytest.mark.parametrize("how", ["merge", "rebase"])
def test_same_field_through_plain_git_pull_then_git_add_and_commit_loses_nothing(team, how):
    """Case 3: git reports the conflict (UU), but the file holds every change of both sides and both values
    of the field, in valid YAML; `git add -A` and commit (or rebase --continue) keeps all of it; commands
    refuse the lead and point at `pipeline resolve`, which settles it as one commit."""
    a, b, lead = team
    _same_field_both_sides(a, b, lead)
    out = _git(b, "pull", "--no-edit", f"--{'no-rebase' if how == 'merge' else 'rebase'}", ok=False)
    assert "CONFLICT" in out
    assert _git(b, "status", "--porcelain").startswith("UU ") or "U" in _git(b, "status", "--porcelain")[:2]
    text = b.lead_path(lead).read_text()
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    data = yamlio.loads(text)
    if how == "merge":  # (a rebase replays b's commits one by one: its notes come with the next ones)
        assert sorted(_notes(b, lead)) == ["from a", "from b", "from b"]
    assert data["owner"] == "alice"  # theirs, no conflict: kept
    values = {data["merge_conflicts"]["value"]["ours"], data["merge_conflicts"]["value"]["theirs"]}
    assert values == {100, 200}
    _git(b, "add", "-A")
    if how == "merge":
        _git(b, "commit", "-qm", "merged by hand")
    else:
        import os
        import subprocess

        done = subprocess.run(["git", "rebase", "--continue"], cwd=b.root, capture_output=True, text=True,
                              env={**os.environ, "GIT_EDITOR": "true"})
        assert done.returncode == 0, done.stdout + done.stderr  # b's later commits replay cleanly
        assert not (b.root / ".git" / "rebase-merge").exists()
    assert sorted(_notes(b, lead)) == ["from a", "from b", "from b"]  # the commit dropped nothing
    assert any("pipeline resolve" in e for e in _errors(b))
    with pytest.raises(BadInput, match=r"two versions of value .*pipeline resolve"):
        set_fields(b, lead, ["value=5"], today=TODAY)
    [p] = pending(b)
    assert p.ref == lead and set(p.record) == {"value"}
    resolve(b, lead, {"value": "theirs"})
    data = b.read(lead).data
    assert "merge_conflicts" not in data and data["value"] in (100, 200)
    assert "changed differently" not in b.lead_path(lead).read_text()  # the note went with the record
    assert _errors(b) == []
    assert "resolved merge conflict: value (theirs)" in git(b.root, "log", "-1", "--format=%s")
    sync(b)
    sync(a)
    assert a.lead_path(lead).read_bytes() == b.lead_path(lead).read_bytes()
    assert sorted(_notes(a, lead)) == ["from a", "from b", "from b"]


def test_a_stale_driver_path_falls_back_to_markers_and_resolve_merges_them(team):
    """The registered driver's program is gone (a recreated venv): git's line merge writes diff3 markers
    rather than silently keeping one side; `check` says what to run; `pipeline resolve ID` merges the three
    versions field by field (here cleanly: different fields)."""
    a, b, lead = team
    git(b.root, "config", "merge.pipeline-lead.driver",
        "/gone/venv/bin/python -m pipeline_tui merge-driver %O %A %B %P; s=$?; [ $s -le 1 ] && exit $s; "
        "git merge-file --diff3 -L ours -L base -L theirs %A %O %B")
    set_fields(a, lead, ["value=100"], today=TODAY)
    log_activity(a, lead, "note", "from a", today=TODAY)
    sync(a)
    set_fields(b, lead, ["owner=bob"], today=TODAY)
    log_activity(b, lead, "note", "from b", today=TODAY)
    _git(b, "pull", "--no-rebase", "--no-edit", ok=False)
    text = b.lead_path(lead).read_text()
    assert "<<<<<<<" in text and "from a" in text and "from b" in text  # nothing dropped
    _git(b, "add", "-A")
    _git(b, "commit", "-qm", "merged with markers")
    assert any("conflict markers" in e and f"pipeline resolve {lead}" in e for e in _errors(b))
    resolve(b, lead, {})
    data = b.read(lead).data
    assert data["value"] == 100 and data["owner"] == "bob"
    assert sorted(_notes(b, lead)) == ["from a", "from b"]
    assert _errors(b) == []


def test_a_comment_only_edit_survives_a_field_edit_whichever_side_syncs_first(tmp_path):
    """Case 2: a comment written on one side and a field changed on the other: both survive, in both orders."""
    for first in (0, 1):
        a, (b,), lead, _ = make_team(tmp_path / str(first))
        path = b.lead_path(lead)
        path.write_text(path.read_text().replace("company: Acme", "# CFO is the real decision maker\ncompany: Acme"))
        git(b.root, "commit", "-qam", "a comment")
        set_fields(a, lead, ["value=5000"], today=TODAY)
        order = (a, b) if first == 0 else (b, a)
        for p in order + order:
            sync(p)
        for p in (a, b):
            text = p.lead_path(lead).read_text()
            assert "# CFO is the real decision maker\ncompany: Acme" in text and "value: 5000" in text


def test_hand_layout_survives_when_the_other_side_pushes_first(tmp_path):
    """Case 2: keys reordered, a 4-space indent and a block list written by hand on one side, a note and a
    field on the other: the hand-written lines stay byte for byte, and the new log entry is indented like
    the hand-written ones (not 6 spaces)."""
    a, (b,), lead, _ = make_team(tmp_path)
    log_activity(a, lead, "call", "first call", today=TODAY)
    sync(a)
    sync(b)
    path = b.lead_path(lead)
    data = yamlio.loads(path.read_text())
    hand = ("# hand-written\n"
            f"company: {data['company']}\nname: {data['name']}\nsource: {data['source']}\n"
            f"stage: {data['stage']}\ncreated: {data['created']}\nfirst_contact: {data['first_contact']}\n"
            "tags:\n    - manufacturing\n    - q4\n"
            f"next:\n    action: {data['next']['action']}\n    due: {data['next']['due']}\n"
            "log:\n    -   date: 2026-11-23\n        kind: call\n        text: first call\n")
    assert {k: v for k, v in yamlio.loads(hand).items() if k != "tags"} == data, data
    path.write_text(hand)
    git(b.root, "commit", "-qam", "tidied by hand")
    sync(b)  # the hand layout is pushed first
    set_fields(a, lead, ["value=900"], today=TODAY)
    log_activity(a, lead, "email", "sent the deck", today=TODAY)
    sync(a)
    sync(b)
    for p in (a, b):
        text = p.lead_path(lead).read_text()
        for line in hand.splitlines()[:-4]:
            assert line + "\n" in text, (line, text)
        assert "    -   date: 2026-11-23\n        kind: call\n        text: first call\n" in text
        assert "\n    - date: 2026-11-23\n      kind: email\n      text: sent the deck\n" in text, text
        assert "value: 900" in text
    assert a.lead_path(lead).read_bytes() == b.lead_path(lead).read_bytes()
    assert _errors(a) == []


def test_playbook_flow_mapping_comment_and_number_text_survive(tmp_path):
    """Case 2: a teammate's new source written as a flow mapping with a comment and `0.40` comes through a
    merge with another playbook change exactly as written."""
    a, (b,), lead, _ = make_team(tmp_path)
    pb = b.root / "pipeline.yaml"
    text = pb.read_text()
    assert "\nsources:\n" in text
    new_line = "  trade-fair: {group: events, origin: buyer, cost: 0.40}  # Hannover, every April\n"
    lines = text.splitlines(keepends=True)
    at = lines.index("sources:\n") + 1
    pb.write_text("".join(lines[:at] + [new_line] + lines[at:]))
    git(b.root, "commit", "-qam", "a new source")
    sync(b)
    pa = a.root / "pipeline.yaml"
    pa.write_text(pa.read_text().replace("sources:\n", "# where leads come from\nsources:\n"))
    git(a.root, "commit", "-qam", "a comment")
    sync(a)
    sync(b)
    for p in (a, b):
        text = (p.root / "pipeline.yaml").read_text()
        assert new_line in text and "# where leads come from\nsources:\n" in text
    assert (a.root / "pipeline.yaml").read_bytes() == (b.root / "pipeline.yaml").read_bytes()


def test_sync_still_stops_on_a_same_field_conflict_and_changes_nothing(team):
    """`pipeline sync` keeps its rule: it stops, nothing changes here, and --resolve chooses."""
    a, b, lead = team
    _same_field_both_sides(a, b, lead)
    before = b.lead_path(lead).read_bytes()
    with pytest.raises(SyncConflict):
        sync(b)
    assert b.lead_path(lead).read_bytes() == before
    assert _git(b, "status", "--porcelain") == ""


def test_the_very_same_note_logged_on_two_clones_is_kept_twice_by_sync(tmp_path):
    """Two people each leave a voicemail on one lead the same day and log it in the same words: the two
    files are byte for byte the same, so git keeps one copy without asking the driver. `pipeline sync`
    counts them: two entries on both clones."""
    a, (b,), lead, _ = make_team(tmp_path)
    for p in (a, b):
        log_activity(p, lead, "call", "Left voicemail", today=TODAY)
    assert a.lead_path(lead).read_bytes() == b.lead_path(lead).read_bytes()
    sync(a)
    sync(b)
    sync(a)
    for p in (a, b):
        assert _notes(p, lead).count("Left voicemail") == 2
    assert a.lead_path(lead).read_bytes() == b.lead_path(lead).read_bytes()
    assert _errors(a) == []


def test_resolving_one_of_two_fields_leaves_only_the_other_to_choose(team):
    """Two fields changed differently on both sides, a plain `git pull`, then `pipeline resolve ID owner=theirs`:
    the owner is settled and leaves the record; the value is all that is still to choose (the record kept the
    owner too, so the listing offered it again after it was chosen)."""
    a, b, lead = team
    set_fields(a, lead, ["value=100", "owner=alice"], today=TODAY)
    sync(a)
    set_fields(b, lead, ["value=200", "owner=bob"], today=TODAY)
    _git(b, "pull", "--no-rebase", "--no-edit", ok=False)
    _git(b, "add", "-A")
    _git(b, "commit", "-q", "--no-edit")
    [waiting] = pending(b)
    assert set(waiting.record) == {"owner", "value"}
    _, left = resolve(b, lead, {"owner": "theirs"})
    assert left == ["value"]
    data = b.read(lead).data
    assert data["owner"] == "alice"
    assert set(data["merge_conflicts"]) == {"value"}
    [waiting] = pending(b)
    assert set(waiting.record) == {"value"}
    _, left = resolve(b, lead, {"value": "ours"})
    assert left == [] and "merge_conflicts" not in b.read(lead).data and pending(b) == []
    assert b.read(lead).data["value"] == 200
    assert "merge_conflicts" not in (b.root / "leads" / f"{lead}.yaml").read_text()
