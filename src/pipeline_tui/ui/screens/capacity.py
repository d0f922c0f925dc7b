"""The Follow-up & costs screen: is follow-up keeping up (`pipeline capacity`: per ISO week the whole
pipeline's leads in against first contacts, as two Sparklines and a table; per owner the last weeks; the
warnings in words), and what each source cost and brought (`pipeline costs`, over every month, with its
warnings). Computed in a worker: capacity reads the stage history from git."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Label, Sparkline, Static

from pipeline_tui.core.views.costs import money_text, return_text
from pipeline_tui.ui.screens.leads_view import LeadsView
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.workers import WorkerErrors, io_work

WEEKS = 8  # weeks shown for the whole pipeline
OWNER_WEEKS = 4  # the last weeks shown per owner
COLUMNS = (("in", "in"), ("first_contacts", "first contacts"), ("decided", "decided"), ("waiting", "waiting"),
           ("undecided", "undecided"))


def _weeks_table(title: str, rows: list[dict], with_owner: bool) -> Table:
    t = Table(title=title, expand=False, title_justify="left")
    t.add_column("week")
    if with_owner:
        t.add_column("owner")
    for _, name in COLUMNS:
        t.add_column(name, justify="right")
    last = None
    for r in rows:
        owner = [plain(r["owner"])] if with_owner else []
        t.add_row(r["week"] if r["week"] != last else "", *owner, *(str(r[k]) for k, _ in COLUMNS))
        last = r["week"]
    return t


def render_capacity(result: dict) -> Group:
    team = [r for r in result["weeks"] if r["owner"] is None]
    recent = {r["week"] for r in team[-OWNER_WEEKS:]}
    owners = sorted((r for r in result["weeks"] if r["owner"] is not None and r["week"] in recent),
                    key=lambda r: (r["week"], r["owner"]))
    parts = [_weeks_table("The whole pipeline, per ISO week", team, with_owner=False), Text("")]
    if owners:
        parts += [_weeks_table(f"Per owner, the last {OWNER_WEEKS} weeks", owners, with_owner=True), Text("")]
    parts.append(_warnings([w["text"] for w in result["warnings"]], "Follow-up is keeping up: no warnings."))
    return Group(*parts)


def render_costs(result: dict) -> Group:
    t = Table(title="Costs per source (leads by the month they came in, every month)", expand=False,
              title_justify="left")
    for col, just in (("source", "left"), ("spend", "right"), ("leads", "right"), ("SQL", "right"),
                      ("won", "right"), ("won value", "right"), ("per lead", "right"), ("per SQL", "right"),
                      ("per win", "right"), ("return", "right")):
        t.add_column(col, justify=just)
    for row in [*result["sources"], result["total"]]:
        total = row is result["total"]
        amounts = [money_text(row[k], none="–") for k in ("cost_per_lead", "cost_per_sql", "cost_per_win")]
        t.add_row(plain(row["source"], style="bold" if total else ""), money_text(row["spend"], none="–"),
                  str(row["leads"]), str(row["sales_qualified"]), str(row["won"]),
                  money_text(row["won_value"], none="–"), *amounts, return_text(row["return"], none="–"),
                  style="bold" if total else "")
    parts: list = [t]
    if not result["sources"]:
        parts.append(Text("No spend and no leads yet (record spend in pipeline.yaml: spend: {campaign: "
                          "{2026-10: 1200}}).", style="grey62"))
    if result["total"]["won_without_value"]:
        parts.append(Text(f"{result['total']['won_without_value']} won lead(s) have no value: their wins count, "
                          "their value does not", style="grey62"))
    parts += [Text(""), _warnings([w["message"] for w in result["warnings"]], "No cost warnings.")]
    return Group(*parts)


def _warnings(lines: list[str], none: str) -> Text:
    if not lines:
        return Text(none, style="green")
    w = Text()
    for line in lines:
        w.append_text(plain(f"⚠ {line}", style="bold yellow"))
        w.append("\n")
    return w


class CapacityScreen(WorkerErrors, LeadsView):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="capacity.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="capacity"):
            yield Label(f"Leads in, per week (last {WEEKS}, oldest left)", classes="title")
            yield Sparkline([], summary_function=max, id="spark-in", classes="spark")
            yield Label(f"First contacts, per week (last {WEEKS}, oldest left)", classes="title")
            yield Sparkline([], summary_function=max, id="spark-contacts", classes="spark")
            yield Static("Reading the pipeline and its history…", id="capacity-body")
            yield Static(id="costs-body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Follow-up & costs"
        self.compute()

    def leads_changed(self, changed: set[str] | None) -> None:
        self.compute()

    @io_work(exclusive=True, group="capacity")
    def compute(self) -> None:
        from pipeline_tui.core.git.stage_history import stage_history
        from pipeline_tui.core.views.capacity import build_capacity
        from pipeline_tui.core.views.costs import build_costs

        app = self.app
        leads, playbook = app.leads, app.pipe.playbook
        capacity = build_capacity(leads, playbook, stage_history(app.pipe.root), app.today, WEEKS)
        costs = build_costs(leads, playbook)
        self.app.call_from_thread(self._show, capacity, costs)

    def _show(self, capacity: dict, costs: dict) -> None:
        self.capacity, self.costs = capacity, costs
        team = [r for r in capacity["weeks"] if r["owner"] is None]
        self.query_one("#spark-in", Sparkline).data = [r["in"] for r in team]
        self.query_one("#spark-contacts", Sparkline).data = [r["first_contacts"] for r in team]
        self.query_one("#capacity-body", Static).update(render_capacity(capacity))
        self.query_one("#costs-body", Static).update(render_costs(costs))
