"""Hostile input through the real CLI: every case gets a clear one-line message and the contract's exit
code, in bounded time (a subprocess timeout) and memory (an address-space limit), and nothing outside the
pipeline is read or written: a sentinel file beside it stays byte for byte, and no traceback is shown."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead
from tests.conftest import TODAY, git

LIMIT_BYTES = 1024 * 1024 * 1024  # 1 GB of address space for each command: an alias bomb must not pass
SENTINEL = b"outside the pipeline: never read, never written\n"


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


@pytest.fixture
def world(tmp_path):
    """A pipeline with one good lead, and files beside it that nothing may touch."""
    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Jane Doe", "referral", company="Acme", next_action="Call", due="2026-11-25",
                    today=TODAY).lead_id
    (tmp_path / "outside.yaml").write_bytes(SENTINEL)
    (tmp_path / "secret.txt").write_bytes(SENTINEL)
    return pipe, lead, tmp_path


def cli(pipe, *args, timeout=30):  # noqa: ANN001, ANN201
    env = {**os.environ, "PIPELINE_TODAY": "2026-11-23"}
    proc = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), *args], capture_output=True,
                          text=True, env=env, timeout=timeout, preexec_fn=_limit)
    return proc


def untouched(tmp) -> None:  # noqa: ANN001
    assert (tmp / "outside.yaml").read_bytes() == SENTINEL
    assert (tmp / "secret.txt").read_bytes() == SENTINEL


def one_clean_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert lines, "expected a message on stderr"
    assert "Traceback" not in stderr
    return lines[-1]


# --- ids and names ------------------------------------------------------------------------------

BAD_IDS = ["../outside", "../../outside", "/etc/passwd", "leads/../../outside", "a/b", "..", ".", "",
           "acme\x07bell", "acme\nx", "ACME", "аcme-jane-doe",  # Cyrillic а, a look-alike of a
           "x" * 500, "-leading-dash", "acme jane", "acme.yaml", "%2e%2e%2foutside", "acme\u202ejane"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(b)[:30] for b in BAD_IDS])
@pytest.mark.parametrize("command", [("show",), ("set", "stage=won"), ("log",), ("note", "hi"), ("done",)])
def test_hostile_ids_are_refused_and_nothing_outside_is_touched(world, bad, command):
    pipe, lead, tmp = world
    before = git(pipe.root, "rev-parse", "HEAD")
    proc = cli(pipe, command[0], "--", bad, *command[1:]) if bad.startswith("-") else cli(pipe, command[0], bad,
                                                                                         *command[1:])
    assert proc.returncode == 2, proc.stderr
    line = one_clean_line(proc.stderr)
    assert line.startswith("pipeline: ") and ("id" in line or "no lead" in line or "Usage" in line), line
    untouched(tmp)
    assert git(pipe.root, "rev-parse", "HEAD") == before
    assert git(pipe.root, "status", "--porcelain") == ""


HOSTILE_NAMES = ["Bell\x07", "Line\nbreak", "Esc \x1b[31mred", "Null\x00byte"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=[repr(n) for n in HOSTILE_NAMES])
def test_control_characters_in_names_and_text_are_refused(world, name):
    pipe, lead, tmp = world
    count = len(list(pipe.leads_dir.glob("*.yaml")))
    if "\x00" in name:  # the OS itself refuses NUL in arguments; the core must too
        from pipeline_tui.core.errors import BadInput

        with pytest.raises(BadInput):
            add_lead(pipe, name, "referral", today=TODAY)
    else:
        proc = cli(pipe, "add", name, "--source", "referral")
        assert proc.returncode == 2 and "name" in one_clean_line(proc.stderr)
        if "\n" not in name:  # a note may span lines; other control characters never
            proc = cli(pipe, "note", lead, f"text {name}")
            assert proc.returncode == 2 and "control characters" in one_clean_line(proc.stderr)
    assert len(list(pipe.leads_dir.glob("*.yaml"))) == count
    untouched(tmp)


def test_unicode_names_are_welcome_and_ids_stay_ascii(world):
    pipe, lead, tmp = world
    proc = cli(pipe, "add", "Zoë Ångström-Łukasz 李", "--source", "referral", "--company", "Café Müller")
    assert proc.returncode == 0, proc.stderr
    new_id = proc.stdout.strip()
    assert new_id.isascii() and new_id.startswith("cafe-muller-zoe-angstrom")
    assert "Zoë Ångström-Łukasz 李" in (pipe.leads_dir / f"{new_id}.yaml").read_text(encoding="utf-8")


# --- hostile files ------------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
HOSTILE_FILES = {
    "python-tag": ("name: !!python/object/apply:os.system ['touch PWNED']\nsource: referral\ncreated: 2026-11-01\n", 1),
    "python-name": ("name: !!python/name:os.system\nsource: referral\ncreated: 2026-11-01\n", 1),
    "alias-bomb": (BOMB + "name: x\nsource: referral\ncreated: 2026-11-01\n", None),
    "deep-nesting": ("name: x\nsource: referral\ncreated: 2026-11-01\nx: " + "[" * 5000 + "]" * 5000 + "\n", None),
    "deep-mapping": ("name: x\nsource: referral\ncreated: 2026-11-01\nx:\n" + "".join(
        " " * i + f"k{i}:\n" for i in range(1, 400)) + " " * 400 + "v: 1\n", None),
    "huge-scalar": ("name: " + "A" * 2_000_000 + "\nsource: referral\ncreated: 2026-11-01\n", 1),
    "tabs": ("name: x\nsource: referral\ncreated: 2026-11-01\nnext:\n\taction: call\n", 5),
    "duplicate-key": ("name: x\nname: y\nsource: referral\ncreated: 2026-11-01\n", 2),
    "not-a-mapping": ("- just\n- a list\n", 1),
    "empty": ("", 1),
    "only-null": ("~\n", 1),
    "bad-date": ("name: x\nsource: referral\ncreated: 2026-13-45\n", 3),
    "unknown-stage": ("name: x\nsource: referral\ncreated: 2026-11-01\nstage: maybe\n", 4),
    "complex-key": ("? [a, b]\n: c\nname: x\nsource: referral\ncreated: 2026-11-01\n", 1),
    "binary-tag": ("name: !!binary aGVsbG8=\nsource: referral\ncreated: 2026-11-01\n", 1),
    "unclosed-quote": ('name: "Jane\nsource: referral\n', None),
}


def _write(path, content) -> None:  # noqa: ANN001
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_lead_files_are_reported_with_their_line_and_never_stop_the_rest(world, case):
    pipe, lead, tmp = world
    text, line = HOSTILE_FILES[case]
    bad = pipe.leads_dir / f"hostile-{case}.yaml"
    _write(bad, text)
    proc = cli(pipe, "check")
    assert proc.returncode == 1, (proc.stdout[-500:], proc.stderr[-500:])
    mine = [ln for ln in proc.stdout.splitlines() if ln.startswith(f"leads/hostile-{case}.yaml:")
            and "not committed" not in ln]
    assert mine, proc.stdout[-800:]
    if line is not None:
        assert any(ln.startswith(f"leads/hostile-{case}.yaml:{line}:") for ln in mine), mine
    assert all(len(ln) < 400 for ln in mine)  # one readable line, never the 2 MB value
    listed = cli(pipe, "list", "--json")
    assert listed.returncode == 0 and lead in listed.stdout  # the good lead is still there
    shown = cli(pipe, "show", f"hostile-{case}")
    assert shown.returncode in (0, 2) and "Traceback" not in shown.stderr
    before = bad.read_bytes()
    setter = cli(pipe, "set", f"hostile-{case}", "owner=alice")
    if setter.returncode != 0:
        assert setter.returncode == 2 and one_clean_line(setter.stderr).startswith("pipeline: leads/hostile-")
        assert bad.read_bytes() == before  # nothing written
    assert not (pipe.root / "PWNED").exists() and not (tmp / "PWNED").exists()
    untouched(tmp)


ENCODINGS = {
    "invalid-utf8": (b"name: Caf\xe9\nsource: referral\ncreated: 2026-11-01\n", "UTF-8"),
    "utf16": ("name: x\nsource: referral\ncreated: 2026-11-01\n".encode("utf-16"), "UTF-8"),
    "nul-bytes": (b"name: x\x00\nsource: referral\ncreated: 2026-11-01\n", None),
}


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_files_that_are_not_utf8_text(world, case):
    pipe, lead, tmp = world
    content, word = ENCODINGS[case]
    _write(pipe.leads_dir / f"enc-{case}.yaml", content)
    proc = cli(pipe, "check")
    assert proc.returncode == 1 and f"leads/enc-{case}.yaml:" in proc.stdout
    if word:
        assert word in proc.stdout
    assert cli(pipe, "list").returncode == 0
    untouched(tmp)


def test_bom_and_crlf_are_read_and_kept_on_edit(world):
    pipe, lead, tmp = world
    path = pipe.leads_dir / "bom-crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: Bo\r\nsource: referral\r\ncreated: 2026-11-01\r\nnext: {action: x, due: 2026-11-30}\r\n")
    git(pipe.root, "add", "-A")
    git(pipe.root, "commit", "-qm", "bom")
    assert cli(pipe, "set", "bom-crlf", "owner=alice").returncode == 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"owner: alice\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_a_lead_file_that_is_a_symlink_or_a_directory(world):
    pipe, lead, tmp = world
    (pipe.leads_dir / "link.yaml").symlink_to(tmp / "outside.yaml")
    (pipe.leads_dir / "folder.yaml").mkdir()
    (pipe.leads_dir / "folder.yaml" / "inner").write_text("x")
    proc = cli(pipe, "check")
    assert proc.returncode == 1
    assert "leads/link.yaml:1: is a symbolic link" in proc.stdout
    assert "leads/folder.yaml:1: is a directory" in proc.stdout
    assert cli(pipe, "set", "link", "owner=alice").returncode == 2
    assert cli(pipe, "show", "link").returncode == 2
    assert "outside the pipeline" not in cli(pipe, "show", "link").stdout  # never read through the link
    assert cli(pipe, "list").returncode == 0
    untouched(tmp)


BROKEN_PLAYBOOKS = {
    "syntax": ("stages: [oops\n", 2),  # the reader notices at the end of the file
    "a-list": ("- not\n- a mapping\n", 1),
    "bad-values": ("stages:\n  new: {limit_days: soon}\nsources:\n  web: {group: nowhere}\n", 2),
    "python-tag": ("version: !!python/object/apply:os.system ['touch PWNED']\n", 1),
    "missing": (None, 1),
}


@pytest.mark.parametrize("case", sorted(BROKEN_PLAYBOOKS))
def test_a_broken_playbook_is_reported_and_the_defaults_keep_the_pipeline_usable(world, case):
    pipe, lead, tmp = world
    text, line = BROKEN_PLAYBOOKS[case]
    if text is None:
        (pipe.root / "pipeline.yaml").unlink()
        (pipe.root / "pipeline.yaml").mkdir()  # worse than missing: a folder in its place
    else:
        (pipe.root / "pipeline.yaml").write_text(text)
    proc = cli(pipe, "check")
    assert proc.returncode in (1, 3) and "Traceback" not in proc.stderr
    if proc.returncode == 1:
        assert f"pipeline.yaml:{line}:" in proc.stdout
        assert cli(pipe, "list", "--json").returncode == 0
    else:
        assert "pipeline.yaml" in one_clean_line(proc.stderr)
    assert not (pipe.root / "PWNED").exists()
    untouched(tmp)


def test_a_path_outside_the_repository_for_C_is_refused(world, tmp_path):
    pipe, lead, tmp = world
    proc = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(tmp / "secret.txt"), "list"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode in (2, 3) and "Traceback" not in proc.stderr
    untouched(tmp)


def test_set_on_a_lead_file_made_by_hand_and_never_committed(world):
    pipe, lead, tmp = world
    (pipe.leads_dir / "by-hand.yaml").write_text("# typed in an editor\nname: Hand Made\nsource: referral\n"
                                                "created: 2026-11-20\n")
    proc = cli(pipe, "set", "by-hand", "owner=alice")
    assert proc.returncode == 0, proc.stderr
    assert git(pipe.root, "status", "--porcelain") == ""
    assert git(pipe.root, "show", "HEAD:leads/by-hand.yaml").startswith("# typed in an editor\n")
