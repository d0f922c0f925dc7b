"""Every CLI command over a pipeline a hostile teammate pushed (tests/hostile/world.py): bounded time and
memory, an exit code of the contract, never a traceback, and not one byte of an escape sequence, bidi
override or zero-width character on stdout or stderr, whether piped or at a real terminal (a pty)."""

from __future__ import annotations

import os
import pty
import re
import resource
import select
import subprocess
import sys
import time

import pytest

from tests.hostile import world

LIMIT = 1024 * 1024 * 1024  # 1 GB of address space: a 3 GB file must not be read whole
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the only escape sequences the CLI itself writes (colours, at a terminal)


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("[user]\n\tname = Test User\n\temail = test@example.com\n"
                                     "[init]\n\tdefaultBranch = main\n")
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
           "GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(home / "cache"), "XDG_DATA_HOME": str(home / "data"),
           "PIPELINE_TODAY": "2026-11-23"}
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        root = world.build(base)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return root, base, env


def cli(env, root, *args, timeout=60):  # noqa: ANN001, ANN201
    return subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(root), *args], capture_output=True,
                          text=True, env=env, timeout=timeout, preexec_fn=_limit, stdin=subprocess.DEVNULL)


def clean(text: str, where: str) -> None:
    assert "Traceback" not in text, f"{where}: traceback\n{text[-2000:]}"
    for ch in world.FORBIDDEN:
        assert ch not in text, f"{where}: {ch!r} reached the terminal: {text[max(0, text.find(ch) - 80):][:200]!r}"


IDS = ["markup-lead", "escape-lead", "bad-stage", *(f"wrong-{k.replace('_', '-')}" for k in world.WRONG_TYPES)]
READS = [
    ("list",), ("list", "--json"), ("list", "jane"), ("list", "rotting"), ("list", "stage:qualified"),
    ("agenda",), ("agenda", "--json"), ("mix",), ("mix", "--json"), ("report",), ("report", "--json"),
    ("costs",), ("costs", "--json"),
    ("check",), ("check", "--json"), ("export",), ("export", "--format", "json"),
    *[("show", i) for i in IDS], *[("show", i, "--json") for i in IDS], *[("log", i) for i in IDS],
    ("show", "fifo-lead"), ("show", "huge-lead"), ("log", "escape-lead", "--json"), ("sync",),
    ("capacity",), ("capacity", "--json"),
]


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a))
def test_reading_commands_show_text_only(hostile, args):
    root, _, env = hostile
    proc = cli(env, root, *args)
    assert proc.returncode in (0, 1, 2, 3), proc
    clean(proc.stdout, f"{args} stdout")
    clean(proc.stderr, f"{args} stderr")
    if args[0] == "check":
        assert proc.returncode == 1  # the hostile files are problems


def test_check_names_each_hostile_thing_at_its_line(hostile):
    root, _, env = hostile
    out = cli(env, root, "check").stdout
    for needle in ("leads/escape-lead.yaml:1: name holds ESC (\\x1b)", "leads/escape-lead.yaml:4: email holds",
                   "RIGHT-TO-LEFT OVERRIDE (\\u202e)", "leads/escape-lead.yaml:5: owner holds ZERO WIDTH SPACE",
                   "leads/escape-lead.yaml:7: source_detail holds", "leads/fifo-lead.yaml:1: is a FIFO",
                   "leads/huge-lead.yaml:1: file is 3,221,225,472 bytes", "leads/wrong-stage.yaml:5: unknown stage",
                   "leads/wrong-value.yaml:5: value must be a number", "pipeline.yaml:",
                   "cadences.short.every_days: must be a whole number", "follow_up.week_days: must be",
                   "qualification.grades.A: must be a number", "stages.negotiation.limit_days: must be"):
        assert needle in out, f"{needle!r} not in check's output:\n{out}"


WRITES = [
    ("set", "markup-lead", "value=1500"), ("note", "markup-lead", "called [/] again"),
    ("done", "markup-lead", "[b]done"), ("set", "escape-lead", "stage=negotiation"),
    *[("done", i) for i in IDS], *[("set", i, "value=5") for i in IDS], *[("note", i, "x") for i in IDS],
    ("add", "Fresh [/] Lead", "--source", "referral", "--company", "Ok [UK]"), ("undo",),
    ("import", "{base}/hostile.csv", "--dry-run"), ("import", "{base}/hostile.csv"),
    ("set", "fifo-lead", "value=1"), ("note", "huge-lead", "x"),
]


