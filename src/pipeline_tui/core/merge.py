"""Git merge driver entry point for lead files.

For now this is git's own line-wise three-way merge (`git merge-file`), so a pipeline behaves exactly
as plain git would; the field-wise YAML merge replaces it in the sync work.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def merge_files(base: Path, ours: Path, theirs: Path, path: str = "") -> int:
    """Merge into `ours` as git expects of a merge driver; 0 clean, non-zero conflicted."""
    result = subprocess.run(
        ["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", str(ours), str(base), str(theirs)],
        capture_output=True,
    )
    return 0 if result.returncode == 0 else 1
