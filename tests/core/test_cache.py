"""The caches are only copies: edits behind the tool's back are never shown stale, and what comes back from a
cache file is exactly what went in (plain data, of the same types), or a miss."""

import datetime as dt
import math
import os
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.core.model.leadcache import cache_path
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.playbook_file import load_playbook
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
    from pipeline_tui.core.changes.demo import build_demo
    from pipeline_tui.core.model.lead import Lead

    demo = build_demo(tmp_path / "demo", today=TODAY)
    Pipeline(demo.root).leads()  # fills the cache
    warm = Pipeline(demo.root).leads()
    for lead in warm:
        fresh = Lead(lead.id, lead.path, lead.data, demo.playbook)
        assert lead.derived() == fresh.derived() and lead.record() == fresh.record()


def test_a_corrupt_playbook_cache_is_parsed_again(pipe):
    from pipeline_tui.core.model.playbook_file import _playbook_cache

    load_playbook(pipe.root)
    cached = _playbook_cache(pipe.root)
    assert cached.is_file()
    cached.write_bytes(b"\x80garbage")
    assert "referral" in load_playbook(pipe.root).sources
    (pipe.root / "pipeline.yaml").write_text("sources: [oops\n")
    assert load_playbook(pipe.root).problems  # new bytes: parsed, and its problem reported


def test_listing_reads_the_data_file_only_when_needed_and_survives_losing_it(pipe):
    from pipeline_tui.core.model.leadcache import LeadCache
    from pipeline_tui.core.views.query import compile_predicates, narrow

    lead_id = add_lead(pipe, "Jane Doe", "referral", company="Acme", today=TODAY).lead_id
    from pipeline_tui.core.changes.activities import log_activity

    log_activity(pipe, lead_id, "call", "talked about the forklift fleet", today=TODAY)
    Pipeline(pipe.root).leads()  # fills both cache files
    cache = LeadCache.for_pipeline(pipe.root)
    assert cache.data_path.is_file()
    warm = Pipeline(pipe.root).leads()
    assert warm[0]._data is None  # restored from the index alone
    assert warm[0].record()["name"] == "Jane Doe"
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

    load_playbook(pipe.root)
    monkeypatch.setattr(pipeline_tui, "__version__", "99.0.0")
    from pipeline_tui.core.model.leadcache import LeadCache
    from pipeline_tui.core.model.playbook_file import _cached_playbook

    assert LeadCache.for_pipeline(pipe.root).index == {}
    assert _cached_playbook(pipe.root, load_playbook(pipe.root).signature) is not None  # rebuilt under 99.0.0
    assert Pipeline(pipe.root).leads()[0].id == lead_id


# --- the format: plain data only, exact on the way back ---------------------------------------------------


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (1, 1.0 and True are three different things)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(map(type, a)) == list(map(type, b)) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset() and a.tzname() == b.tzname()
    return a == b


offsets = st.integers(-23 * 60, 23 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**200), 2**200), st.floats(allow_nan=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))), st.dates(),
    st.datetimes(), st.datetimes(timezones=st.one_of(st.just(dt.UTC), offsets)),
)
keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.dates(),
                 st.floats(allow_nan=False), st.datetimes())
yaml_like = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                           st.dictionaries(keys, inner, max_size=5)), max_leaves=30)


@given(yaml_like)
def test_plain_data_comes_back_exactly(value):
    from pipeline_tui.core.storage.cache import decode_plain, encode_plain

    assert same(decode_plain(encode_plain(value)), value)


def test_what_is_not_plain_data_is_refused_not_pickled():
    from pipeline_tui.core.storage.cache import encode_plain

    for odd in (object(), Path("/x"), {"a": object()}, dt.timedelta(days=1), dt.time(1, 2), {1.5j: 1}):
        with pytest.raises(TypeError):
            encode_plain(odd)


def test_an_exotic_lead_is_cached_and_comes_back_exactly(pipe):
    from pipeline_tui.core.yaml import reader as yamlio

    text = """name: Exotic Person
source: referral
created: 2026-11-01
value: 1000
big: 123456789012345678901234567890
neg: -123456789012345678901234567890
when: 2026-11-01 10:00:00+05:30
utc: 2026-11-01T10:00:00Z
naive: 2026-11-01 10:00:00.5
flt: 1.0
nan: .nan
inf: -.inf
flag: true
one: 1
nothing: null
keys: {2026-01-01: a, 1: b, false: c, null: d, 1.5: e, 2026-01-01 10:00:00: f}
tags: !!set {x, y}
pairs: !!omap [a: 1, b: 2]
blob: !!binary aGVsbG8=
nested: [[1, [2, {x: [3, 2026-02-02]}]]]
"""
    path = pipe.leads_dir / "exotic.yaml"
    path.write_text(text)
    when = os.stat(path).st_mtime - 3600
    os.utime(path, (when, when))
    Pipeline(pipe.root).leads()
    warm = {lead.id: lead for lead in Pipeline(pipe.root).leads()}["exotic"]
    assert warm._data is None  # from the cache's index alone
    assert same(warm.data, yamlio.loads_bytes(path.read_bytes()))


