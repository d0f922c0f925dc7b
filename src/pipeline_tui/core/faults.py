"""Named crash points for the fault-injection tests: `PIPELINE_FAULT=<point>` makes the process die at
that point as if killed (no cleanup, no exception handlers), so tests can prove that every lead stays
whole and the next command recovers. Unset (always, outside tests), a point costs one dict lookup.

Points: `temp-written` (the new bytes are in the temp file, not yet renamed over the lead),
`renamed` (the lead file holds the new bytes, not yet committed), `in-commit` (git holds its index
lock, as when a commit is killed half way), `import-writing`, `undo-writing`, `redo-writing` (the first file of
a multi-file write is written, the rest and the commit not yet: `core.pending` rolls it back).
"""

from __future__ import annotations

import os

POINTS = ("temp-written", "renamed", "in-commit", "import-writing", "undo-writing", "redo-writing")


def point(name: str, git_dir=None) -> None:  # noqa: ANN001
    if os.environ.get("PIPELINE_FAULT") != name:
        return
    if name == "in-commit" and git_dir is not None:
        (git_dir / "index.lock").write_bytes(b"")  # what a git killed during a commit leaves behind
    os._exit(137)
