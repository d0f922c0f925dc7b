"""Named crash points for the fault-injection tests: `PIPELINE_FAULT=<point>` makes the process die at
that point as if killed (no cleanup, no exception handlers), so tests can prove that every lead stays
whole and the next command recovers. Unset (always, outside tests), a point costs one dict lookup.

Points: `temp-written` (the new bytes are in the temp file, not yet renamed over the lead),
`renamed` (the lead file holds the new bytes, not yet committed), `in-commit` (git holds its index
lock, as when a commit is killed half way), `import-writing`, `undo-writing`, `redo-writing` (the first file of
a multi-file write is written, the rest and the commit not yet: `core.git.pending` rolls it back), `sync-merging`
(a sync's journal is written, git's merge not started), `in-merge` (the merge driver kills the whole process
group: sync, git and itself), `demo-built` (the demo is built in its hidden folder, not renamed yet), `init-written` (init wrote its files,
not committed yet).
"""

from __future__ import annotations

import os

POINTS = ("temp-written", "renamed", "in-commit", "import-writing", "undo-writing", "redo-writing", "sync-merging",
          "in-merge", "demo-built", "init-written")


def point(name: str, git_dir=None) -> None:  # noqa: ANN001
    if os.environ.get("PIPELINE_FAULT") != name:
        return
    if name == "in-commit" and git_dir is not None:
        (git_dir / "index.lock").write_bytes(b"")  # what a git killed during a commit leaves behind
    if name == "in-merge" and hasattr(os, "killpg"):  # the merge driver: kill the sync and its git with it
        import signal

        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(137)
