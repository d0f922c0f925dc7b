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
import tempfile

from pipeline_tui.core import faults
from pipeline_tui.core.errors import RepoUnusable
from pipeline_tui.core.git import pending
from pipeline_tui.core.git.merge import REPORT_ENV, RESOLVE_ENV
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.sync.incoming import (
    SyncGit,
    commit_hand_edits,
    count_identical_notes,
    delete_versus_edit,
    incoming_changes,
    incoming_duplicates,
    last_lines,
    push_error,
    refuse_links,
    refuse_unparsed,
)
from pipeline_tui.core.sync.result import SyncConflict, SyncResult

NETWORK_TIMEOUT = 120
























def _merge(g: SyncGit, ref: str, remote: str, branch: str, resolve: dict) -> None:
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
        conflicts += delete_versus_edit(g, remote, resolve)
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
        raise RepoUnusable(f"git could not merge {remote}/{branch}: {last_lines(res.stderr + res.stdout)}; "
                           "nothing was changed here")
    finally:
        os.unlink(report)






def sync(pipe: Pipeline, resolve: dict[str, dict[str, str]] | None = None, commit_edits: bool = False,
         timeout: float = NETWORK_TIMEOUT) -> SyncResult:
    from pipeline_tui.core.git.driver import configure_merge_driver
    from pipeline_tui.core.git.repo import GitRepo

    repo = GitRepo(pipe.root)
    repo.require_identity()
    g = SyncGit(repo.top)
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
            result.committed_edits = commit_hand_edits(g, pipe, rel, dirty)
        for _attempt in range(3):
            fetched = g.run("fetch", "--quiet", remote, timeout=timeout)
            if fetched.returncode != 0:
                url = g.out("remote", "get-url", remote)
                raise RepoUnusable(f"cannot reach {remote} ({url}): {last_lines(fetched.stderr)}; you may be "
                                   "offline or the URL is wrong; everything here is safe and committed, sync "
                                   "again later")
            ref = f"refs/remotes/{remote}/{rbranch}"
            has_remote = bool(g.out("rev-parse", "--verify", "--quiet", ref))
            if has_remote:
                count, files = incoming_changes(g, f"HEAD..{ref}", rel)
                if count:
                    result.warnings += refuse_links(g, ref, rel, remote)
                    # the tree is clean here: a sync killed inside git's merge is rolled back by the next command
                    touched = [p for p in g.out("diff", "--name-only", "--no-renames", "-z", "HEAD", ref, "--",
                                                rel or ".").split("\0") if p]
                    with pending.guarded(repo, "sync", {repo.top / p: pending.ANY for p in touched}):
                        faults.point("sync-merging")
                        before = g.out("rev-parse", "HEAD")
                        _merge(g, ref, remote, rbranch, resolve or {})
                        count_identical_notes(g, rel, before)
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
            refuse_unparsed(g, pipe, f"{ref}..HEAD" if has_remote else "HEAD", rel)
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
            raise RepoUnusable(f"{remote} refused the push: {push_error(text)}; your commits are safe here "
                               "(nothing was lost); fix the cause and sync again")
        else:
            raise RepoUnusable(f"{remote} kept moving while syncing (others are pushing); sync again in a moment")
    result.duplicates = incoming_duplicates(pipe, set(result.incoming))
    return result




def status(pipe: Pipeline) -> dict:
    """Remote, upstream and ahead/behind as of the last fetch (no network)."""
    from pipeline_tui.core.git.repo import GitRepo

    repo = GitRepo(pipe.root)
    g = SyncGit(repo.top)
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
