"""`pipeline sync`: fetch, merge field by field, push, through any remote git understands.

The rule for two edits of the same field: sync stops, changes nothing here (the merge is aborted, so
the files and commits are as they were), and reports each such field with both values. The person
chooses with `--resolve ID.key=ours|theirs` (or `ID=...`, `all=...`) and syncs again. Nothing is ever
guessed, and no lead file ever gets conflict markers.

Every other obstacle (no remote, an unreachable one, a push the remote refuses, uncommitted edits, a
merge or rebase git left half done, a detached HEAD) stops with a message saying what to do, exit 3.
Runs the `git` binary for the network and merge steps, with prompts off and a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core import faults
from pipeline_tui.core.errors import BadInput, RepoUnusable, YamlProblem
from pipeline_tui.core.git.merge import REPORT_ENV, RESOLVE_ENV
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.storage import pending
from pipeline_tui.core.storage.files import MAX_BYTES, describe_error, read_limited
from pipeline_tui.core.yaml import reader as yamlio

NETWORK_TIMEOUT = 120


class SyncConflict(RepoUnusable):
    """Fields changed differently on both sides: a person must choose (exit 3)."""

    def __init__(self, conflicts: list[dict], remote: str):
        self.conflicts = conflicts
        self.remote = remote
        n = len(conflicts)
        super().__init__(f"sync stopped: {n} field(s) changed differently here and on {remote}; nothing was "
                         "changed here. Choose with --resolve ID.key=ours|theirs and sync again")

    def lines(self) -> list[str]:
        out = []
        for c in self.conflicts:
            stem = c["path"].rsplit("/", 1)[-1].removesuffix(".yaml")
            if c["key"] == "(file)":
                out.append(f"{c['path']}: {c['ours'] or 'changed on both sides'}; git could not merge it "
                           f"(resolve by hand, or --resolve {stem}=ours|theirs)")
            else:
                out.append(f"{c['path']}: {c['key']}: here {_q(c['ours'])}, on {self.remote} {_q(c['theirs'])} "
                           f"(was {_q(c['base'])}); --resolve {stem}.{c['key']}=ours|theirs")
        return out


def _q(value) -> str:  # noqa: ANN001
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass
class SyncResult:
    remote: str = ""
    branch: str = ""
    incoming: dict[str, dict] = field(default_factory=dict)  # lead id (or "pipeline.yaml") -> authors, subjects
    received: int = 0  # commits that came in
    pushed: int = 0  # commits sent
    committed_edits: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what came in that a person should look at

    def summary(self) -> list[str]:
        out = []
        if self.committed_edits:
            out.append(f"committed {len(self.committed_edits)} hand-edited file(s): {', '.join(self.committed_edits)}")
        if self.received:
            out.append(f"received {self.received} commit(s) from {self.remote}/{self.branch}, "
                       + (f"changing {len(self.incoming)} file(s):" if self.incoming
                          else "none of them changing this pipeline's files"))
            for name, info in sorted(self.incoming.items()):  # every change, oldest first, with who made it
                who = ", ".join(sorted(info["authors"]))
                out.append(f"  {name}  ({who})")
                for author, subject in info.get("changes", []):
                    out.append(f"    {author}: {subject.removeprefix(name + ': ')}")
        else:
            out.append(f"nothing new on {self.remote}/{self.branch}")
        out.append(f"sent {self.pushed} commit(s) to {self.remote}/{self.branch}" if self.pushed
                   else "nothing to send")
        out.extend(f"likely duplicate: {d}" for d in self.duplicates)
        out.extend(f"warning: {w}" for w in self.warnings)
        return out

    def as_json(self) -> dict:
        return {"remote": self.remote, "branch": self.branch, "received": self.received, "pushed": self.pushed,
                "incoming": {k: {"authors": sorted(v["authors"]), "subjects": v["subjects"],
                                 "changes": [{"author": a, "subject": s} for a, s in v.get("changes", [])]}
                             for k, v in self.incoming.items()},
                "committed_edits": self.committed_edits, "duplicates": self.duplicates, "warnings": self.warnings}


def parse_resolutions(items: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`ID.key=ours`, `ID=theirs`, `all=ours` into the driver's {stem: {key | "*": side}}."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        ref, sep, side = item.partition("=")
        side = side.strip().lower()
        if not sep or side not in ("ours", "theirs") or not ref.strip():
            raise BadInput(f"--resolve {item!r}: write ID.key=ours or ID.key=theirs (or ID=..., all=...)")
        ref = ref.strip()
        if ref in ("all", "*"):
            out.setdefault("*", {})["*"] = side
            continue
        stem, _, key = ref.partition(".")
        out.setdefault(stem, {})[key or "*"] = side
    return out


class _Git:
    def __init__(self, top: Path):
        self.top = top
        self.env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
                    "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
                    "GIT_MERGE_AUTOEDIT": "no"}

    def run(self, *args: str, env: dict | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
        from pipeline_tui.core.git.repo import refuse_dubious

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


def _last_lines(text: str, n: int = 2) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("hint:")]
    return " ".join(lines[-n:])


def _push_error(text: str) -> str:
    """What the remote said (its `remote:` lines) and git's verdict (the `! [rejected]` line)."""
    said = [ln.removeprefix("remote:").strip() for ln in text.splitlines() if ln.startswith("remote:")]
    verdict = [ln.strip().lstrip("! ").strip() for ln in text.splitlines() if ln.strip().startswith("!")]
    parts = [p for p in said if p] + verdict
    return " ".join(parts) if parts else _last_lines(text, 3)




