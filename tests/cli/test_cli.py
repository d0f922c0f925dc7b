"""The CLI contract through the real entry point: output, exit codes, nothing written on bad input."""

from __future__ import annotations

import json

import pytest

from tests.conftest import commit_count, git


@pytest.fixture
def root(tmp_path, run):
    r = run("init", str(tmp_path / "p"))
    assert r.code == 0, r
    return tmp_path / "p"


@pytest.fixture
def lead(root, run):
    r = run("-C", str(root), "add", "Jane Doe", "--source", "referral", "--company", "Acme Corp", "--owner", "alice",
            "--tag", "q4", "--next", "Call back", "--due", "tomorrow", "--value", "12000")
    assert r.code == 0, r
    return r.out.strip()


def test_init_then_add_list_show(root, lead, run):
    assert lead.startswith("acme-corp-jane-doe-")
    r = run("list", cwd=root)  # found by walking up from the current folder
    assert r.code == 0 and lead in r.out and "Jane Doe" in r.out and "2026-11-24" in r.out
    r = run("-C", str(root), "list", "--json")
    data = json.loads(r.out)
    assert len(data) == 1
    obj = data[0]
    for key in ("id", "path", "name", "company", "source", "group", "origin", "stage", "horizon", "grade", "owner",
                "value", "created", "next", "tags"):
        assert key in obj
    assert obj["next"] == {"action": "Call back", "due": "2026-11-24"}
    assert obj["group"] == "referrals" and obj["origin"] == "buyer" and obj["path"] == f"leads/{lead}.yaml"
    r = run("-C", str(root), "show", lead)
    assert r.code == 0 and "Jane Doe" in r.out and "Call back" in r.out


def test_show_json_carries_unknown_keys(root, lead, run):
    path = root / "leads" / f"{lead}.yaml"
    path.write_text(path.read_text() + "linkedin: https://x.example/jane  # mine\nbudget: {q1: 5000}\n")
    git(root, "commit", "-qam", "hand edit")
    data = json.loads(run("-C", str(root), "show", lead, "--json").out)
    assert data["linkedin"] == "https://x.example/jane" and data["budget"] == {"q1": 5000}
    assert data["id"] == lead and data["grade"] == "D"


def test_set_and_log(root, lead, run):
    r = run("-C", str(root), "set", lead, "stage=qualified", "next.due=+3d", "qualification.fit=strong")
    assert r.code == 0, r
    assert "stage new -> qualified" in r.out
    entries = json.loads(run("-C", str(root), "log", lead, "--json").out)
    assert entries[0]["changed"] == ["stage", "next.due", "qualification"]
    assert entries[0]["author"] == "Test User"
    assert entries[0]["message"].startswith(f"{lead}: stage new -> qualified")
    for key in ("commit", "author", "date", "message", "changed"):
        assert key in entries[0]
    r = run("-C", str(root), "log", lead)
    assert "stage new -> qualified" in r.out and "changed: stage" in r.out


