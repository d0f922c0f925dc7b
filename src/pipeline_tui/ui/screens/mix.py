"""The Mix screen: shares by source group, origin and owner, inflow per group over time, warnings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Label, Sparkline, Static

from pipeline_tui.core.views.mix import compute_mix
from pipeline_tui.ui.screens.leads_view import LeadsView
from pipeline_tui.ui.text import plain


def _bar(share: float, width: int = 30) -> str:
    n = round(share * width)
    return "█" * n + "·" * (width - n)


class MixScreen(LeadsView):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="mix.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="mix"):
            yield Static(id="shares")
            yield Static("Inflow per group: new leads per 30 days, last 6 windows (oldest left)", classes="title")
            yield VerticalScroll(id="sparks")
            yield Static(id="warnings")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Source mix"
        self.leads_changed(None)

    def leads_changed(self, changed: set[str] | None) -> None:
        mix = compute_mix(self.app.leads, self.app.pipe.playbook, self.app.today)
        t = Table(title="Open leads", expand=False)
        t.add_column("")
        t.add_column("open", justify="right")
        t.add_column("share", justify="right")
        t.add_column("")
        for title, table in (("group", mix.groups), ("origin", mix.origins), ("owner", mix.owners)):
            t.add_row(Text(title, style="bold"), "", "", "")
            for name, s in table.items():
                t.add_row(plain(f"  {name}"), str(s["open"]), f"{s['share']:.0%}", _bar(s["share"]))
        self.query_one("#shares", Static).update(t)
        sparks = self.query_one("#sparks", VerticalScroll)
        sparks.remove_children()
        for group, counts in mix.inflow.items():
            sparks.mount(Label(plain(f"{group}: {counts}")), Sparkline(counts, summary_function=max, classes="spark"))
        w = Text()
        if not mix.warnings:
            if mix.too_early is None:
                w.append("No mix warnings: the pipeline draws on its groups in a healthy balance.", style="green")
            else:
                w.append("No mix warnings " + mix.too_early.removeprefix("none ") + ".", style="grey62")
        for warning in mix.warnings:
            w.append_text(plain(f"⚠ {warning.message}  [{warning.code}]", style="bold yellow"))
            w.append("\n")
            w.append_text(plain(f"   {warning.advice}"))
            w.append("\n\n")
        self.query_one("#warnings", Static).update(w)
