"""Shell completion through the real entry point, speaking click's protocol as the shell scripts do:
`_PIPELINE_COMPLETE=bash_complete`, COMP_WORDS (the words typed, the one under the cursor last) and
COMP_CWORD (its index); the answer is one `type,value` line per completion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

TEAM_PLAYBOOK_EDIT = ("team: []", "team: [alice, bob]")


@pytest.fixture
def root(tmp_path, run):
    r = run("init", str(tmp_path / "p"))
    assert r.code == 0, r
    root = tmp_path / "p"
    playbook = root / "pipeline.yaml"
    text = playbook.read_text()
    stage = "  qualified:   {limit_days: 14, probability: 0.25}\n"
    assert TEAM_PLAYBOOK_EDIT[0] in text and stage in text
    # a team, and a stage of this pipeline's own: completion reads this playbook, not the defaults
    text = text.replace(*TEAM_PLAYBOOK_EDIT).replace(stage, stage + "  demo-booked: {}\n")
    playbook.write_text(text)
    return root


@pytest.fixture
def ids(root, run):
    out = []
    for name, company in (("Jane Doe", "Acme Corp"), ("John Roe", "Acme Labs"), ("Mary Major", "Zeta")):
        r = run("-C", str(root), "add", name, "--source", "referral", "--company", company)
        assert r.code == 0, r
        out.append(r.out.strip())
    return out


def complete(run, line: str, cwd=None, env=None) -> list[str]:  # noqa: ANN001
    """The completions of the last word of `line` (a line ending in a space completes a new, empty word)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    r = run(env={"_PIPELINE_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(cword), **(env or {})},
            cwd=cwd)
    assert r.code == 0, r
    assert r.err == "", r  # completion is silent: no warning, no error, no traceback
    lines = [x for x in r.out.splitlines() if x]
    assert all(x.startswith("plain,") or x.startswith("dir,") for x in lines), r
    return [x.split(",", 1)[1] for x in lines]


def test_commands(run, tmp_path):
    assert complete(run, "pipeline se", cwd=tmp_path) == ["serve", "set"]
    got = complete(run, "pipeline ", cwd=tmp_path)
    assert {"add", "list", "set", "note", "done", "completion", "sync"} <= set(got)
    assert "merge-driver" not in got  # hidden: called by git, not by people


def test_lead_ids(root, ids, run):
    acme = sorted(i for i in ids if i.startswith("acme"))
    assert len(acme) == 2
    for cmd in ("set", "show", "note", "done", "log", "rm", "resolve"):
        assert complete(run, f"pipeline {cmd} acme", cwd=root) == acme, cmd
    assert complete(run, "pipeline show ", cwd=root) == sorted(ids)
    # -C on the line names the pipeline, wherever the shell is
    assert complete(run, f"pipeline -C {root} show zeta", cwd=root.parent) == [i for i in ids if i.startswith("zeta")]
    assert complete(run, "pipeline show zeta", cwd=root.parent, env={"PIPELINE_DIR": str(root)}) == [
        i for i in ids if i.startswith("zeta")]
    # a folder or a temp file in leads/ is no id
    (root / "leads" / ".zeta-x.yaml.tmp").write_text("x")
    (root / "leads" / "Not An Id.yaml").write_text("x")
    assert complete(run, "pipeline show z", cwd=root) == [i for i in ids if i.startswith("zeta")]


def test_set_keys_and_values(root, ids, run):
    lead = ids[0]
    assert complete(run, f"pipeline set {lead} st", cwd=root) == ["stage="]
    assert complete(run, f"pipeline set {lead} next.", cwd=root) == ["next.action=", "next.due="]
    assert {"stage=", "source=", "owner=", "next.due=", "tags+=", "qualification.fit="} <= set(
        complete(run, f"pipeline set {lead} ", cwd=root))
    assert complete(run, f"pipeline set {lead} stage=", cwd=root) == [
        "stage=new", "stage=contacted", "stage=qualified", "stage=demo-booked", "stage=proposal",
        "stage=negotiation", "stage=won", "stage=lost"]
    assert complete(run, f"pipeline set {lead} stage=ne", cwd=root) == ["stage=new", "stage=negotiation"]
    assert complete(run, f"pipeline set {lead} source=re", cwd=root) == ["source=referral"]
    assert complete(run, f"pipeline set {lead} owner=", cwd=root) == ["owner=alice", "owner=bob"]
    assert complete(run, f"pipeline set {lead} qualification.fit=s", cwd=root) == ["qualification.fit=strong"]
    assert "next.due=tomorrow" in complete(run, f"pipeline set {lead} next.due=", cwd=root)
    # after the first assignment, more of them
    assert complete(run, f"pipeline set {lead} stage=won owner=b", cwd=root) == ["owner=bob"]


def test_query_words(root, ids, run):
    assert complete(run, "pipeline list stage:", cwd=root) == [
        "stage:new", "stage:contacted", "stage:qualified", "stage:demo-booked", "stage:proposal",
        "stage:negotiation", "stage:won", "stage:lost"]
    assert complete(run, "pipeline list stage:new,c", cwd=root) == ["stage:new,contacted"]
    assert complete(run, "pipeline list owner:", cwd=root) == ["owner:alice", "owner:bob"]
    assert complete(run, "pipeline list source:in", cwd=root) == ["source:inbound-web"]
    assert complete(run, "pipeline list group:ev", cwd=root) == ["group:events"]
    assert complete(run, "pipeline list open stage:w", cwd=root) == ["stage:won"]
    words = complete(run, "pipeline list ", cwd=root)
    for w in ("stage:", "source:", "owner:", "group:", "horizon:", "origin:", "grade:", "tag:", "due:", "overdue",
              "no-next", "open", "closed", "sql", "mql", "rotting"):
        assert w in words, w
    assert complete(run, "pipeline list ov", cwd=root) == ["overdue"]
    assert complete(run, "pipeline list --sort cr", cwd=root) == ["created"]


def test_options(root, run):
    assert complete(run, "pipeline note x --kind ", cwd=root)[:4] == ["call", "email", "meeting", "note"]
    assert complete(run, "pipeline done x -k m", cwd=root) == ["meeting"]
    assert complete(run, "pipeline add X --source ev", cwd=root) == ["event"]
    assert complete(run, "pipeline add X --stage demo", cwd=root) == ["demo-booked"]
    assert complete(run, "pipeline add X --owner a", cwd=root) == ["alice"]
    assert complete(run, "pipeline -C ", cwd=root) == [""]  # a folder: the shell completes it (type dir)


def _tree(*folders):  # noqa: ANN002, ANN202
    return sorted(str(p) for f in folders for p in f.rglob("*"))


@pytest.mark.parametrize("damage", ["none", "bad-yaml", "fifos", "folders"])
def test_broken_or_missing_pipeline_gives_nothing(tmp_path, run, isolated_home, damage):
    here = tmp_path / "w"
    here.mkdir()
    if damage == "bad-yaml":
        (here / "pipeline.yaml").write_text("stages: [unclosed\n\tteam: {\n")
        (here / "leads").write_text("not a folder")
    elif damage == "fifos":
        os.mkfifo(here / "pipeline.yaml")  # a read would hang forever
        os.mkfifo(here / "leads")
    elif damage == "folders":
        (here / "pipeline.yaml").mkdir()
        (here / "leads").mkdir()
        os.chmod(here / "leads", 0)
    before = _tree(here, isolated_home)
    try:
        for line in ("pipeline show ", "pipeline set x stage=", "pipeline set x owner=", "pipeline list stage:",
                     "pipeline list owner:", "pipeline list source:r", "pipeline list id:"):
            assert complete(run, line, cwd=here) == [], line
        assert complete(run, "pipeline -C /no/such/folder show ", cwd=here) == []
        # the words that need no pipeline still come
        assert complete(run, "pipeline set x st", cwd=here) == ["stage="]
    finally:
        if damage == "folders":
            os.chmod(here / "leads", 0o700)
    assert _tree(here, isolated_home) == before  # no default pipeline made, no cache written
    assert not (isolated_home / "data").exists()


def test_completion_scripts(run, tmp_path):
    r = run("completion", "bash")
    assert r.code == 0 and "_PIPELINE_COMPLETE=bash_complete" in r.out and "complete -o nosort -F" in r.out, r
    r = run("completion", "zsh")
    assert r.code == 0 and r.out.startswith("#compdef pipeline") and "_PIPELINE_COMPLETE=zsh_complete" in r.out, r
    r = run("completion", "fish")
    assert r.code == 0 and "_PIPELINE_COMPLETE=fish_complete" in r.out and r.out.endswith("\n"), r
    assert "complete --no-files --command pipeline" in r.out
    r = run("completion", env={"SHELL": "/usr/bin/zsh"})
    assert r.code == 0 and r.out.startswith("#compdef pipeline"), r
    r = run("completion", env={"SHELL": "/bin/tcsh"})
    assert r.code == 2 and r.out == "" and "pipeline completion bash|zsh|fish" in r.err, r
    r = run("completion", "--help")
    assert r.code == 0 and 'eval "$(pipeline completion bash)"' in r.out and "~/.config/fish/completions" in r.out
    # click's own switch gives the same script
    r = run(env={"_PIPELINE_COMPLETE": "bash_source"})
    assert r.code == 0 and "words[${#words[@]}-1]+=$word" in r.out, r


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_script_keeps_colon_and_equals_words_whole(root, ids, run, tmp_path):
    """Bash cuts `stage:ne` into `stage` `:` `ne` (COMP_WORDBREAKS) and replaces only `ne`: the script joins
    the words for pipeline and gives bash back only the part it replaces."""
    script = tmp_path / "pipeline-complete.bash"
    script.write_text(run("completion", "bash").out)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "pipeline"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pipeline_tui "$@"\n')
    exe.chmod(0o755)
    cases = [  # the line, then the words as bash splits them
        ("pipeline list stage:ne", "pipeline list stage : ne", "new negotiation"),
        ("pipeline list stage:", "pipeline list stage :", "new contacted qualified demo-booked proposal negotiation won lost"),
        ("pipeline list stage:new,co", "pipeline list stage : new,co", "new,contacted"),
        ("pipeline list owner:a", "pipeline list owner : a", "alice"),
        (f"pipeline set {ids[0]} stage=qu", f"pipeline set {ids[0]} stage = qu", "qualified"),
        (f"pipeline set {ids[0]} sta", f"pipeline set {ids[0]} sta", "stage="),
        ("pipeline  show   zeta", "pipeline show zeta", ids[2]),
    ]
    body = [f"source {script}", "t() { COMP_LINE=$1; COMP_POINT=${#1}; read -ra COMP_WORDS <<< \"$2\"; "
            "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _pipeline_completion pipeline pipeline; "
            "echo \"${COMPREPLY[*]}\"; }"]
    body += [f"t '{line}' '{words}'" for line, words, _ in cases]
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "PIPELINE_TODAY": "2026-11-23"}
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(body)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc
    assert proc.stdout.splitlines() == [want for _, _, want in cases], proc
