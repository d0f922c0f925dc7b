"""Cache files may come from someone else: none can run code, hang a command, or show a wrong or stale lead.

Every test runs the real CLI in a subprocess (or the real store in process) on real files: planted pickles,
garbage, FIFOs, links, files and folders with the wrong owner or mode, and edits that keep a file's size and
its one-second mtime.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.storage.cache import cache_dir, cache_file
from tests.conftest import TODAY

KINDS = ("leads", "data", "playbook", "stages")
OTHER_UID = 54321


def cli(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real `pipeline` command (XDG_CACHE_HOME is the test's own, set by the isolated_home fixture)."""
    env = {**os.environ, "PIPELINE_TODAY": TODAY.isoformat()}
    return subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(root), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def listing(root: Path, *query: str) -> dict[str, dict]:
    proc = cli(root, "list", *query, "--json")
    assert proc.returncode == 0, proc.stderr
    return {lead["id"]: lead for lead in json.loads(proc.stdout)}


def cache_paths(root: Path) -> list[Path]:
    """Every file the caches of this pipeline live in, under this code's names and the pickle era's."""
    paths = []
    for kind in KINDS:
        path = cache_file("leads", root).with_name(cache_file("leads", root).name.replace("leads-", "data-", 1)) \
            if kind == "data" else cache_file(kind, root)
        paths += [path, path.with_suffix(".pickle")]
    return paths


def age(pipe: Pipeline, seconds: int = 3600) -> None:
    """Lead files last changed an hour ago: their cache entries are not racy."""
    when = time.time() - seconds
    for path in pipe.leads_dir.glob("*.yaml"):
        os.utime(path, (when, when))


@pytest.fixture
def two(pipe):
    jane = add_lead(pipe, "Jane Doe", "referral", company="Acme", value="1000", today=TODAY).lead_id
    bob = add_lead(pipe, "Bob Stone", "event", today=TODAY).lead_id
    age(pipe)
    return pipe, jane, bob


class Boom:
    """Unpickling this makes a folder: proof that loading the file ran code."""

    def __init__(self, sentinel: Path):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (os.mkdir, (self.sentinel,))


def plant(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.is_symlink() or path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # ours and private: it will be opened
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)


def _payloads(sentinel: Path) -> dict[str, bytes]:
    import msgspec

    boom = Boom(sentinel)
    return {
        "pickle": pickle.dumps(boom),
        "pickle-shaped": pickle.dumps(((5, "0.1.0", "leads"), 1, {"x.yaml": boom})),
        "garbage": b"\x80\x04\x95garbage\x00\xff" * 50,
        "empty": b"",
        "msgpack-ext": msgspec.msgpack.encode([msgspec.msgpack.Ext(99, b"os.system('x')"), {"a": 1}]),
        "msgpack-bad-dates": msgspec.msgpack.encode(["v", msgspec.msgpack.Ext(1, b"not a date"),
                                                      msgspec.msgpack.Ext(3, b""), msgspec.msgpack.Ext(6, b"\x91\x01")]),
        "msgpack-wrong-shape": msgspec.msgpack.encode(["(5,)", 7, {"x.yaml": [1, 2, "three", None, {}, []]}]),
        "truncated-array": b"\xdd\xff\xff\xff\xff",
    }


@pytest.mark.parametrize("payload", ["pickle", "pickle-shaped", "garbage", "empty", "msgpack-ext",
                                     "msgpack-bad-dates", "msgpack-wrong-shape", "truncated-array"])
def test_a_planted_cache_file_never_runs_and_never_changes_what_is_listed(two, tmp_path, payload):
    pipe, jane, bob = two
    clean = listing(pipe.root)
    clean_rotting = cli(pipe.root, "list", "rotting", "--json")
    assert set(clean) == {jane, bob} and clean[jane]["name"] == "Jane Doe"
    sentinel = tmp_path / "ran"
    blob = _payloads(sentinel)[payload]
    for path in cache_paths(pipe.root):
        plant(path, blob)
    assert listing(pipe.root) == clean
    again = cli(pipe.root, "list", "rotting", "--json")  # reads the stage history cache too
    assert (again.returncode, again.stdout) == (clean_rotting.returncode, clean_rotting.stdout)
    assert cli(pipe.root, "show", jane).returncode == 0
    assert not sentinel.exists(), "a cache file ran code"
    for path in cache_paths(pipe.root):  # planted again over what the runs rewrote: read by a warm run
        plant(path, blob)
    assert listing(pipe.root, "acme") == {jane: clean[jane]}  # a bare word reads the data file
    assert not sentinel.exists()


