"""The demo pipeline: realistic, complete, with months of dated history."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from pipeline_tui.core.changes.demo import build_demo
from pipeline_tui.core.git.history import lead_history
from pipeline_tui.core.views.checks import check_pipeline
from tests.conftest import TODAY, git


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demohome")
    (home / ".gitconfig").write_text("")
    with pytest.MonkeyPatch.context() as mp:  # a fresh machine: git knows no identity
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        yield build_demo(tmp_path_factory.mktemp("demo") / "demo", today=TODAY)


def test_demo_has_every_kind_of_lead(demo):
    leads = demo.leads()
    assert len(leads) >= 40 and not any(lead.broken for lead in leads)
    assert set(Counter(lead.source for lead in leads)) == set(demo.playbook.sources)
    assert set(lead.stage for lead in leads) == set(demo.playbook.stages)
    assert {lead.horizon for lead in leads} == {"short", "long"}
    assert len({lead.owner for lead in leads}) >= 3
    assert any(lead.due_state(TODAY) == "overdue" for lead in leads)
    assert any(lead.due_state(TODAY) == "today" for lead in leads)
    assert any(lead.due_state(TODAY) == "none" for lead in leads)
    texts = [(demo.leads_dir / f"{lead.id}.yaml").read_text() for lead in leads]
    assert sum("#" in t for t in texts) >= 3  # hand-written comments


def test_demo_history_spans_months_by_several_authors(demo):
    dates = git(demo.root, "log", "--format=%ad", "--date=short").split()
    first, last = dt.date.fromisoformat(dates[-1]), dt.date.fromisoformat(dates[0])
    assert (last - first).days >= 90 and last <= TODAY
    assert len(set(git(demo.root, "log", "--format=%an").splitlines())) >= 4
    assert git(demo.root, "status", "--porcelain") == ""
    lead = demo.leads()[0]
    assert len(lead_history(demo, lead.id)) >= 2


def test_demo_passes_check_and_can_be_edited_without_a_global_identity(demo):
    assert [p for p in check_pipeline(demo) if p.severity == "error"] == []
    assert git(demo.root, "config", "user.email").strip() == "demo@example.invalid"


def test_demo_dates_follow_today(tmp_path):
    later = build_demo(tmp_path / "d", today=TODAY + dt.timedelta(days=10))
    assert any(lead.due_state(TODAY + dt.timedelta(days=10)) == "today" for lead in later.leads())


def test_the_demos_spend_moves_with_its_dates(tmp_path):
    """Built on another day, the demo's lead dates move; its playbook's spend months move with them, so each
    source's spend stays beside the leads it brought (and `costs` shows the same picture on any day)."""
    from pipeline_tui.core.views.costs import build_costs

    base = build_demo(tmp_path / "a", today=TODAY)
    later_day = TODAY + dt.timedelta(days=91)  # three months on
    later = build_demo(tmp_path / "b", today=later_day)
    spend_a, spend_b = base.playbook.spend, later.playbook.spend
    assert spend_a and set(spend_a) == set(spend_b)

    def shifted(month: str) -> str:
        y, m = map(int, month.split("-"))
        index = y * 12 + m - 1 + 3
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    for source, months in spend_a.items():
        assert {shifted(k): v for k, v in months.items()} == spend_b[source]
    rows_a = {r["source"]: r for r in build_costs(base.leads(), base.playbook)["sources"]}
    rows_b = {r["source"]: r for r in build_costs(later.leads(), later.playbook)["sources"]}
    assert {s: (r["spend"], r["leads"]) for s, r in rows_a.items()} == {s: (r["spend"], r["leads"]) for s, r in rows_b.items()}
