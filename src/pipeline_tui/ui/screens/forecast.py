"""The Forecast screen: the open pipeline's best, weighted and committed value by the month each lead is
expected to close (`f` cycles month, quarter, owner, source), each stage's chance of a win and where it comes
from (learned or the playbook's), and a Sparkline of the weighted value. The figures of `pipeline forecast`
(`core.views.forecast`), computed in a worker: it reads the stage history from git."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Label, Sparkline, Static

from pipeline_tui.core.views.forecast import BY, MIN_CLOSED_TO_LEARN
from pipeline_tui.ui.screens.leads_view import LeadsView
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.workers import WorkerErrors, io_work


def money(x: float | None) -> str:
    """Money as the screens show it: whole units with thousands separators ("–" for none)."""
    return "–" if x is None else f"{x:,.0f}"


def render_forecast(result: dict, by: str) -> Table:
    t = Table(title=f"Open value by {by} of the expected close" if by in ("month", "quarter") else f"Open value by {by}",
              expand=False, title_justify="left")
    for col in (by, "best", "weighted", "committed", "leads"):
        t.add_column(col, justify="left" if col == by else "right")
    for p in result["periods"]:
        t.add_row(plain(p["period"]), money(p["best"]), money(p["weighted"]), money(p["committed"]), str(p["leads"]))
    total = result["total"]
    t.add_row(Text("total", style="bold"), money(total["best"]), money(total["weighted"]),
              money(total["committed"]), str(total["leads"]), style="bold")
    return t


def render_chances(result: dict) -> Table:
    t = Table(title="Chance of a win by stage", expand=False, title_justify="left")
    for col, just in (("stage", "left"), ("chance", "right"), ("from", "left")):
        t.add_column(col, justify=just)
    for stage, prob in result["probabilities"].items():
        chance = "–" if prob["p"] is None else f"{prob['p']:.0%}"
        basis = (Text("learned", style="green") if prob["from"] == "learned" else
                 Text(f"playbook (until {MIN_CLOSED_TO_LEARN} leads that reached it have closed)", style="grey62"))
        t.add_row(plain(stage), chance, basis)
    return t


class ForecastScreen(WorkerErrors, LeadsView):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="forecast.back"),
        Binding("f", "cycle_by", "By", id="forecast.by", tooltip="Group by month, quarter, owner or source"),
    ]

    by = "month"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="forecast"):
            yield Static("Reading the pipeline and its history…", id="forecast-body")
            yield Label("", id="forecast-spark-title", classes="title")
            yield Sparkline([], summary_function=max, id="forecast-spark", classes="spark")
            yield Static(id="forecast-chances")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Forecast"
        self.compute()

    def leads_changed(self, changed: set[str] | None) -> None:
        self.compute()

    def action_cycle_by(self) -> None:
        self.by = BY[(BY.index(self.by) + 1) % len(BY)]
        self.compute()

    @io_work(exclusive=True, group="forecast")
    def compute(self) -> None:
        from pipeline_tui.core.git.stage_history import stage_history
        from pipeline_tui.core.views.forecast import build_forecast

        app, by = self.app, self.by
        result = build_forecast(app.leads, app.pipe.playbook, stage_history(app.pipe.root), app.today, by)
        self.app.call_from_thread(self._show, result, by)

    def _show(self, result: dict, by: str) -> None:
        self.result, self.shown_by = result, by
        body = self.query_one("#forecast-body", Static)
        if not result["periods"]:
            body.update(f"No open leads to forecast (by {by}): add one (pipeline add) and give it a value.")
        else:
            body.update(render_forecast(result, by))
        weighted = [p["weighted"] for p in result["periods"]]
        self.query_one("#forecast-spark-title", Label).update(
            f"Weighted value by {by} (f: month, quarter, owner, source)" if weighted else "")
        self.query_one("#forecast-spark", Sparkline).data = weighted
        self.query_one("#forecast-chances", Static).update(render_chances(result))
