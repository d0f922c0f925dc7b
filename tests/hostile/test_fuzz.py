"""Property tests that feed the parsers anything: each input is either understood or refused with a
one-line BadInput; nothing else escapes. Deterministic in CI (the `ci` hypothesis profile)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.core.dates import parse_date_input
from pipeline_tui.core.errors import BadInput, PipelineError
from pipeline_tui.core.git.merge import merge_texts
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.views.query import compile_predicates, split_words
from pipeline_tui.core.yaml.reader import loads
from tests.conftest import TODAY

PB = Playbook()
LEADS = [
    Lead("a", "leads/a.yaml", {"name": "Ann", "source": "referral", "created": TODAY, "stage": "qualified",
                               "tags": ["q4"], "next": {"action": "Call", "due": TODAY}}, PB),
    Lead("b", "leads/b.yaml", {"name": "Bo", "source": "event", "created": TODAY, "owner": "bob"}, PB),
    Lead("c", "leads/c.yaml", None, PB, broken="does not parse"),
]
WORDS = st.sampled_from(["stage:", "source:", "group:", "origin:", "horizon:", "owner:", "tag:", "grade:", "due:",
                         "id:", "overdue", "no-next", "open", "closed", "sql", "mql", "rotting", "problems", "-",
                         ",", "<", ">=", "7d", "today", "qualified", "referral", "A", "\"", "'", ":", " "])
QUERY = st.one_of(st.text(max_size=40), st.lists(WORDS, max_size=8).map("".join))


@settings(max_examples=300)
@given(QUERY)
def test_any_query_compiles_or_is_refused_in_one_line(text):
    try:
        preds = compile_predicates(split_words(text), PB, TODAY)
    except BadInput as exc:
        assert "\n" not in exc.one_line()
        return
    for lead in LEADS:
        for pred in preds:
            assert pred(lead) in (True, False)


DATE_WORDS = st.sampled_from(["today", "tomorrow", "yesterday", "+", "-", "3", "d", "w", "m", "mon", "fri",
                              "2026", "-11-", "25", "13", "45", "T", " ", "99999"])


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=20), st.lists(DATE_WORDS, max_size=6).map("".join)))
def test_any_date_text_is_a_date_or_refused(text):
    try:
        value = parse_date_input(text, TODAY)
    except BadInput as exc:
        assert "\n" not in exc.one_line()
        return
    assert isinstance(value, dt.date)


FIELDS = ["stage", "owner", "value", "horizon", "company"]
VALUES = st.one_of(st.sampled_from(["new", "won", "alice", "bob", "long", "Acme: Oslo", "a # b", "'q'", "yes"]),
                   st.integers(0, 10**6))
EDITS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4)


def _render(data: dict) -> str:
    from pipeline_tui.core.yaml.edit import render_mapping

    return render_mapping(data)


@settings(max_examples=200)
@given(EDITS, EDITS, st.lists(st.text(max_size=10), max_size=2), st.lists(st.text(max_size=10), max_size=2))
def test_the_merge_driver_never_loses_an_edit_and_never_guesses(ours_edits, theirs_edits, ours_notes, theirs_notes):
    base = {"name": "Jane", "source": "referral", "created": TODAY, "stage": "new",
            "log": [{"date": TODAY, "kind": "call", "text": "first"}]}
    ours = {**base, **ours_edits, "log": base["log"] + [{"date": TODAY, "kind": "note", "text": t} for t in ours_notes]}
    theirs = {**base, **theirs_edits,
              "log": base["log"] + [{"date": TODAY, "kind": "note", "text": "t:" + t} for t in theirs_notes]}
    try:
        text, conflicts = merge_texts(_render(base), _render(ours), _render(theirs), "leads/x.yaml")
    except PipelineError as exc:  # only a refusal the user can read
        assert "\n" not in exc.one_line()
        return
    clashing = {k for k in FIELDS if ours.get(k, base.get(k)) != base.get(k) != theirs.get(k, base.get(k))
                and ours.get(k) != theirs.get(k)}
    assert text is not None and {c.key for c in conflicts} == clashing
    merged = loads(text)  # with conflicts too: every change of both sides, ours in place, both recorded
    for k in FIELDS:
        want = ours[k] if ours.get(k) != base.get(k) else theirs.get(k)
        assert merged.get(k) == want
    if clashing:
        assert {k: (v.get("ours"), v.get("theirs")) for k, v in merged["merge_conflicts"].items()} == \
            {k: (ours.get(k), theirs.get(k)) for k in clashing}
    else:
        assert "merge_conflicts" not in merged
    texts = [e.get("text") for e in merged["log"]]
    assert texts[0] == "first" and sorted(texts[1:]) == sorted(ours_notes + ["t:" + t for t in theirs_notes])
