"""Every query word of the CLI contract, checked against leads written by hand."""

from __future__ import annotations

import pytest

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.query import filter_leads, sort_leads
from pipeline_tui.core.store import Pipeline
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
