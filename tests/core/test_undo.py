"""`undo` and `redo` in the repositories people have: shallow clones, staged work of their own, two
pipelines in one repository, teammates' commits from a sync, kills half way. Real git, the real CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead, set_fields
from pipeline_tui.core.changes.undo import redo_last, undo_last
from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.model.pipeline import Pipeline
from tests.builders import make_team
from tests.conftest import TODAY, git


@pytest.fixture
def lead(pipe):
    return add_lead(pipe, "Jane Doe", "referral", company="Acme", value="1000", next_action="Call",
                    due="2026-11-25", today=TODAY).lead_id


def value(pipe, lead) -> object:  # noqa: ANN001
    return pipe.read(lead).data.get("value")


def test_undo_twice_walks_back_and_redo_restores(pipe, lead):
    set_fields(pipe, lead, ["value=2000"], today=TODAY)
    set_fields(pipe, lead, ["stage=qualified"], today=TODAY)
    undo_last(pipe)
    assert pipe.read(lead).data["stage"] == "new"
    undo_last(pipe)
    assert value(pipe, lead) == 1000
    redo_last(pipe)
    assert value(pipe, lead) == 2000
    redo_last(pipe)
    assert pipe.read(lead).data["stage"] == "qualified" and value(pipe, lead) == 2000
    with pytest.raises(BadInput, match="nothing to redo"):
        redo_last(pipe)
    undo_last(pipe)  # undoes the redo
    assert pipe.read(lead).data["stage"] == "new"
    set_fields(pipe, lead, ["owner=alice"], today=TODAY)
    with pytest.raises(BadInput, match="nothing to redo"):  # a new change clears what there was to redo
        redo_last(pipe)
    assert git(pipe.root, "status", "--porcelain") == ""


def test_undo_never_sweeps_in_staged_work(pipe, lead):
    """A hand-staged file of the outer repository and a hand-staged edit of another lead stay staged and out
    of the undo commit."""
    other = add_lead(pipe, "Kai Berg", "event", today=TODAY).lead_id
    set_fields(pipe, lead, ["value=5"], today=TODAY)
    (pipe.root / "app.py").write_text("print('mine')\n")
    other_path = pipe.lead_path(other)
    other_path.write_text(other_path.read_text().replace("Kai Berg", "Kai Q. Berg"))
    git(pipe.root, "add", "app.py", str(other_path))
    undo_last(pipe)
    changed = git(pipe.root, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == [f"leads/{lead}.yaml"]
    staged = git(pipe.root, "diff", "--cached", "--name-only").split()
    assert sorted(staged) == ["app.py", f"leads/{other}.yaml"]
    assert value(pipe, lead) == 1000


def test_undo_in_a_shallow_clone_refuses_the_boundary_commit(tmp_path, run):
    a = init_pipeline(tmp_path / "a")
    lead = add_lead(a, "Jane Doe", "referral", today=TODAY).lead_id
    set_fields(a, lead, ["value=5"], today=TODAY)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{a.root}", str(shallow)], check=True)
    git(shallow, "config", "user.email", "test@example.com")
    res = run("-C", str(shallow), "undo")
    assert res.code == 2 and "shallow" in res.err and "git fetch --unshallow" in res.err, res
    assert (shallow / "pipeline.yaml").exists() and git(shallow, "rev-list", "--count", "HEAD").strip() == "1"


def test_undo_of_the_first_commit_is_refused(tmp_path):
    a = init_pipeline(tmp_path / "a")
    with pytest.raises(BadInput, match="nothing to undo"):
        undo_last(a)
    assert (a.root / "pipeline.yaml").exists()


def test_two_pipelines_in_one_repository_undo_their_own(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    one = init_pipeline(tmp_path / "one")
    two = init_pipeline(tmp_path / "two")
    lead1 = add_lead(one, "Ann One", "referral", today=TODAY).lead_id
    set_fields(one, lead1, ["value=1"], today=TODAY)
    lead2 = add_lead(two, "Bob Two", "referral", today=TODAY).lead_id  # the newest commit: pipeline two's
    undo_last(one)
    assert "value" not in one.read(lead1).data
    assert lead2 in two.lead_ids()


def test_after_a_sync_undo_reverts_my_change_not_the_teammates(tmp_path):
    from pipeline_tui.core.sync.exchange import sync

    a, (b,), lead, _ = make_team(tmp_path)
    other = add_lead(a, "Kai Berg", "event", today=TODAY).lead_id
    sync(a)
    sync(b)
    set_fields(b, lead, ["value=5"], today=TODAY)  # mine (in clone b, as Bob)
    set_fields(a, other, ["owner=alice"], today=TODAY)  # the teammate's, in a
    sync(a)
    sync(b)  # b now has a's newer commit on top
    undo_last(b)
    assert "value" not in b.read(lead).data
    assert b.read(other).data["owner"] == "alice"


def test_undo_refuses_while_git_is_half_way_through_something(pipe, lead):
    set_fields(pipe, lead, ["value=5"], today=TODAY)
    (pipe.root / ".git" / "REVERT_HEAD").write_text(git(pipe.root, "rev-parse", "HEAD"))
    with pytest.raises(RepoUnusable, match=r"git revert is half done .*git revert --abort"):
        undo_last(pipe)
    assert value(pipe, lead) == 5


def test_undo_messages_are_one_line_of_ours(pipe, lead, run):
    set_fields(pipe, lead, ["stage=qualified"], today=TODAY)
    path = pipe.lead_path(lead)
    path.write_text(path.read_text().replace("stage: qualified", "stage: proposal"))
    git(pipe.root, "commit", "-qam", "hand edit")
    res = run("-C", str(pipe.root), "undo")
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1 and "hint:" not in res.err, res
    fresh = init_pipeline(pipe.root.parent / "fresh")
    res = run("-C", str(fresh.root), "undo")
    assert res.code == 2 and res.err.startswith("pipeline: nothing to undo"), res


@pytest.mark.parametrize("point", ["undo-writing", "in-commit"])
def test_an_undo_killed_half_way_is_rolled_back_by_the_next_command(pipe, run, point):
    """An import of several leads, undone; the undo is killed after its first file (or inside its commit):
    the next command puts every file back and says so, and undo then works."""
    csv = pipe.root.parent / "in.csv"
    csv.write_text("Name,Company,Lead Source\n" + "".join(f"P{i} Person,Co{i},Referral\n" for i in range(6)))
    assert run("-C", str(pipe.root), "import", str(csv)).code == 0
    head = git(pipe.root, "rev-parse", "HEAD")
    res = run("-C", str(pipe.root), "undo", env={"PIPELINE_FAULT": point})
    assert res.code == 137
    if point == "in-commit":
        (pipe.root / ".git" / "index.lock").unlink()  # git killed in its commit: a person removes its lock
    res = run("-C", str(pipe.root), "list")  # any next command puts the files back first, and says so
    assert "an interrupted undo was rolled back" in res.err, res
    res = run("-C", str(pipe.root), "undo")
    assert res.code == 0, res
    assert git(pipe.root, "rev-parse", "HEAD~1") == head
    assert len(Pipeline.open(pipe.root).lead_ids()) == 0
    assert git(pipe.root, "status", "--porcelain") == ""


@pytest.mark.parametrize("point", ["import-writing", "in-commit"])
def test_an_import_killed_half_way_leaves_nothing_and_can_run_again(pipe, run, point):
    csv = pipe.root.parent / "in.csv"
    csv.write_text("Name,Company,Lead Source\n" + "".join(f"P{i} Person,Co{i},Referral\n" for i in range(6)))
    res = run("-C", str(pipe.root), "import", str(csv), env={"PIPELINE_FAULT": point})
    assert res.code == 137
    if point == "in-commit":
        (pipe.root / ".git" / "index.lock").unlink()
    res = run("-C", str(pipe.root), "import", str(csv))
    assert res.code == 0 and "an interrupted import was rolled back" in res.err, res
    assert "imported 6 new lead(s); 0 merged, 0 duplicate(s)" in res.out
    assert len(Pipeline.open(pipe.root).lead_ids()) == 6
    assert git(pipe.root, "status", "--porcelain") == ""


def test_imports_killed_at_random_moments_are_all_or_nothing(pipe):
    import random

    csv = pipe.root.parent / "in.csv"
    csv.write_text("Name,Company,Lead Source\n" + "".join(f"P{i} Person,Co{i},Referral\n" for i in range(2000)))
    env = {**os.environ, "PIPELINE_TODAY": "2026-11-23"}
    rnd = random.Random(13)
    kills = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "import", str(csv)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.05, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        code = proc.wait()
        lock = pipe.root / ".git" / "index.lock"
        if lock.exists():
            lock.unlink()
        check = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "list", "--json"],
                               env=env, capture_output=True, text=True)
        assert check.returncode == 0
        n = len(Pipeline.open(pipe.root).lead_ids())
        committed = int(git(pipe.root, "ls-tree", "-r", "--name-only", "HEAD", "leads").count(".yaml"))
        if code == 0:
            assert n == committed == 2000
            break
        # killed: the next writer finishes the job of putting things back
        subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "add", "Probe", "--source",
                        "referral"], env=env, capture_output=True, check=True)
        subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "undo"], env=env,
                       capture_output=True, check=True)
        n = len(Pipeline.open(pipe.root).lead_ids())
        committed = git(pipe.root, "ls-tree", "-r", "--name-only", "HEAD", "leads").count(".yaml")
        assert n == committed and n in (0, 2000), (n, committed)
        assert git(pipe.root, "status", "--porcelain") == ""
        if n == 2000:
            break
    assert kills >= 1


def test_init_refused_by_git_leaves_nothing_half_made_and_can_run_again(tmp_path, run):
    target = tmp_path / "signed"
    target.mkdir()
    git(target, "init", "-q", "-b", "main")
    git(target, "config", "commit.gpgsign", "true")
    git(target, "config", "gpg.program", "/bin/false")  # no key: git refuses every commit
    res = run("init", str(target))
    assert res.code == 3 and "Traceback" not in res.err, res
    assert not (target / "pipeline.yaml").exists() and not (target / ".gitattributes").exists()
    assert git(target, "status", "--porcelain") == ""
    git(target, "config", "commit.gpgsign", "false")
    res = run("init", str(target))
    assert res.code == 0, res
    assert (target / "pipeline.yaml").exists()


@pytest.mark.parametrize("when", [0.3, 0.8, 1.5, "demo-built"])
def test_a_demo_killed_half_way_leaves_no_half_demo(tmp_path, run, when):
    target = tmp_path / "demo"
    env = {**os.environ, "PIPELINE_TODAY": "2026-11-23", "HOME": os.environ["HOME"]}
    if when == "demo-built":
        res = run("demo", str(target), "--no-tui", env={"PIPELINE_FAULT": "demo-built"})
        assert res.code == 137
    else:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline_tui", "demo", str(target), "--no-tui"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(when)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (target / "pipeline.yaml").exists() or (target / "leads").is_dir() and len(
        list((target / "leads").glob("*.yaml"))) == 44
    res = run("demo", str(target), "--no-tui")
    assert res.code == 0, res
    assert len(list((target / "leads").glob("*.yaml"))) == 44
    assert not list(tmp_path.glob(".demo.building-*"))
    assert run("-C", str(target), "check").code in (0, 1)


@pytest.mark.parametrize("point", ["init-written", "in-commit"])
def test_an_init_killed_half_way_runs_again(tmp_path, run, point):
    target = tmp_path / "fresh"
    res = run("init", str(target), env={"PIPELINE_FAULT": point})
    assert res.code == 137
    lock = target / ".git" / "index.lock"
    if lock.exists():
        lock.unlink()
    res = run("init", str(target))
    assert res.code == 0, res
    assert git(target, "log", "--format=%s").strip() == "init pipeline"
    assert git(target, "status", "--porcelain") == ""


def test_init_never_overwrites_a_playbook_a_person_wrote(tmp_path, run):
    target = tmp_path / "mine"
    target.mkdir()
    git(target, "init", "-q", "-b", "main")
    (target / "pipeline.yaml").write_text("# my own playbook\nteam: [alice]\n")
    res = run("init", str(target))
    assert res.code == 2 and "already a pipeline" in res.err
    assert (target / "pipeline.yaml").read_text() == "# my own playbook\nteam: [alice]\n"


def test_no_write_lands_in_a_merge_git_left_half_done(tmp_path, run):
    """A person's own `git merge --no-commit` is half way: set, note, add, import and undo refuse up front,
    and what the merge staged stays staged (it used to be unstaged, then passed off as a hand edit)."""
    from pipeline_tui.core.sync.exchange import sync

    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(b, lead, ["stage=contacted"], today=TODAY)
    sync(b)
    git(a.root, "fetch", "-q")
    git(a.root, "merge", "--no-commit", "--no-ff", "origin/main")
    staged = git(a.root, "diff", "--cached", "--name-only")
    csv = tmp_path / "in.csv"
    csv.write_text("Name,Lead Source\nAnn,Referral\n")
    for args in (("set", lead, "value=7"), ("note", lead, "x"), ("add", "Kai", "--source", "event"),
                 ("import", str(csv)), ("undo",)):
        res = run("-C", str(a.root), *args)
        assert res.code == 3 and "git merge is half done" in res.err and "git merge --abort" in res.err, (args, res)
    assert git(a.root, "diff", "--cached", "--name-only") == staged


def test_an_outer_pipeline_never_undoes_a_nested_ones_change(tmp_path):
    outer = init_pipeline(tmp_path / "outer")
    out_lead = add_lead(outer, "Out Er", "referral", today=TODAY).lead_id
    inner = init_pipeline(tmp_path / "outer" / "inner")
    in_lead = add_lead(inner, "In Ner", "referral", today=TODAY).lead_id
    undo_last(outer)  # the outer add, past the inner pipeline's init and add
    assert out_lead not in outer.lead_ids() and in_lead in inner.lead_ids()
    with pytest.raises(BadInput, match="inside the leads folder"):
        init_pipeline(tmp_path / "outer" / "leads" / "x")


def test_git_dir_pointing_at_another_repository_is_refused(tmp_path, run):
    one = init_pipeline(tmp_path / "one")
    two = init_pipeline(tmp_path / "two")
    lead = add_lead(one, "G One", "referral", today=TODAY).lead_id
    for args in (("set", lead, "value=9"), ("undo",)):
        res = run("-C", str(one.root), *args, env={"GIT_DIR": str(two.root / ".git")}, cwd=tmp_path)
        assert res.code == 3 and "does not hold the pipeline" in res.err, res
    assert git(one.root, "status", "--porcelain") == "" and lead in one.lead_ids()
    assert git(two.root, "rev-list", "--count", "HEAD").strip() == "1"


def test_undo_after_a_pull_with_rebase_reaches_older_changes(tmp_path):
    """A rebase gives the undone commit a new id, so the undo's trailer no longer names it: a change whose
    files are already as before it is passed over, and undo reaches the older ones."""
    from pipeline_tui.core.sync.exchange import sync

    a, (b,), lead, _ = make_team(tmp_path)
    set_fields(a, lead, ["owner=alice"], today=TODAY)
    set_fields(a, lead, ["value=42"], today=TODAY)
    undo_last(a)
    set_fields(b, lead, ["stage=contacted"], today=TODAY)
    sync(b)
    git(a.root, "pull", "-q", "--rebase", "origin", "main")
    undo_last(a)
    data = a.read(lead).data
    assert "owner" not in data and "value" not in data and data["stage"] == "contacted"


def test_sync_commit_commits_only_the_pipelines_files(tmp_path):
    from pipeline_tui.core.sync.exchange import sync

    top = tmp_path / "big"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    (top / "README").write_text("outer\n")
    git(top, "add", "README")
    git(top, "commit", "-qm", "outer")
    pipe = init_pipeline(top / "sales")
    lead = add_lead(pipe, "S One", "referral", today=TODAY).lead_id
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    git(top, "remote", "add", "origin", str(bare))
    (top / "staged.txt").write_text("secret\n")
    git(top, "add", "staged.txt")
    path = pipe.lead_path(lead)
    path.write_text(path.read_text() + "x: 1\n")
    sync(pipe, commit_edits=True)
    assert git(top, "show", "--name-only", "--format=", "HEAD").split() == [f"sales/leads/{lead}.yaml"]
    assert git(top, "diff", "--cached", "--name-only").split() == ["staged.txt"]


def test_rm_deletes_a_lead_in_one_commit_and_undo_brings_it_back(pipe, lead, run):
    before = pipe.lead_path(lead).read_bytes()
    res = run("-C", str(pipe.root), "rm", lead)
    assert res.code == 0 and "removed lead Jane Doe" in res.out, res
    assert lead not in pipe.lead_ids()
    assert git(pipe.root, "log", "-1", "--format=%s").strip() == f"{lead}: removed lead Jane Doe"
    assert git(pipe.root, "status", "--porcelain") == ""
    assert run("-C", str(pipe.root), "undo").code == 0
    assert pipe.lead_path(lead).read_bytes() == before
    res = run("-C", str(pipe.root), "rm", "no-such-lead")
    assert res.code == 2 and "no lead" in res.err
    broken = pipe.leads_dir / "broken-one.yaml"
    broken.write_text("name: [oops\n")
    git(pipe.root, "add", "leads/broken-one.yaml")
    git(pipe.root, "commit", "-qm", "a broken lead")
    assert run("-C", str(pipe.root), "rm", "broken-one").code == 0 and not broken.exists()


def test_an_import_killed_then_a_plain_git_pull_is_still_rolled_back(tmp_path, run):
    """A plain `git pull` after the kill moves HEAD while the import's files still lie in the tree: the next
    command still puts them back (HEAD moving proves nothing about the import's own commit)."""
    a, (b,), lead, _ = make_team(tmp_path)
    csv = tmp_path / "in.csv"
    csv.write_text("Name,Company,Lead Source\n" + "".join(f"P{i} Person,Co{i},Referral\n" for i in range(6)))
    res = run("-C", str(b.root), "import", str(csv), env={"PIPELINE_FAULT": "import-writing"})
    assert res.code == 137 and len(b.lead_ids()) == 2
    set_fields(a, lead, ["value=4242"], today=TODAY)
    git(a.root, "push", "-q", "origin", "main")
    git(b.root, "pull", "-q", "--no-rebase", "origin", "main")
    res = run("-C", str(b.root), "list")
    assert res.code == 0 and "an interrupted import was rolled back: 1 file(s)" in res.err, res
    assert b.lead_ids() == [lead] and b.read(lead).data["value"] == 4242
    assert git(b.root, "status", "--porcelain") == ""
    res = run("-C", str(b.root), "import", str(csv))
    assert "imported 6 new lead(s)" in res.out, res
