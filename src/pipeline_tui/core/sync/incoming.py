"""What a sync checks in what it fetched before merging it, and tidies after: commits of hand edits first, files
that do not parse, links, a file deleted on one side and edited on the other, git's stray merge copies, notes
both sides logged the same, and duplicate leads that came in."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipeline_tui.core.errors import BadInput, RepoUnusable, YamlProblem
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.storage.files import MAX_BYTES, describe_error, read_limited
from pipeline_tui.core.yaml import reader as yamlio


class SyncGit:
    def __init__(self, top: Path):
        self.top = top
        self.env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
                    "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
                    "GIT_MERGE_AUTOEDIT": "no"}

    def run(self, *args: str, env: dict | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
        from pipeline_tui.core.git.binary import refuse_dubious

        try:
            res = subprocess.run(["git", *args], cwd=self.top, capture_output=True, text=True,
                                 env={**self.env, **(env or {})}, timeout=timeout, check=False)
            if res.returncode != 0:
                refuse_dubious(res.stderr)
            return res
        except subprocess.TimeoutExpired:
            raise RepoUnusable(f"git {args[0]} took longer than {timeout:.0f} s (a slow or unreachable remote?); "
                               "your work here is safe; sync again later") from None
        except FileNotFoundError:
            raise RepoUnusable("git is not installed or not on PATH; install git and try again") from None

    def out(self, *args: str) -> str:
        res = self.run(*args)
        return res.stdout.strip() if res.returncode == 0 else ""


def last_lines(text: str, n: int = 2) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("hint:")]
    return " ".join(lines[-n:])


def push_error(text: str) -> str:
    """What the remote said (its `remote:` lines) and git's verdict (the `! [rejected]` line)."""
    said = [ln.removeprefix("remote:").strip() for ln in text.splitlines() if ln.startswith("remote:")]
    verdict = [ln.strip().lstrip("! ").strip() for ln in text.splitlines() if ln.strip().startswith("!")]
    parts = [p for p in said if p] + verdict
    return " ".join(parts) if parts else last_lines(text, 3)


def commit_hand_edits(g: SyncGit, pipe: Pipeline, rel: str, paths: list[str]) -> list[str]:
    """Commit hand edits before syncing, refusing files that do not parse (named with their line)."""
    for p in paths:
        full = g.top / p
        if full.suffix == ".yaml" and full.is_file():
            try:
                yamlio.loads(yamlio.decode(read_limited(full, MAX_BYTES)))
            except OSError as exc:
                raise BadInput(f"not committing a file that cannot be read: {describe_error(exc)}",
                               path=os.path.relpath(full, pipe.root)) from None
            except YamlProblem as exc:
                raise BadInput(f"not committing a file that does not parse: {exc.message}",
                               path=os.path.relpath(full, pipe.root), line=exc.line) from None
    g.run("add", "-A", "--", rel)  # only this pipeline's files: what else is staged stays staged, uncommitted
    names = [Path(p).name.removesuffix(".yaml") for p in paths]
    msg = f"hand edits: {', '.join(names[:5])}" + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    res = g.run("commit", "-q", "-m", f"{msg}\n\nPipeline-Action: edit", "--", rel or ".")
    if res.returncode != 0:
        raise RepoUnusable(f"could not commit the hand edits: {last_lines(res.stderr + res.stdout)}")
    return names


def incoming_changes(g: SyncGit, rng: str, rel: str) -> tuple[int, dict[str, dict]]:
    count = int(g.out("rev-list", "--count", rng) or 0)
    log = g.out("log", "--format=%x01%an%x02%s", "--name-only", "--no-renames", rng, "--", rel)
    files: dict[str, dict] = {}
    author = subject = ""
    for line in log.splitlines():
        if line.startswith("\x01"):
            author, subject = line[1:].split("\x02", 1)
        elif line.strip():
            name = line.rsplit("/", 1)[-1]
            key = name.removesuffix(".yaml") if "/leads/" in f"/{line}" else name
            info = files.setdefault(key, {"authors": set(), "subjects": [], "changes": []})
            info["authors"].add(author)
            info["subjects"].insert(0, subject)
            info["changes"].insert(0, (author, subject))  # git log lists newest first
    return count, files


def refuse_unparsed(g: SyncGit, pipe: Pipeline, rng: str, rel: str) -> None:
    """Never break a lead file (or the playbook) on the remote: a file this push would change that does not
    parse here, while the remote's copy does (or there is none), stops the push. One already broken on the
    remote (a teammate's plain-git push, merged here) is no reason to keep this person's work back."""
    remote = rng.split("..", 1)[0] if ".." in rng else None
    prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
    names = g.out("log", "--format=", "--name-only", "--no-renames", rng, "--", f"{prefix}leads",
                  f"{prefix}pipeline.yaml")
    for name in sorted({n for n in names.splitlines() if n.endswith(".yaml")}):
        full = g.top / name
        if not full.is_file():
            continue
        try:
            yamlio.loads(yamlio.decode(read_limited(full, MAX_BYTES)))
        except (OSError, YamlProblem) as exc:
            if remote is not None:
                theirs = g.run("show", f"{remote}:{name}")
                if theirs.returncode == 0:
                    try:
                        yamlio.loads(theirs.stdout)
                    except YamlProblem:
                        continue  # broken there already
            why = exc.message if isinstance(exc, YamlProblem) else describe_error(exc)
            line = exc.line if isinstance(exc, YamlProblem) else None
            raise RepoUnusable(f"not pushing: this file does not parse ({why}); fix it (pipeline check shows "
                               "where) and sync again; your commits stay here",
                               path=os.path.relpath(full, pipe.root), line=line) from None