def test_the_cache_folder_is_private_and_its_files_are_ours_alone(two):
    pipe, jane, _ = two
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o777)  # ours but open to all: tightened before anything is read or written
    listing(pipe.root)
    assert folder.stat().st_mode & 0o777 == 0o700
    files = sorted(p for p in folder.iterdir())
    assert [p.suffix for p in files] == [".msgpack"] * 3
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    cli(pipe.root, "list", "rotting", "--json")
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())


def test_a_fresh_cache_folder_is_made_private_whatever_the_umask(two):
    import shutil

    pipe, _, _ = two
    shutil.rmtree(cache_dir())
    old = os.umask(0o002)  # the command inherits it: a folder made by default would be 0775
    try:
        listing(pipe.root)
    finally:
        os.umask(old)
    assert cache_dir().stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in cache_dir().iterdir())


def poison(pipe: Pipeline, lead_id: str, name: str = "Mallory") -> None:
    """A cache that would show lead_id under another name, written as this code writes its caches."""
    import msgspec

    from pipeline_tui.core.model.lead import Lead
    from pipeline_tui.core.model.leadcache import LeadCache

    Pipeline(pipe.root).leads()
    cache = LeadCache.for_pipeline(pipe.root)
    key = f"{lead_id}.yaml"
    entry = cache.index[key]
    derived = list(entry.derived)
    derived[Lead.DERIVED.index("name")] = name
    cache.index[key] = msgspec.structs.replace(entry, derived=tuple(derived),
                                               record=entry.record.replace("Jane Doe", name))
    cache.used, cache.dirty = set(cache.index), True
    cache.save()


def test_a_poisoned_cache_of_ours_is_used_which_proves_the_tests_below(two):
    pipe, jane, _ = two
    poison(pipe, jane)
    assert listing(pipe.root)[jane]["name"] == "Mallory"


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_cache_file_writable_by_others_is_ignored(two, mode):
    pipe, jane, _ = two
    poison(pipe, jane)
    os.chmod(cache_file("leads", pipe.root), mode)
    assert listing(pipe.root)[jane]["name"] == "Jane Doe"
    assert cache_file("leads", pipe.root).stat().st_mode & 0o777 == 0o600  # and replaced by a sound one


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a file away")
def test_a_cache_file_owned_by_someone_else_is_ignored(two):
    pipe, jane, _ = two
    poison(pipe, jane)
    os.chown(cache_file("leads", pipe.root), OTHER_UID, OTHER_UID)
    assert listing(pipe.root)[jane]["name"] == "Jane Doe"


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a folder away")
def test_a_cache_folder_owned_by_someone_else_is_neither_read_nor_written(two):
    pipe, jane, _ = two
    poison(pipe, jane)
    folder = cache_dir()
    os.chown(folder, OTHER_UID, OTHER_UID)
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}
    pipe.lead_path(jane).write_text(pipe.lead_path(jane).read_text() + "# changed\n")  # a run would write
    assert listing(pipe.root)[jane]["name"] == "Jane Doe"
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()} == before


def test_a_cache_file_that_is_a_link_is_not_followed(two):
    pipe, jane, _ = two
    poison(pipe, jane)
    index = cache_file("leads", pipe.root)
    elsewhere = index.with_name("planted.msgpack")
    os.rename(index, elsewhere)
    index.symlink_to(elsewhere)
    assert listing(pipe.root)[jane]["name"] == "Jane Doe"
    assert not index.is_symlink()  # replaced by a real file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_where_a_cache_file_should_be_hangs_nothing(two):
    pipe, jane, bob = two
    clean = listing(pipe.root)
    for path in cache_paths(pipe.root):
        if path.exists() or path.is_symlink():
            path.unlink()
        os.mkfifo(path, 0o600)
    for args in (("list", "--json"), ("list", "rotting", "--json"), ("list", "acme", "--json")):
        proc = cli(pipe.root, *args, timeout=30)  # a blocking open() of a FIFO would wait forever
        assert proc.returncode == 0, proc.stderr
    assert listing(pipe.root) == clean


# --- racily clean: a change within the same mtime tick and of the same size is never shown stale ---------


def whole_second_now() -> int:
    return int(time.time())


def test_an_edit_of_the_same_size_in_the_same_second_shows_after_set(two):
    """`list; set L value=1001; list` on a filesystem with one-second timestamps."""
    pipe, jane, _ = two
    path = pipe.lead_path(jane)
    tick = whole_second_now()
    os.utime(path, (tick, tick))
    assert listing(pipe.root)[jane]["value"] == 1000
    size = path.stat().st_size
    assert cli(pipe.root, "set", jane, "value=1001").returncode == 0
    os.utime(path, (tick, tick))  # what a one-second filesystem would have recorded
    assert path.stat().st_size == size and path.stat().st_mtime_ns == tick * 10**9
    assert listing(pipe.root)[jane]["value"] == 1001
    assert listing(pipe.root)[jane]["value"] == 1001  # and again, from the cache