def _commit_edits(g: _Git, pipe: Pipeline, rel: str, paths: list[str]) -> list[str]:
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
        raise RepoUnusable(f"could not commit the hand edits: {_last_lines(res.stderr + res.stdout)}")
    return names


def _incoming(g: _Git, rng: str, rel: str) -> tuple[int, dict[str, dict]]:
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


def _refuse_unparsed(g: _Git, pipe: Pipeline, rng: str, rel: str) -> None:
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


def _refuse_links(g: _Git, ref: str, rel: str, remote: str) -> list[str]:
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


def _delete_versus_edit(g: _Git, remote: str, resolve: dict) -> list[dict]:
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


def _merge(g: _Git, ref: str, remote: str, branch: str, resolve: dict) -> None:
    fd, report = tempfile.mkstemp(prefix="pipeline-merge-", suffix=".jsonl")
    os.close(fd)
    try:
        env = {REPORT_ENV: report, RESOLVE_ENV: json.dumps(resolve)}
        res = g.run("merge", "--no-edit", "-m", f"sync: merge {remote}/{branch}", ref, env=env)
        if res.returncode == 0:
            return
        conflicts = []
        with open(report, encoding="utf-8") as fh:
            for line in fh:
                try:
                    conflicts.append(json.loads(line))
                except ValueError:
                    continue
        conflicts += _delete_versus_edit(g, remote, resolve)
        unmerged = [p for p in g.out("diff", "--name-only", "--diff-filter=U").splitlines() if p]
        seen = {c["path"] for c in conflicts}
        for p in unmerged:
            if p not in seen:
                conflicts.append({"path": p, "key": "(file)", "base": None, "ours": None, "theirs": None})
        if not conflicts and not unmerged:  # every file settled (a deletion chosen): finish the merge
            done = g.run("commit", "-q", "--no-edit")
            if done.returncode == 0:
                return
        g.run("merge", "--abort")  # back to exactly what was here: the tree was clean before the merge
        if conflicts:
            raise SyncConflict(conflicts, remote)
        raise RepoUnusable(f"git could not merge {remote}/{branch}: {_last_lines(res.stderr + res.stdout)}; "
                           "nothing was changed here")
    finally:
        os.unlink(report)


def _count_identical_notes(g: _Git, rel: str, before: str) -> None:
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

    from pipeline_tui.core.git.merge import _entry_key
    from pipeline_tui.core.model.pipeline import Op, edit_text

    try:
        raw = read_limited(path, MAX_BYTES)
        text = yamlio.decode(raw)
        data, was = yamlio.loads(text), (yamlio.loads(base_text) if base_text.strip() else {})
    except (OSError, YamlProblem):
        return None
    log, old = (x.get("log") if isinstance(x, dict) else None for x in (data, was))
    if not isinstance(log, list) or not isinstance(old or [], list):
        return None
    had = Counter(_entry_key(e) for e in old or [])
    again = []
    for entry in log:
        key = _entry_key(entry)
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