@pytest.mark.parametrize("args", [
    ["set", "LEAD", "stage=dreaming"], ["set", "LEAD", "next.due=someday"], ["set", "../etc", "stage=won"],
    ["set", "LEAD", "nonsense"], ["add", "X", "--source", "nowhere"], ["list", "stage:bogus"], ["list", "color:red"],
    ["show", "no-such-lead"], ["add", "X"], ["set", "LEAD"], ["list", "--sort", "colour"],
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(root, lead, run, args):
    before = commit_count(root)
    files = {p.name: p.read_bytes() for p in (root / "leads").iterdir()}
    r = run("-C", str(root), *[lead if a == "LEAD" else a for a in args])
    assert r.code == 2, r
    assert len(r.err.strip().splitlines()) == 1 and r.out == ""
    assert commit_count(root) == before
    assert {p.name: p.read_bytes() for p in (root / "leads").iterdir()} == files


def test_not_a_pipeline_exits_3(tmp_path, run):
    r = run("-C", str(tmp_path), "list")
    assert r.code == 3 and "not a pipeline" in r.err and "pipeline init" in r.err


def test_check_exit_codes_and_path_line_format(root, lead, run):
    r = run("-C", str(root), "check")
    assert r.code == 0, r
    (root / "leads" / "bad-lead.yaml").write_text("name: Bad\nsource: referral\ncreated: 2026-11-01\nstage: maybe\n")
    r = run("-C", str(root), "check")
    assert r.code == 1
    assert "leads/bad-lead.yaml:4: unknown stage 'maybe'" in r.out
    data = json.loads(run("-C", str(root), "check", "--json").out)
    assert data["errors"] == 1 and [p["line"] for p in data["problems"] if "maybe" in p["message"]] == [4]
    assert any("new, not committed yet" in p["message"] for p in data["problems"])
    # an unreadable file does not stop list; a readable one with problems is listed, with a note
    (root / "leads" / "unreadable.yaml").write_text("name: [oops\n")
    r = run("-C", str(root), "list", "--json")
    assert r.code == 0 and sorted(x["id"] for x in json.loads(r.out)) == sorted([lead, "bad-lead"])
    assert "1 lead file(s) cannot be read" in r.err


def test_undo(root, lead, run):
    run("-C", str(root), "set", lead, "stage=won")
    r = run("-C", str(root), "undo")
    assert r.code == 0 and "undid" in r.out
    assert json.loads(run("-C", str(root), "show", lead, "--json").out)["stage"] == "new"
    assert git(root, "log", "-1", "--format=%s").startswith("undo: ")


def test_pipeline_dir_env_and_default_pipeline(tmp_path, root, lead, run, isolated_home):
    r = run("list", "--json", env={"PIPELINE_DIR": str(root)}, cwd=tmp_path)
    assert [x["id"] for x in json.loads(r.out)] == [lead]
    # no pipeline anywhere: the user's default pipeline is created in the data folder
    r = run("list", "--json", cwd=tmp_path)
    assert r.code == 0 and json.loads(r.out) == []
    default = isolated_home / "data" / "pipeline-tui" / "pipeline"
    assert (default / "pipeline.yaml").is_file() and "created your pipeline" in r.err
    r = run("add", "Solo Rep Lead", "--source", "referral", cwd=tmp_path)
    assert r.code == 0 and (default / "leads" / f"{r.out.strip()}.yaml").is_file()


def test_note_logs_an_activity(root, lead, run):
    r = run("-C", str(root), "note", lead, "Left a voicemail", "--kind", "call")
    assert r.code == 0, r
    data = json.loads(run("-C", str(root), "show", lead, "--json").out)
    assert data["log"][0]["kind"] == "call" and data["first_contact"].startswith("2026-11-23")


def test_demo_no_tui(tmp_path, run):
    r = run("demo", str(tmp_path / "demo"), "--no-tui")
    assert r.code == 0, r
    data = json.loads(run("-C", str(tmp_path / "demo"), "list", "--json", "open").out)
    assert len(data) >= 25
    r = run("demo", str(tmp_path / "demo"), "--no-tui")
    assert r.code == 0 and "already holds a pipeline" in r.err


def test_no_command_without_a_terminal_says_so(root, run):
    r = run("-C", str(root))
    assert r.code == 2 and "needs a terminal" in r.err


def test_python_dash_m_and_version(run):
    r = run("--version")
    assert r.code == 0 and "pipeline" in r.out


def test_agenda_and_mix_json_shapes(root, lead, run):
    """Shapes of SPEC section 4 (the figures themselves are checked against independent counts in issue 4)."""
    run("-C", str(root), "add", "Bob Event", "--source", "event")
    data = json.loads(run("-C", str(root), "agenda", "--json").out)
    names = [s["name"] for s in data["sections"]]
    assert names == ["Uncontacted requests", "Overdue", "Due today", "This week", "No next action"]
    by_name = {s["name"]: [x["name"] for x in s["leads"]] for s in data["sections"]}
    assert by_name["Uncontacted requests"] == ["Jane Doe"]  # a referral nobody has answered yet
    assert by_name["No next action"] == ["Bob Event"]
    m = json.loads(run("-C", str(root), "mix", "--json").out)
    assert m["groups"]["referrals"] == {"open": 1, "share": 0.5, "new_90d": 1}
    assert m["origins"]["seller"]["open"] == 1
    assert all({"code", "message"} <= set(w) for w in m["warnings"])
    assert run("-C", str(root), "mix").code == 0 and "open leads by group" in run("-C", str(root), "mix").out
