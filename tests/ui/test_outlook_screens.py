"""The Forecast and Follow-up & costs screens in the real app: opened by their keys and the palette, their
figures equal the core's (`build_forecast`, `build_capacity`, `build_costs`) for the same pipeline, names
from the files shown as text, and an empty pipeline drawn without a crash."""

from __future__ import annotations

import datetime as dt

from pipeline_tui.core.git.stage_history import stage_history
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.safetext import show
from pipeline_tui.core.views.capacity import build_capacity
from pipeline_tui.core.views.costs import build_costs
from pipeline_tui.core.views.forecast import build_forecast
from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.screens import capacity as cap_screen
from pipeline_tui.ui.screens import forecast as fc_screen
from tests.builders import write_leads
from tests.conftest import TODAY, git
from tests.ui.test_app import loaded, shown

MARKUP = "[red]x[/]"
ESCAPE = "\x1b]52;c;aGk=\x07"


def _day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def outlook_pipeline(pipe) -> Pipeline:  # noqa: ANN001
    with (pipe.root / "pipeline.yaml").open("a", encoding="utf-8") as f:
        f.write("\nspend:\n  campaign: {2026-10: 1200, 2026-11: 300}\n  event: {2026-09: 4000}\n")
    git(pipe.root, "commit", "-qam", "spend")
    leads = {
        "jane": {"name": "Jane", "source": "referral", "owner": "alice", "stage": "proposal", "value": 12000,
                 "created": _day(20), "first_contact": _day(19), "expected_close": "2026-12-15"},
        "hostile": {"name": "Hostile", "source": MARKUP, "owner": ESCAPE, "stage": "contacted", "value": 4500,
                    "created": _day(10), "first_contact": _day(3)},
        "camp": {"name": "Camp", "source": "campaign", "owner": MARKUP, "stage": "new", "value": 800.5,
                 "created": _day(5)},
        "won": {"name": "Won", "source": "campaign", "owner": "alice", "stage": "won", "value": 9000,
                "created": _day(40), "first_contact": _day(39), "closed": _day(8)},
        "novalue": {"name": "No Value", "source": "event", "stage": "qualified", "created": _day(2)},
    }
    write_leads(pipe, leads)
    return Pipeline.open(pipe.root)