def sync(pipe: Pipeline, resolve: dict[str, dict[str, str]] | None = None, commit_edits: bool = False,
         timeout: float = NETWORK_TIMEOUT) -> SyncResult:
    from pipeline_tui.core.changes.ops import configure_merge_driver
    from pipeline_tui.core.git.repo import GitRepo

    repo = GitRepo(pipe.root)
    repo.require_identity()
    g = _Git(repo.top)
    rel = repo.rel(pipe.root)  # the pipeline's folder as a pathspec ("." when it is the repository)
    result = SyncResult()
    with repo.write_lock():
        configure_merge_driver(repo)  # a fresh clone has the .gitattributes but not the driver's config
        branch = g.out("symbolic-ref", "--quiet", "--short", "HEAD")
        if not branch:
            raise RepoUnusable("HEAD is detached (not on a branch); check out your branch (git switch main), "
                               "then sync again")
        remotes = g.out("remote").split()
        if not remotes:
            raise RepoUnusable("no remote to sync with: add one (git remote add origin URL, for example a bare "
                               "repository on a shared drive or a GitHub URL), then sync again")
        upstream = g.out("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
        if upstream and "/" in upstream and upstream.split("/", 1)[0] in remotes:
            remote, rbranch = upstream.split("/", 1)
        else:
            remote = "origin" if "origin" in remotes else remotes[0]
            rbranch = branch
        result.remote, result.branch = remote, rbranch
        dirty = [path for _, path in repo.changed_files(pipe.root)]
        if dirty:
            if not commit_edits:
                shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
                raise RepoUnusable(f"{len(dirty)} file(s) changed here but not committed ({shown}); commit them "
                                   "with pipeline sync --commit (or git commit), or put them aside (git stash), "
                                   "then sync again")
            result.committed_edits = _commit_edits(g, pipe, rel, dirty)
        for _attempt in range(3):
            fetched = g.run("fetch", "--quiet", remote, timeout=timeout)
            if fetched.returncode != 0:
                url = g.out("remote", "get-url", remote)
                raise RepoUnusable(f"cannot reach {remote} ({url}): {_last_lines(fetched.stderr)}; you may be "
                                   "offline or the URL is wrong; everything here is safe and committed, sync "
                                   "again later")
            ref = f"refs/remotes/{remote}/{rbranch}"
            has_remote = bool(g.out("rev-parse", "--verify", "--quiet", ref))
            if has_remote:
                count, files = _incoming(g, f"HEAD..{ref}", rel)
                if count:
                    result.warnings += _refuse_links(g, ref, rel, remote)
                    # the tree is clean here: a sync killed inside git's merge is rolled back by the next command
                    touched = [p for p in g.out("diff", "--name-only", "--no-renames", "-z", "HEAD", ref, "--",
                                                rel or ".").split("\0") if p]
                    with pending.guarded(repo, "sync", {repo.top / p: pending.ANY for p in touched}):
                        faults.point("sync-merging")
                        before = g.out("rev-parse", "HEAD")
                        _merge(g, ref, remote, rbranch, resolve or {})
                        _count_identical_notes(g, rel, before)
                    result.received += count
                    for k, v in files.items():
                        info = result.incoming.setdefault(k, {"authors": set(), "subjects": [], "changes": []})
                        info["authors"] |= v["authors"]
                        info["subjects"] += v["subjects"]
                        info["changes"] += v["changes"]
                ahead = int(g.out("rev-list", "--count", f"{ref}..HEAD") or 0)
            else:
                ahead = int(g.out("rev-list", "--count", "HEAD") or 0)
            if not ahead:
                break
            _refuse_unparsed(g, pipe, f"{ref}..HEAD" if has_remote else "HEAD", rel)
            args = ["push"]
            if not upstream:
                args.append("-u")
            pushed = g.run(*args, remote, f"HEAD:refs/heads/{rbranch}", timeout=timeout)
            if pushed.returncode == 0:
                result.pushed += ahead
                upstream = upstream or f"{remote}/{rbranch}"
                break
            text = pushed.stderr + pushed.stdout
            if "[rejected]" in text and ("fetch first" in text or "non-fast-forward" in text):
                continue  # someone pushed meanwhile: fetch, merge and try again
            raise RepoUnusable(f"{remote} refused the push: {_push_error(text)}; your commits are safe here "
                               "(nothing was lost); fix the cause and sync again")
        else:
            raise RepoUnusable(f"{remote} kept moving while syncing (others are pushing); sync again in a moment")
    result.duplicates = _duplicates(pipe, set(result.incoming))
    return result


def _duplicates(pipe: Pipeline, incoming: set[str]) -> list[str]:
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


def status(pipe: Pipeline) -> dict:
    """Remote, upstream and ahead/behind as of the last fetch (no network)."""
    from pipeline_tui.core.git.repo import GitRepo

    repo = GitRepo(pipe.root)
    g = _Git(repo.top)
    remotes = g.out("remote").split()
    branch = g.out("symbolic-ref", "--quiet", "--short", "HEAD")
    upstream = g.out("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
    ahead = behind = None
    if upstream:
        counts = g.out("rev-list", "--left-right", "--count", "HEAD...@{upstream}").split()
        if len(counts) == 2:
            ahead, behind = int(counts[0]), int(counts[1])
    return {"remotes": remotes, "branch": branch, "upstream": upstream, "ahead": ahead, "behind": behind,
            "dirty": [path for _, path in repo.changed_files(pipe.root)],
            "url": g.out("remote", "get-url", remotes[0]) if remotes else ""}
