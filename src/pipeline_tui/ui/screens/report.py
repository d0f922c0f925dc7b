"""The Report screen: what the pipeline teaches, by source (the figures of `pipeline report`), the
expected close rate and cycle per source and where they come from, the stage funnel, and the qualifiers.
Computed in a worker: it reads the stage history from git."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from pipeline_tui.core.safetext import visible
from pipeline_tui.core.views.report import fmt_num, fmt_pct
from pipeline_tui.ui.screens.leads_view import LeadsView
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.workers import WorkerErrors, io_work


def _pct(x) -> str:  # noqa: ANN001
    return fmt_pct(x, missing="–")


def _num(x, unit: str) -> str:  # noqa: ANN001
    return fmt_num(x, unit, missing="–")


def _bar(n: int, top: int, width: int = 30) -> str:
    k = round(n / top * width) if top else 0
    return "█" * k + "·" * (width - k)


def render_report(result: dict) -> Group:
    t = Table(title="By source", expand=False, title_justify="left")
    for col, just in (("source", "left"), ("group", "left"), ("origin", "left"), ("leads", "right"),
                      ("SQL", "right"), ("won", "right"), ("lost", "right"), ("win rate", "right"),
                      ("cycle", "right"), ("1st contact", "right"), ("expect: close, cycle", "left")):
        t.add_column(col, justify=just)
    for name, f in [*result["sources"].items(), ("all", result["totals"])]:
        exp = f.get("expected")
        if exp:
            basis = (Text("learned", style="green") if exp["basis"] == "learned"
                     else Text(f"playbook ({exp['closed']}/{exp['learn_after_closed']} closed)", style="grey62"))
            expected = Text.assemble(f"{_pct(exp['close_rate'])}, {_num(exp['cycle_days'], 'd')}  ", basis)
        else:
            expected = Text("")
        t.add_row(plain(name, style="bold" if name == "all" else ""), plain(f.get("group")), plain(f.get("origin")),
                  str(f["leads"]), _pct(f["qualified_rate"]), str(f["won"]), str(f["lost"]), _pct(f["win_rate"]),
                  _num(f["median_cycle_days"], "d"), _num(f["median_first_contact_hours"], "h"), expected,
                  end_section=name == list(result["sources"])[-1] if result["sources"] else False)
    note = Text("win rate = won / (won + lost) · cycle = median days from created to won · 1st contact = median "
                "hours to the first response · expect = the playbook's default until a source has enough closed "
                "leads, then its own record", style="grey62")
    funnel = Table(title="Funnel: leads that ever reached each stage (git history)", expand=False,
                   title_justify="left")
    for col, just in (("stage", "left"), ("reached", "right"), ("of previous", "right"), ("now", "right"),
                      ("", "left")):
        funnel.add_column(col, justify=just)
    rows = result["funnel"]
    top = max((r["reached"] for r in rows), default=0)
    prev = None
    for r in rows:
        conv = "ended" if r["lost"] else (f"{r['reached'] / prev:.0%}" if prev else "")
        funnel.add_row(plain(r["stage"]), str(r["reached"]), conv, str(r["now"]), _bar(r["reached"], top))
        if not r["lost"] and r["reached"]:
            prev = r["reached"]
    quals = Table(title="Qualifiers: leads per answer (share sales-qualified)", expand=False, title_justify="left")
    quals.add_column("qualifier")
    quals.add_column("answers")
    for crit, table in result["qualifiers"].items():
        cells = Text()
        for answer, v in table.items():
            if v["leads"]:
                cells.append(visible(f"{answer} "), style="bold")
                cells.append(f"{v['leads']} ({_pct(v['qualified_rate'])})   ")
        quals.add_row(plain(crit), cells)
    return Group(t, note, Text(""), funnel, Text(""), quals)


class ReportScreen(WorkerErrors, LeadsView):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="report.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="report"):
            yield Static("Reading the pipeline and its history…", id="report-body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Report"
        self.compute()

    def leads_changed(self, changed: set[str] | None) -> None:
        self.compute()

    @io_work(exclusive=True, group="report")
    def compute(self) -> None:
        from pipeline_tui.core.git.stage_history import stage_history
        from pipeline_tui.core.views.report import build_report

        app = self.app
        result = build_report(app.leads, app.pipe.playbook, stage_history(app.pipe.root))
        self.app.call_from_thread(self._show, result)

    def _show(self, result: dict) -> None:
        body = self.query_one("#report-body", Static)
        if not result["sources"]:
            body.update("No leads yet: add one (pipeline add) and the report fills in as they close.")
            return
        body.update(render_report(result))