def refuse_links(g: SyncGit, ref: str, rel: str, remote: str) -> list[str]:
    """Symbolic links coming in. `pipeline.yaml` or `leads/` as a link would make every command read and
    write wherever it points: refused before merging (nothing changes here). A lead file as a link is
    never read (check lists it): merged, and reported."""
    prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
    for line in g.out("ls-tree", ref, "--", f"{prefix}pipeline.yaml", f"{prefix}leads").splitlines():
        meta, _, path = line.partition("\t")
        if meta.startswith("120000"):
            who = g.out("log", "-1", "--format=%h by %an: %s", ref, "--", path)
            raise RepoUnusable(f"{remote} made {path} a symbolic link ({who}); a pipeline's {path.rsplit('/', 1)[-1]} "
                               "must be a real file or folder inside it, so this was not merged and nothing changed "
                               "here. Ask for it to be reverted on the remote, then sync again")
    out = []
    for line in g.out("diff", "--raw", "--no-renames", "HEAD", ref, "--", f"{prefix}leads").splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        if len(fields) >= 2 and fields[1] == "120000":
            out.append(f"{path} came in as a symbolic link: it is never read (pipeline check lists it); "
                       f"remove it (git rm {path}) or ask its author")
    return out


def delete_versus_edit(g: SyncGit, remote: str, resolve: dict) -> list[dict]:
    """A lead deleted on one side and edited on the other: git never calls the driver for it. With a choice
    (`--resolve ID=ours|theirs`, `all=...`) keep the edited lead or delete it; without one, say what
    happened (a conflict with both sides described)."""
    out = []
    entries = g.out("status", "--porcelain=v1", "-z").split("\0")
    for entry in entries:
        xy, path = entry[:2], entry[3:]
        if xy not in ("DU", "UD") or not path:
            continue
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        side = (resolve.get(stem) or {}).get("*") or (resolve.get("*") or {}).get("*")
        here, there = ("deleted here", f"changed on {remote}") if xy == "DU" else ("changed here", f"deleted on {remote}")
        if side not in ("ours", "theirs"):
            out.append({"path": path, "key": "(file)", "base": None, "theirs": None,
                        "ours": f"{here}, {there}: --resolve {stem}=ours keeps what is here, =theirs what is there"})
            continue
        keep_file = (side == "ours") == (xy == "UD")  # ours edited it and ours is chosen, or theirs did
        if keep_file:
            if xy == "DU":
                g.run("checkout", "--theirs", "--", path)
            g.run("add", "--", path)
        else:
            g.run("rm", "-q", "--", path)
    return out


def count_identical_notes(g: SyncGit, rel: str, before: str) -> None:
    """Both sides logged the very same entry (the same call, on the same day, with the same words): git
    sees one change made twice and keeps one copy, without asking the merge driver. Log entries are
    counted, not collapsed (merge.py), so the merge commit just made gets the second copy back."""
    parents = g.out("rev-list", "--parents", "-n", "1", "HEAD").split()
    if len(parents) != 3 or parents[1] != before:  # no merge commit made here (a fast-forward)
        return
    ours, theirs = parents[1], parents[2]
    base = g.out("merge-base", ours, theirs)
    if not base:
        return
    prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
    both = set(g.out("diff", "--name-only", "--no-renames", base, ours, "--", f"{prefix}leads").splitlines()) & \
        set(g.out("diff", "--name-only", "--no-renames", base, theirs, "--", f"{prefix}leads").splitlines())
    differ = set(g.out("diff", "--name-only", "--no-renames", ours, theirs, "--", *sorted(both)).splitlines()) \
        if both else set()
    fixed = []
    for name in sorted(both - differ):  # (different on the two sides: the merge driver counted them)
        text = _extra_copies(g.run("show", f"{base}:{name}").stdout, (g.top / name))
        if text is not None:
            (g.top / name).write_bytes(text)
            fixed.append(name)
    if fixed:
        g.run("add", "--", *fixed)
        g.run("commit", "-q", "--amend", "--no-edit")


def _extra_copies(base_text: str, path: Path) -> bytes | None:
    """The file with the entries its log gained since the base written once more (None: none gained)."""
    from collections import Counter

    from pipeline_tui.core.git.fieldmerge import entry_key
    from pipeline_tui.core.yaml.ops import Op, edit_text

    try:
        raw = read_limited(path, MAX_BYTES)
        text = yamlio.decode(raw)
        data, was = yamlio.loads(text), (yamlio.loads(base_text) if base_text.strip() else {})
    except (OSError, YamlProblem):
        return None
    log, old = (x.get("log") if isinstance(x, dict) else None for x in (data, was))
    if not isinstance(log, list) or not isinstance(old or [], list):
        return None
    had = Counter(entry_key(e) for e in old or [])
    again = []
    for entry in log:
        key = entry_key(entry)
        if had[key] > 0:
            had[key] -= 1
        else:
            again.append(entry)
    if not again:
        return None
    try:
        new = edit_text(text, [Op("append", ("log",), e) for e in again])
        if yamlio.loads(new) != {**data, "log": log + again}:
            return None
    except (YamlProblem, BadInput):
        return None
    return (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + new.encode("utf-8")


def incoming_duplicates(pipe: Pipeline, incoming: set[str]) -> list[str]:
    if not incoming:
        return []
    from pipeline_tui.core.views.checks import duplicate_problems

    fresh = Pipeline.open(pipe.root)
    out = []
    for p in duplicate_problems(fresh, fresh.leads()):
        stem = p.path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem in incoming or any(i in p.message for i in incoming):
            out.append(f"{p.path}: {p.message}")
    return out