def test_edits_of_the_same_size_keep_showing_while_they_land_within_one_second(two):
    pipe, jane, _ = two
    path = pipe.lead_path(jane)
    text = path.read_text()
    tick = whole_second_now()
    for value in ("1000", "2000", "3000", "1000", "4000"):
        path.write_text(text.replace("value: 1000", f"value: {value}"))
        os.utime(path, (tick, tick))
        assert {x.id: x for x in Pipeline(pipe.root).leads()}[jane].value == int(value)
        assert listing(pipe.root)[jane]["value"] == int(value)


def test_a_racy_entry_is_verified_then_trusted_and_stored_clean_once_old_enough(two, monkeypatch):
    from pipeline_tui.core.model import leadcache
    from pipeline_tui.core.model.leadcache import LeadCache
    from pipeline_tui.core.storage.cache import digest

    pipe, jane, _ = two
    path = pipe.lead_path(jane)
    Pipeline(pipe.root).leads()
    key = f"{jane}.yaml"
    assert LeadCache.for_pipeline(pipe.root).index[key].check == ""  # an hour old: clean
    tick = whole_second_now()
    os.utime(path, (tick, tick))
    Pipeline(pipe.root).leads()
    entry = LeadCache.for_pipeline(pipe.root).index[key]
    assert entry.check == digest(path.read_bytes())  # racy: kept with the digest of its bytes
    warm = Pipeline(pipe.root).leads()
    assert all(lead._data is None for lead in warm)  # verified by digest, not parsed
    monkeypatch.setattr(leadcache, "RACY_NS", 0)  # as if the moment had passed
    Pipeline(pipe.root).leads()
    assert LeadCache.for_pipeline(pipe.root).index[key].check == ""


def test_put_keeps_a_racy_entry_only_for_the_bytes_its_data_came_from(two):
    from pipeline_tui.core.model.leadcache import LeadCache
    from pipeline_tui.core.storage.cache import digest
    from pipeline_tui.core.yaml.reader import loads_bytes

    pipe, jane, _ = two
    path = pipe.lead_path(jane)
    old_bytes = path.read_bytes()
    old_data = loads_bytes(old_bytes)
    path.write_bytes(old_bytes.replace(b"value: 1000", b"value: 2000"))
    from pipeline_tui.core.storage.files import stamp_of

    stamp = stamp_of(path.stat())
    key = f"{jane}.yaml"

    cache = LeadCache.for_pipeline(pipe.root)
    cache.put(key, stamp, old_data, "sig")  # parsed before the change, bytes not given: not kept
    assert key not in cache.index
    cache.put(key, stamp, old_data, "sig", raw=old_bytes)  # the bytes given: kept, checked by them
    assert cache.index[key].check == digest(old_bytes)
    assert cache.get(key, stamp, "sig") is None  # the file holds other bytes now: a miss
    cache.put(key, stamp, loads_bytes(path.read_bytes()), "sig")  # the file's bytes parse to this data
    assert cache.index[key].check == digest(path.read_bytes())
    assert cache.get(key, stamp, "sig") is not None


def test_reading_a_cache_refuses_what_is_not_a_small_regular_file(tmp_path):
    from pipeline_tui.core.storage.cache import read_regular

    small = tmp_path / "small"
    small.write_bytes(b"0123456789")
    assert read_regular(small) == b"0123456789"
    assert read_regular(small, limit=9) is None
    assert read_regular(tmp_path) is None
    link = tmp_path / "link"
    link.symlink_to(small)
    assert read_regular(link) is None
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        assert read_regular(fifo) is None  # returns at once: opened without blocking, then refused
    os.chmod(small, 0o622)
    assert read_regular(small) == b"0123456789" and read_regular(small, own=True) is None


def test_a_file_replaced_with_the_same_size_and_mtime_is_read_again(tmp_path):
    """`cp -p` or `touch -r` can give a new file the old one's size and modification time, long after the
    racy window: the stamp holds the change time and inode too, as git's index does."""
    import os
    import subprocess
    import sys

    from pipeline_tui.core.changes.init import init_pipeline
    from pipeline_tui.core.changes.leads import add_lead

    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Ayy Smith", "referral").lead_id
    path = pipe.leads_dir / f"{lead}.yaml"
    old = 1_700_000_000_000_000_000  # long ago: not racy
    os.utime(path, ns=(old, old))

    def names() -> str:
        return subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "list", "--json"],
                              capture_output=True, text=True, check=True).stdout

    assert "Ayy Smith" in names()
    assert "Ayy Smith" in names()  # from the cache
    replacement = tmp_path / "v2.yaml"
    replacement.write_text(path.read_text().replace("Ayy Smith", "Aqq Smith"))
    os.utime(replacement, ns=(old, old))
    os.replace(replacement, path)  # same size, same mtime, another inode and ctime
    assert "Aqq Smith" in names()
