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


def test_cached_figures_follow_a_playbook_change(pipe):
    lead_id = add_lead(pipe, "Jane Doe", "event", today=TODAY).lead_id
    first = Pipeline(pipe.root).leads()[0]
    assert (first.group, first.origin) == ("events", "seller")
    text = (pipe.root / "pipeline.yaml").read_text().replace(
        "event:       {group: events,          origin: seller", "event:       {group: referrals,       origin: buyer")
    (pipe.root / "pipeline.yaml").write_text(text)
    again = Pipeline(pipe.root).leads()[0]  # the lead file did not change; its figures must
    assert (again.id, again.group, again.origin) == (lead_id, "referrals", "buyer")


def test_restored_leads_equal_freshly_built_ones(tmp_path):
    from pipeline_tui.core.demo import build_demo
    from pipeline_tui.core.lead import Lead

    demo = build_demo(tmp_path / "demo", today=TODAY)
    Pipeline(demo.root).leads()  # fills the cache
    warm = Pipeline(demo.root).leads()
    for lead in warm:
        fresh = Lead(lead.id, lead.path, lead.data, demo.playbook)
        assert lead.derived() == fresh.derived() and lead.summary() == fresh.summary()


def test_a_corrupt_playbook_cache_is_parsed_again(pipe):
    from pipeline_tui.core.playbook import Playbook, _playbook_cache

    Playbook.load(pipe.root)
    cached = _playbook_cache(pipe.root)
    assert cached.is_file()
    cached.write_bytes(b"\x80garbage")
    assert "referral" in Playbook.load(pipe.root).sources
    (pipe.root / "pipeline.yaml").write_text("sources: [oops\n")
    assert Playbook.load(pipe.root).problems  # new bytes: parsed, and its problem reported


def test_listing_reads_the_data_file_only_when_needed_and_survives_losing_it(pipe):
    from pipeline_tui.core.cache import LeadCache
    from pipeline_tui.core.query import compile_predicates, narrow

    lead_id = add_lead(pipe, "Jane Doe", "referral", company="Acme", today=TODAY).lead_id
    from pipeline_tui.core.ops import log_activity

    log_activity(pipe, lead_id, "call", "talked about the forklift fleet", today=TODAY)
    Pipeline(pipe.root).leads()  # fills both cache files
    cache = LeadCache.for_pipeline(pipe.root)
    assert cache.data_path.is_file()
    warm = Pipeline(pipe.root).leads()
    assert warm[0]._data is None  # restored from the index alone
    assert warm[0].summary()["name"] == "Jane Doe"
    for damage in (b"", b"\x80\x04garbage"):
        cache.data_path.write_bytes(damage)
        leads = Pipeline(pipe.root).leads()
        found = list(narrow(leads, compile_predicates(["forklift"], pipe.playbook, TODAY)))
        assert [x.id for x in found] == [lead_id]  # read from the file, the truth
    cache.data_path.unlink()
    leads = Pipeline(pipe.root).leads()
    assert leads[0].data["log"][0]["text"] == "talked about the forklift fleet"


def test_caches_from_another_release_are_misses(pipe, monkeypatch):
    """An upgrade that changes what is cached must never be served the old shape."""
    import pipeline_tui

    lead_id = add_lead(pipe, "Jane Doe", "referral", today=TODAY).lead_id
    Pipeline(pipe.root).leads()
    from pipeline_tui.core.playbook import Playbook

    Playbook.load(pipe.root)
    monkeypatch.setattr(pipeline_tui, "__version__", "99.0.0")
    from pipeline_tui.core.cache import LeadCache
    from pipeline_tui.core.playbook import _cached_playbook

    assert LeadCache.for_pipeline(pipe.root).index == {}
    assert _cached_playbook(pipe.root, Playbook.load(pipe.root).signature) is not None  # rebuilt under 99.0.0
    assert Pipeline(pipe.root).leads()[0].id == lead_id