def test_writing_commands_never_crash_and_show_text_only(hostile, tmp_path):
    root, base, env = hostile
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True, ignore=lambda d, names: [n for n in names if n in ("fifo-lead.yaml", "huge-lead.yaml")])
    os.mkfifo(copy / "leads" / "fifo-lead.yaml")
    with open(copy / "leads" / "huge-lead.yaml", "wb") as fh:
        fh.truncate(2 * 1024**3)
    for args in WRITES:
        args = tuple(a.format(base=base) for a in args)
        proc = cli(env, copy, *args)
        assert proc.returncode in (0, 2, 3), (args, proc)
        clean(proc.stdout, f"{args} stdout")
        clean(proc.stderr, f"{args} stderr")
    log = subprocess.run(["git", "log", "--format=%s"], cwd=copy, capture_output=True, text=True, env=env).stdout
    assert "markup-lead: value 1200 -> 1500" in log
    assert "markup-lead: logged note: called [/] again" in log


def test_refused_input(hostile, tmp_path):
    """add, set, note and done refuse what check reports, naming the character; nothing is written."""
    root, _, env = hostile
    before = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    cases = [
        ("add", "Jane", "--source", "referral", "--company", "\x1b]0;X\x07"),
        ("add", "Jane", "--source", "referral", "--next", "a\nb"),
        ("add", "Ja\u202ene", "--source", "referral"),
        ("add", "Jane\u200b", "--source", "referral"),
        ("add", "Jane", "--source", "referral", "--email", "j\x9b@x.example"),
        ("add", "Jane", "--source", "referral", "--tag", "\x7fdel"),
        ("set", "markup-lead", "company=\x1b[2J"), ("set", "markup-lead", "notes=a\U000e0041b"),
        ("note", "markup-lead", "ring \x07 bell"), ("done", "markup-lead", "x\u2066y"),
        ("done", "markup-lead", "--next", "call \x1b[31m"),
        ("set", "markup-lead", "tags+=\x1b]52;c;QQ==\x07"), ("set", "markup-lead", "tags+=a\u202e"),
        ("set", "markup-lead", "next.action=\u2028"), ("add", "Bob\U000e0100x", "--source", "referral"),
        ("add", "x\u3164y", "--source", "referral"), ("add", "x\u206ay", "--source", "referral"),
        ("add", "Jane\u00ad", "--source", "referral"), ("add", "\U0001f600\ufe0f\ufe0f", "--source", "referral"),
    ]
    for args in cases:
        proc = cli(env, root, *args)
        assert proc.returncode == 2, (args, proc)
        assert "is not allowed" in proc.stderr, (args, proc.stderr)
        clean(proc.stderr, str(args))
    after = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    assert before == after