def rows(text: str) -> list[list[str]]:
    """The cells of every table row in a rendered text."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.count("│") >= 2]


def no_errors(app) -> None:  # noqa: ANN001
    assert [n.message for n in app._notifications if n.severity == "error"] == []


def assert_forecast_shown(app, pipe: Pipeline, by: str) -> None:  # noqa: ANN001
    screen = app.screen
    assert isinstance(screen, fc_screen.ForecastScreen) and screen.shown_by == by
    expected = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, by)
    assert screen.result == expected
    text = shown(screen.query_one("#forecast-body"))
    got = rows(text)
    m = fc_screen.money
    for p in expected["periods"]:
        assert [show(p["period"]), m(p["best"]), m(p["weighted"]), m(p["committed"]), str(p["leads"])] in got
    t = expected["total"]
    assert not expected["periods"] or ["total", m(t["best"]), m(t["weighted"]), m(t["committed"]), str(t["leads"])] in got
    assert screen.query_one("#forecast-spark").data == [p["weighted"] for p in expected["periods"]]
    chances = rows(shown(screen.query_one("#forecast-chances")))
    for stage, prob in expected["probabilities"].items():
        chance = "–" if prob["p"] is None else f"{prob['p']:.0%}"
        assert any(r[:2] == [stage, chance] and r[2].startswith(prob["from"]) for r in chances), stage


async def test_forecast_by_key_and_palette_equals_the_core(pipe):
    pipe = outlook_pipeline(pipe)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        await loaded(pilot)
        assert_forecast_shown(app, pipe, "month")
        assert "2026-12" in shown(app.screen.query_one("#forecast-body"))
        for by in ("quarter", "owner", "source"):
            await pilot.press("f")
            await loaded(pilot)
            assert_forecast_shown(app, pipe, by)
        text = shown(app.screen.query_one("#forecast-body"))
        assert MARKUP in text and "\x1b" not in text
        await pilot.press("f")
        await loaded(pilot)
        assert_forecast_shown(app, pipe, "month")
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Forecast")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await loaded(pilot)
        assert_forecast_shown(app, pipe, "month")
        no_errors(app)


async def test_forecast_by_owner_shows_hostile_owners_as_text(pipe):
    pipe = outlook_pipeline(pipe)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("f", "f", "f")
        await loaded(pilot)
        assert_forecast_shown(app, pipe, "owner")
        text = shown(app.screen.query_one("#forecast-body"))
        assert MARKUP in text and show(ESCAPE) in text and "\x1b" not in text and "\x07" not in text
        no_errors(app)


def assert_follow_up_shown(app, pipe: Pipeline) -> None:  # noqa: ANN001
    screen = app.screen
    assert isinstance(screen, cap_screen.CapacityScreen)
    capacity = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), TODAY, cap_screen.WEEKS)
    costs = build_costs(pipe.leads(), pipe.playbook)
    assert screen.capacity == capacity and screen.costs == costs
    team = [r for r in capacity["weeks"] if r["owner"] is None]
    assert screen.query_one("#spark-in").data == [r["in"] for r in team]
    assert screen.query_one("#spark-contacts").data == [r["first_contacts"] for r in team]
    text = shown(screen.query_one("#capacity-body"))
    got = rows(text)
    keys = [k for k, _ in cap_screen.COLUMNS]
    for r in team:
        assert [r["week"], *(str(r[k]) for k in keys)] in got
    recent = {r["week"] for r in team[-cap_screen.OWNER_WEEKS:]}
    for r in capacity["weeks"]:
        if r["owner"] is not None and r["week"] in recent:
            assert any(g[1:] == [show(r["owner"]), *(str(r[k]) for k in keys)] for g in got), r
    for w in capacity["warnings"]:
        assert show(w["text"]) in text.replace("\n", " ") or w["text"][:40] in text
    if not capacity["warnings"]:
        assert "no warnings" in text
    text = shown(screen.query_one("#costs-body"))
    got = rows(text)
    from pipeline_tui.core.views.costs import money_text, return_text

    def m(x):
        return money_text(x, none="–")

    def ratio(x):
        return return_text(x, none="–")

    for row in [*costs["sources"], costs["total"]]:
        assert [show(row["source"]), m(row["spend"]), str(row["leads"]), str(row["sales_qualified"]), str(row["won"]),
                m(row["won_value"]), m(row["cost_per_lead"]), m(row["cost_per_sql"]), m(row["cost_per_win"]),
                ratio(row["return"])] in got
    flat = " ".join(text.split())
    for w in costs["warnings"]:
        assert " ".join(show(w["message"]).split()) in flat


async def test_follow_up_and_costs_by_key_and_palette_equal_the_core(pipe):
    pipe = outlook_pipeline(pipe)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("w")
        await loaded(pilot)
        assert_follow_up_shown(app, pipe)
        assert app.screen.costs["warnings"]  # event spent 4000 and brought no lead in its month
        cap_text = shown(app.screen.query_one("#capacity-body"))
        costs_text = shown(app.screen.query_one("#costs-body"))
        assert MARKUP in cap_text and show(ESCAPE) in cap_text and MARKUP in costs_text
        assert "\x1b" not in cap_text + costs_text
        await pilot.press("f")  # one top-level screen replaces the other
        await loaded(pilot)
        assert_forecast_shown(app, pipe, "month")
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"Follow-up")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await loaded(pilot)
        assert_follow_up_shown(app, pipe)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["MainScreen", "CapacityScreen"]
        no_errors(app)


async def test_the_screens_on_an_empty_pipeline(pipe):
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        await loaded(pilot)
        assert "No open leads to forecast" in shown(app.screen.query_one("#forecast-body"))
        assert_forecast_shown(app, pipe, "month")
        await pilot.press("f")
        await loaded(pilot)
        assert_forecast_shown(app, pipe, "quarter")
        await pilot.press("w")
        await loaded(pilot)
        assert_follow_up_shown(app, pipe)
        assert "No spend and no leads yet" in shown(app.screen.query_one("#costs-body"))
        no_errors(app)
