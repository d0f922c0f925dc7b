"""Every query word of the CLI contract, checked against leads written by hand."""

from __future__ import annotations

import pytest

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.views.query import filter_leads, sort_leads
from tests.conftest import TODAY

LEADS = {
    "a-ref": "name: Ann Ref\ncompany: Acme\nemail: ann@acme.example\nsource: referral\nstage: qualified\nowner: alice\n"
             "horizon: long\ntags: [q4, pilot]\ncreated: 2026-10-01\nnext: {action: Call, due: 2026-11-20}\n"
             "qualification: {interest: meeting, authority: decision-maker, fit: strong, pain: Slow invoicing}\n",
    "b-event": "name: Bob Event\ncompany: Initech\nsource: event\nstage: new\nowner: bob\ncreated: 2026-11-20\n"
               "next: {action: Email, due: 2026-11-23}\nlog:\n  - {date: 2026-11-21, kind: call, text: talked about forklifts}\n",
    "c-cold": "name: Cy Cold\nsource: prospecting\nstage: contacted\nowner: alice\ncreated: 2026-11-01\n"
              "origin: buyer\nnext: {action: Visit, due: 2026-11-28}\n",
    "d-won": "name: Di Won\nsource: inbound-web\nstage: won\ncreated: 2026-09-01\nclosed: 2026-11-01\ntags: [Q4]\n",
    "e-none": "name: Ed None\nsource: social\ncreated: 2026-11-22\nqualification: {interest: content}\n",
}


@pytest.fixture
def leads(pipe):
    for lead_id, text in LEADS.items():
        (pipe.leads_dir / f"{lead_id}.yaml").write_text(text)
    p = Pipeline(pipe.root)
    return p, p.leads()


def ids(p_leads, query):
    p, leads = p_leads
    return sorted(lead.id for lead in filter_leads(leads, query, p.playbook, TODAY))


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["a-ref", "b-event", "c-cold", "d-won", "e-none"]),
    ("stage:qualified", ["a-ref"]),
    ("stage:new", ["b-event", "e-none"]),  # no stage means the first stage
    ("stage:new,contacted", ["b-event", "c-cold", "e-none"]),
    ("source:referral", ["a-ref"]),
    ("group:events", ["b-event"]),
    ("group:lead-generation", ["d-won", "e-none"]),
    ("origin:buyer", ["a-ref", "c-cold", "d-won", "e-none"]),  # c-cold overrides its source's seller origin
    ("origin:seller", ["b-event"]),
    ("horizon:long", ["a-ref"]),
    ("horizon:short", ["b-event", "c-cold", "d-won", "e-none"]),
    ("owner:alice", ["a-ref", "c-cold"]),
    ("owner:ALICE", ["a-ref", "c-cold"]),
    ("tag:q4", ["a-ref", "d-won"]),
    ("grade:A", ["a-ref"]),
    ("grade:d", ["b-event", "c-cold", "d-won", "e-none"]),
    ("due:<7d", ["a-ref", "b-event", "c-cold"]),
    ("due:<3d", ["a-ref", "b-event"]),
    ("due:today", ["b-event"]),
    ("due:>today", ["c-cold"]),
    ("overdue", ["a-ref"]),
    ("no-next", ["e-none"]),
    ("open", ["a-ref", "b-event", "c-cold", "e-none"]),
    ("closed", ["d-won"]),
    ("acme", ["a-ref"]),
    ("forklifts", ["b-event"]),
    ("invoicing", ["a-ref"]),
    ("ann@acme", ["a-ref"]),
    ("open owner:alice overdue", ["a-ref"]),
    ("-stage:won open", ["a-ref", "b-event", "c-cold", "e-none"]),
    ('"bob event"', ["b-event"]),
    ("sql", ["a-ref"]),
])
def test_query_words(leads, query, expected):
    assert ids(leads, query) == expected