def _at_terminal(env, root, *args, timeout=60):  # noqa: ANN001, ANN202
    """Run a command with a real pty as its stdout and stderr, as a person at a terminal would."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline_tui", "-C", str(root), *args], stdout=slave,
                            stderr=slave, stdin=subprocess.DEVNULL, env={**env, "COLUMNS": "120"}, preexec_fn=_limit)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=5)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("args", [("list",), ("show", "escape-lead"), ("show", "markup-lead"), ("log", "escape-lead"),
                                  ("agenda",), ("check",), ("mix",), ("show", "escape-lead", "--json")],
                         ids=lambda a: " ".join(a))
def test_a_terminal_shows_nothing_but_text(hostile, args):
    root, _, env = hostile
    code, out = _at_terminal(env, root, *args)
    assert code in (0, 1, 2, 3)
    clean(SGR.sub("", out), f"{args} at a terminal")
    if args[1:2] == ("escape-lead",):
        assert "\\x1b" in out or "\\u001b" in out, "the escape is shown, visibly"
    if args[1:2] == ("markup-lead",):
        assert "Jane [/] Doe" in out and "Widgets [UK] Ltd" in out


def test_symlinked_leads_and_playbook_are_refused(tmp_path, run):
    from pipeline_tui.core.changes.init import init_pipeline

    for name in ("leads", "pipeline.yaml"):
        pipe = init_pipeline(tmp_path / f"p-{name}")
        outside = tmp_path / f"outside-{name}"
        target = pipe.root / name
        os.rename(target, outside)
        os.symlink(outside, target)
        for args in (("list",), ("check",), ("add", "Jane", "--source", "referral"), ("show", "x"),
                     ("set", "x", "value=1"), ("agenda",), ("export",)):
            res = run("-C", str(pipe.root), *args)
            assert res.code == 3, (name, args, res)
            assert f"{name} is a symbolic link" in res.err and "Traceback" not in res.err
        if name == "leads":
            assert list(outside.iterdir()) == [outside / ".gitkeep"]  # nothing was written through the link


def test_sync_refuses_a_pushed_symlinked_leads_folder_and_reports_a_linked_lead(tmp_path):
    """A teammate pushes `leads` as a symbolic link with plain git: sync stops before merging (exit 3, nothing
    changes here); a lead file pushed as a link is merged but reported, and never read."""
    from pipeline_tui.core.errors import RepoUnusable
    from pipeline_tui.core.sync.exchange import sync
    from tests.builders import make_team
    from tests.conftest import git

    a, (b,), lead, bare = make_team(tmp_path)
    (b.leads_dir / "linked.yaml").symlink_to("/etc/hostname")
    git(b.root, "add", "-A")
    git(b.root, "commit", "-q", "-m", "a linked lead")
    git(b.root, "push", "-q", "origin", "main")
    result = sync(a)
    assert any("leads/linked.yaml came in as a symbolic link" in w for w in result.warnings)
    assert any("leads/linked.yaml came in as a symbolic link" in line for line in result.lines())

    git(b.root, "pull", "-q", "--no-rebase", "origin", "main")
    git(b.root, "mv", "leads", "elsewhere")
    (b.root / "leads").symlink_to("elsewhere")
    git(b.root, "add", "-A")
    git(b.root, "commit", "-q", "-m", "leads moved behind a link")
    git(b.root, "push", "-q", "origin", "main")
    before = git(a.root, "rev-parse", "HEAD")
    with pytest.raises(RepoUnusable, match="made leads a symbolic link"):
        sync(a)
    assert git(a.root, "rev-parse", "HEAD") == before
    assert (a.leads_dir / f"{lead}.yaml").is_file() and not a.leads_dir.is_symlink()


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_a_fifo_or_huge_playbook_is_a_problem_not_a_hang(tmp_path, run, kind):
    from pipeline_tui.core.changes.init import init_pipeline

    pipe = init_pipeline(tmp_path / "pipe")
    playbook = pipe.root / "pipeline.yaml"
    playbook.unlink()
    if kind == "fifo":
        os.mkfifo(playbook)
    else:
        with open(playbook, "wb") as fh:
            fh.truncate(2 * 1024**3)  # 2 GB, sparse
    for args in (("list",), ("agenda",), ("add", "Jane", "--source", "referral")):
        res = run("-C", str(pipe.root), *args)
        assert res.code in (0, 2, 3) and "Traceback" not in res.err, (args, res)
    res = run("-C", str(pipe.root), "check")
    assert res.code == 1
    expected = "pipeline.yaml:1: is a FIFO" if kind == "fifo" else "pipeline.yaml:1: file is 2,147,483,648 bytes"
    assert expected in res.out


def test_a_script_or_an_emoji_keeps_its_joiners(hostile, tmp_path, run):
    """What the refusals must not refuse: Persian with a zero-width non-joiner, an emoji family joined by
    ZWJ, a heart with its variation selector, accents, CJK."""
    from pipeline_tui.core.changes.init import init_pipeline

    pipe = init_pipeline(tmp_path / "p")
    for name in ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\U0001f468\u200d\U0001f469\u200d\U0001f467 Family",
                 "Chlo\u00e9 \u2764\ufe0f", "\u9648\u4f1f", "\u0418\u0432\u0430\u043d"):
        res = run("-C", str(pipe.root), "add", name, "--source", "referral")
        assert res.code == 0, (name, res)
    assert run("-C", str(pipe.root), "check").code == 0
