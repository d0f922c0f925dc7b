"""The parsed-lead cache is only a copy: edits behind the tool's back are never shown stale."""

import os

from pipeline_tui.core.cache import cache_path
from pipeline_tui.core.ops import add_lead
from pipeline_tui.core.store import Pipeline
from tests.conftest import TODAY


def test_cache_follows_edits_and_survives_corruption(pipe):
    lead_id = add_lead(pipe, "Jane Doe", "referral", today=TODAY).lead_id
    assert Pipeline(pipe.root).leads()[0].name == "Jane Doe"
    assert cache_path(pipe.root).is_file()
    path = pipe.lead_path(lead_id)
    path.write_text(path.read_text().replace("Jane Doe", "Jane Roe"))  # same size, like an editor would
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert Pipeline(pipe.root).leads()[0].name == "Jane Roe"
    cache_path(pipe.root).write_bytes(b"garbage")
    assert Pipeline(pipe.root).leads()[0].name == "Jane Roe"
    path.unlink()
    assert Pipeline(pipe.root).leads() == []