@pytest.mark.parametrize("query", ["stage:bogus", "colour:red", "grade:E", "due:<someday", "origin:both", "stage:"])
def test_bad_query_words_name_the_word(leads, query):
    with pytest.raises(BadInput) as exc:
        ids(leads, query)
    assert query.split(":")[0] in exc.value.message


def test_sorting(leads):
    p, all_leads = leads
    by_due = [lead.id for lead in sort_leads(all_leads, "due", p.playbook)]
    assert by_due[:3] == ["a-ref", "b-event", "c-cold"]
    assert [lead.id for lead in sort_leads(all_leads, "stage", p.playbook)][-1] == "d-won"
    with pytest.raises(BadInput):
        sort_leads(all_leads, "colour", p.playbook)


# --- typing a query: each keystroke reuses the last one's work, and must still mean the same ---------

_TYPED_WORDS = ["a", "ac", "acme", "an", "ann", "-a", "-ac", "owner:alice", "owner:al", "stage:new", "stage:new,contacted",
                "overdue", "q", "call", "i", "in", "init", "-stage:won", "sql", "open"]


def _typing(draw_ops):  # noqa: ANN001
    """Query texts as a person types them: a key (a character), a backspace, a word pasted, all cleared."""
    text, texts = "", []
    for op, arg in draw_ops:
        if op == "key":
            text += arg
        elif op == "back":
            text = text[:-1]
        elif op == "word":
            text += (" " if text and not text.endswith(" ") else "") + arg
        else:
            text = ""
        texts.append(text)
    return texts


def test_narrowing_as_typed_matches_filtering_from_scratch(leads):
    from hypothesis import given
    from hypothesis import strategies as st

    from pipeline_tui.core.views.query import Narrowing, compile_predicates, narrow, split_words

    p, all_leads = leads
    keys = st.sampled_from(list("acemnoliwr:-, qsdt"))
    ops = st.lists(st.one_of(st.tuples(st.just("key"), keys), st.tuples(st.just("back"), st.none()),
                             st.tuples(st.just("word"), st.sampled_from(_TYPED_WORDS)),
                             st.tuples(st.just("clear"), st.none())), max_size=40)

    @given(ops, st.integers(0, 3))
    def check(typed, new_list_at):
        narrowing = Narrowing()
        rows = list(all_leads)
        for i, text in enumerate(_typing(typed)):
            if i == new_list_at:
                rows = list(reversed(rows))  # the leads sorted again: a new list
            words = [w for w in split_words(text) if w]
            try:
                preds = compile_predicates(words, p.playbook, TODAY)
            except BadInput:
                continue  # the TUI shows the error and keeps the last result
            got = narrowing(rows, words, preds)
            assert [x.id for x in got] == [x.id for x in narrow(rows, preds)], text

    check()


def test_narrowing_filters_the_last_result_when_a_bare_word_grows(leads):
    """The reuse is real: the longer word is only tried on what the shorter one kept."""
    from pipeline_tui.core.views.query import Narrowing, compile_predicates

    p, all_leads = leads
    narrowing = Narrowing()
    seen: list[str] = []

    def counting(words):  # noqa: ANN001, ANN202
        preds = compile_predicates(words, p.playbook, TODAY)

        def spy(pred):  # noqa: ANN001, ANN202
            def wrapped(lead):  # noqa: ANN001, ANN202
                seen.append(lead.id)
                return pred(lead)
            if hasattr(pred, "text"):
                wrapped.text = pred.text
            return wrapped

        return [spy(x) for x in preds]

    assert [x.id for x in narrowing(all_leads, ["an"], counting(["an"]))] == ["a-ref"]
    seen.clear()
    assert [x.id for x in narrowing(all_leads, ["ann"], counting(["ann"]))] == ["a-ref"]
    assert seen == ["a-ref"]  # not all five leads again
    seen.clear()
    assert [x.id for x in narrowing(all_leads, ["ann", "owner:alice"], counting(["ann", "owner:alice"]))] == ["a-ref"]
    assert seen == ["a-ref"]
