"""A full disk, a read-only folder, a read-only repository, an export aimed at a missing folder or at a link:
exit 3 (2 for a bad -o) with one line, never a traceback, and nothing changed or left staged. The full disk
is a real small tmpfs and read-only is a real read-only mount (skipped where this machine may not mount)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead
from tests.conftest import TODAY, git


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    where = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount permission)")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Fill the filesystem, leaving about `leave` bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        try:
            fh.write(b"\0" * max(0, free - leave))
            fh.flush()
            os.fsync(fh.fileno())
        except OSError:
            pass
    return filler


def one_line(res) -> str:  # noqa: ANN001
    assert "Traceback" not in res.err, res.err
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(lines) == 1, res.err
    return lines[0]


def test_a_full_disk_changes_nothing_and_says_so(small_disk, run):
    pipe = init_pipeline(small_disk / "pipe")
    lead = add_lead(pipe, "Jane Doe", "referral", value="1000", today=TODAY).lead_id
    before = pipe.lead_path(lead).read_bytes()
    head = git(pipe.root, "rev-parse", "HEAD")
    filler = _fill(small_disk)
    for args in (("set", lead, "value=2000"), ("note", lead, "a call"), ("add", "Kai Berg", "--source", "event")):
        res = run("-C", str(pipe.root), *args)
        assert res.code == 3, (args, res)
        assert "No space left on device" in one_line(res)
        assert pipe.lead_path(lead).read_bytes() == before
        assert git(pipe.root, "rev-parse", "HEAD") == head
        assert git(pipe.root, "--no-optional-locks", "status", "--porcelain", "--", "leads") == ""
    filler.unlink()
    assert run("-C", str(pipe.root), "set", lead, "value=2000").code == 0


@pytest.mark.parametrize("leave", [1500, 6000, 20000])
def test_a_disk_that_fills_half_way_never_gives_a_traceback(small_disk, run, leave):
    """Room for the lead file but not for git's objects (or for part of them): exit 3, one line, and either
    the file is back as it was or the message says it holds the change, uncommitted."""
    pipe = init_pipeline(small_disk / "pipe")
    lead = add_lead(pipe, "Jane Doe", "referral", value="1000", today=TODAY).lead_id
    before = pipe.lead_path(lead).read_bytes()
    filler = _fill(small_disk, leave)
    res = run("-C", str(pipe.root), "set", lead, "value=2000", "owner=alice")
    if res.code == 0:
        pytest.skip("git found room after all")
    assert res.code == 3, res
    line = one_line(res)
    if pipe.lead_path(lead).read_bytes() != before:
        assert "holds your change, not committed" in line
    staged = git(pipe.root, "diff", "--cached", "--name-only")
    assert staged == "" or "git's index still holds the change" in line, (staged, line)
    filler.unlink()
    assert run("-C", str(pipe.root), "set", lead, "value=3000").code == 0
    assert git(pipe.root, "status", "--porcelain") == ""


def test_read_only_leads_and_repository(small_disk, run):
    pipe = init_pipeline(small_disk / "pipe")
    lead = add_lead(pipe, "Jane Doe", "referral", today=TODAY).lead_id
    csv = small_disk.parent / "in.csv"
    csv.write_text("Name,Lead Source\nAnn,Referral\n")
    leads = str(pipe.leads_dir)
    if not (_mount("--bind", leads, leads) and _mount("-o", "remount,bind,ro", leads)):
        pytest.skip("cannot make a read-only bind mount here")
    try:
        for args in (("set", lead, "value=1"), ("note", lead, "x"), ("add", "Kai", "--source", "event"),
                     ("import", str(csv))):
            res = run("-C", str(pipe.root), *args)
            assert res.code == 3, (args, res)
            assert "Read-only file system" in one_line(res)
        assert git(pipe.root, "status", "--porcelain") == ""
    finally:
        subprocess.run(["umount", leads], capture_output=True)
    if not _mount("-o", "remount,ro", str(small_disk)):
        pytest.skip("cannot remount read-only")
    res = run("-C", str(pipe.root), "set", lead, "value=1")
    assert res.code == 3 and "write lock" in one_line(res), res
    assert run("-C", str(pipe.root), "list").code == 0  # reading still works


def test_export_to_a_missing_folder_or_a_link(tmp_path, run):
    pipe = init_pipeline(tmp_path / "pipe")
    add_lead(pipe, "Jane Doe", "referral", today=TODAY)
    res = run("-C", str(pipe.root), "export", "-o", "/nonexistent/x.csv")
    assert res.code == 2 and "does not exist" in one_line(res)
    target = tmp_path / "real.csv"
    target.write_text("keep me\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    res = run("-C", str(pipe.root), "export", "-o", str(link))
    assert res.code == 2 and "symbolic link" in one_line(res)
    assert link.is_symlink() and target.read_text() == "keep me\n"


def test_export_never_replaces_a_fifo_nor_writes_into_leads(tmp_path, run):
    pipe = init_pipeline(tmp_path / "pipe")
    add_lead(pipe, "Jane Doe", "referral", today=TODAY)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    res = run("-C", str(pipe.root), "export", "-o", str(fifo))
    assert res.code == 2 and "not a regular file" in one_line(res)
    res = run("-C", str(pipe.root), "export", "-o", str(pipe.leads_dir / "x.yaml"))
    assert res.code == 2 and "leads folder" in one_line(res)
    assert not (pipe.leads_dir / "x.yaml").exists()