def test_every_demo_lead_is_cached(tmp_path):
    """Every field a Lead works out fits the index's types: no lead quietly left out of the cache."""
    from pipeline_tui.core.changes.demo import build_demo
    from pipeline_tui.core.model.leadcache import LeadCache

    demo = build_demo(tmp_path / "demo", today=TODAY)
    leads = Pipeline(demo.root).leads()
    index = LeadCache.for_pipeline(demo.root).index
    assert {f"{lead.id}.yaml" for lead in leads if not lead.broken} <= set(index)


def test_a_lead_msgpack_cannot_hold_is_parsed_each_time_not_cached(pipe):
    from pipeline_tui.core.model.leadcache import LeadCache

    (pipe.leads_dir / "odd.yaml").write_text('name: "Odd \\ud800 Name"\nsource: referral\ncreated: 2026-11-01\n')
    first = Pipeline(pipe.root).leads()
    again = Pipeline(pipe.root).leads()
    assert [x.id for x in first] == [x.id for x in again] == ["odd"]
    assert "odd.yaml" not in LeadCache.for_pipeline(pipe.root).index


def test_the_playbook_comes_back_field_by_field(tmp_path, pipe):
    from pipeline_tui.core.changes.demo import build_demo
    from pipeline_tui.core.model.playbook import Playbook
    from pipeline_tui.core.model.playbook_file import _playbook_from_plain, _playbook_to_plain
    from pipeline_tui.core.storage.cache import decode_plain, encode_plain

    (pipe.root / "pipeline.yaml").write_text(
        "cadences:\n  long: {every_days: 20, action: Ping, since: 2026-01-01, 7: seven}\n"
        "stages:\n  new: {limit_days: 3}\n  done: {closed: true, won: true}\n  bad: {limit_days: -4}\n"
        "sources:\n  web: {group: events, origin: buyer, close_rate: 0.5, cycle_days: 10}\n  x: {group: nope}\n"
        "team: [ann, bob]\n")
    odd = load_playbook(pipe.root)
    assert odd.problems and odd.cadences["long"]["since"] == dt.date(2026, 1, 1)
    for pb in (Playbook(), odd, build_demo(tmp_path / "demo", today=TODAY).playbook):
        back = _playbook_from_plain(decode_plain(encode_plain(_playbook_to_plain(pb))))
        assert back == pb and same(back.cadences, pb.cadences)
        assert [type(s) for s in back.stages.values()] == [type(s) for s in pb.stages.values()]
    assert load_playbook(pipe.root) == odd  # and through the cache file


def test_a_playbook_cache_of_another_shape_is_a_miss():
    from pipeline_tui.core.model.playbook import Playbook
    from pipeline_tui.core.model.playbook_file import _playbook_from_plain, _playbook_to_plain

    good = _playbook_to_plain(Playbook())
    assert _playbook_from_plain(good) == Playbook()
    bad_values = {"stages": [["new", "new", "yes", False, None]], "sources": [["a", "a", "g", "o", "1", None]],
                  "learn_after_closed": True, "points": {"fit": {"poor": "2"}}, "grade_min": {"A": None},
                  "mix": [], "team": ["ann", 3], "problems": [["pipeline.yaml", "1", "m", "error"]],
                  "signature": 5, "cadences": {"long": []}, "rules": {1: "error"}}
    for key, value in bad_values.items():
        assert _playbook_from_plain({**good, key: value}) is None, key
    assert _playbook_from_plain({k: v for k, v in good.items() if k != "team"}) is None
    assert _playbook_from_plain({**good, "extra": 1}) is None
    for odd in (None, [], "x", {}):
        assert _playbook_from_plain(odd) is None


def test_a_stage_history_cache_of_another_shape_is_a_miss(tmp_path):
    from pipeline_tui.core.git.stage_history import StageHistory, _version, stage_history
    from pipeline_tui.core.storage.cache import cache_file, load_versioned, write_cache
    from tests.builders import Story, build

    day = dt.datetime(2026, 11, 1, 10, 0)
    pipe = build(tmp_path / "p", [Story("a", {"name": "A", "source": "referral", "created": day.date()},
                                        [(day, "new"), (day + dt.timedelta(days=2), "contacted")])])
    fresh = stage_history(pipe.root)
    assert fresh.get("a").stages() == ["new", "contacted"]
    path = cache_file("stages", pipe.root)
    assert load_versioned(path, _version(), StageHistory) == fresh
    wrong = {"head": fresh.head, "leads": {"a": {"added": "yesterday", "changes": [[1, 2]]}}}
    write_cache(path, msgspec.msgpack.encode([repr(_version()), msgspec.Raw(msgspec.msgpack.encode(wrong))]))
    assert load_versioned(path, _version(), StageHistory) is None
    assert stage_history(pipe.root) == fresh


def test_an_unknown_derived_field_still_fits_the_index():
    from pipeline_tui.core.model.leadcache import _fits, _index_types

    entry, decoder, allowed = _index_types(("name", "created", "someday"))
    blob = msgspec.msgpack.encode(["v", 1, {"x.yaml": entry(1, 2, 3, 4, "s", "", ("N", dt.date(2026, 1, 1), ["a"]), "{}")}])
    version, token, index = decoder.decode(blob)
    assert index["x.yaml"].derived == ("N", dt.date(2026, 1, 1), ["a"])
    assert _fits(("N", None, 3.5), allowed) and not _fits(("N", None, dt.date(2026, 1, 1)), allowed)
    assert not _fits(("N", dt.datetime(2026, 1, 1), 1), allowed) and not _fits(("N", None, 2**70), allowed)
