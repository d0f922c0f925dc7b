"""The Import screen: a file's path, then a preview of the mapping and of every row (nothing written),
then `i` imports the good rows as one commit. `d` switches duplicates between skip and merge."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.workers import WorkerErrors, io_work

ROWS_SHOWN = 300


def render_plan(plan, done: str | None = None) -> Group:  # noqa: ANN001
    head = plain(f"{plan.path}: {plan.encoding}, {plan.delimiter}-separated, {len(plan.rows)} row(s)", style="bold")
    cols = Table(title="Columns", title_justify="left", expand=False)
    cols.add_column("in the file")
    cols.add_column("lead field")
    for header, key in plan.columns.items():
        cols.add_row(plain(header), plain(key))
    for header in plan.kept:
        cols.add_row(plain(header, style="grey62"), Text("kept under extra:", style="grey62"))
    for header in plan.ignored:
        cols.add_row(plain(header, style="grey50"), Text("(left out, your word)", style="grey50"))
    values = Table(title="Values", title_justify="left", expand=False)
    for c in ("in the file", "becomes", "rows"):
        values.add_column(c)
    for kind, table in (("source", plan.source_values), ("stage", plan.stage_values)):
        for value, (target, n) in table.items():
            values.add_row(plain(value), plain(f"{kind} {target}"), str(n))
    rows = Table(title="Every row", title_justify="left", expand=False)
    for c in ("row", "", "lead, or why"):
        rows.add_column(c)
    style = {"new": "green", "error": "red", "duplicate": "yellow", "merge": "cyan", "skipped": "grey50"}
    shown_rows = plan.rows[:ROWS_SHOWN]  # a 2,500-row table would take seconds to draw
    for r in shown_rows:  # the new ones too: junk shows before it is imported
        what = r.reason
        if r.status == "new":
            what = f"{r.data.get('name', '')}" + (f" ({r.data['company']})" if r.data.get("company") else "")
            what += f" as {r.data.get('stage') or 'the first stage'}, {r.data.get('source')}"
            if r.dropped:
                what += "; not used (kept under extra:): " + "; ".join(r.dropped)
        rows.add_row(str(r.row), Text(r.status, style=style[r.status]), plain(what))
    summary = Text(f"\n{plan.count('new')} new · {plan.count('merge')} to merge · {plan.count('duplicate')} "
                   f"duplicate(s) skipped · {plan.count('error')} bad row(s) · {plan.count('skipped')} not data · "
                   f"duplicates: {plan.duplicates}", style="bold")
    parts = [head, Text(""), cols, values]
    parts += [plain(f"note: {n}", style="grey62") for n in plan.notes]
    if plan.rows:
        parts.append(rows)
    if len(plan.rows) > ROWS_SHOWN:
        parts.append(plain(f"… and {len(plan.rows) - ROWS_SHOWN:,} more rows (pipeline import FILE --dry-run "
                           "lists them all)", style="grey62"))
    parts.append(summary)
    parts.append(plain(done, style="bold green") if done else Text(
        "Nothing written yet. i imports (one commit; pipeline undo reverts it) · d duplicates skip/merge · "
        "/ another file", style="grey62"))
    return Group(*parts)


class ImportScreen(WorkerErrors, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="import.back"),
        Binding("i", "import", "Import", id="import.go", tooltip="Write the good rows as one commit"),
        Binding("d", "toggle_duplicates", "Duplicates", id="import.dups", tooltip="Skip or merge duplicates"),
        Binding("slash", "focus_path", "File", id="import.file", tooltip="Type another file's path"),
    ]

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial = path
        self.plan = None
        self.duplicates = "skip"
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self.initial, placeholder="path to a CSV (a CRM or spreadsheet export) or JSON file; enter "
                                              "shows what it would import", id="import-path")
        with VerticalScroll(id="import-preview"):
            yield Static("Type a file's path and press enter: the mapping and every row are shown before anything "
                         "is written.", id="import-body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Import"
        self.set_focus(self.query_one("#import-path", Input))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("import", "toggle_duplicates") and isinstance(self.focused, Input):
            return False  # the keys are text while typing a path
        if action == "import":
            return self.plan is not None and not self.busy
        return True

    def action_focus_path(self) -> None:
        self.set_focus(self.query_one("#import-path", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.preview()

    def action_toggle_duplicates(self) -> None:
        self.duplicates = "merge" if self.duplicates == "skip" else "skip"
        if self.plan is not None:
            self.preview()

    def preview(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        if not path:
            return
        self.query_one("#import-body", Static).update(Text("Reading…"))
        self._plan(str(Path(path).expanduser()), self.duplicates)

    @io_work(exclusive=True, group="import")
    def _plan(self, path: str, duplicates: str) -> None:
        from pipeline_tui.core.importing.importer import plan_import

        app = self.app
        try:
            plan = plan_import(app.pipe, Path(path), duplicates=duplicates, today=app.today)
        except PipelineError as exc:
            app.call_from_thread(self._show_error, exc.one_line())
            return
        app.call_from_thread(self._show_plan, plan)

    def _show_error(self, message: str) -> None:
        self.plan = None
        self.query_one("#import-body", Static).update(plain(message, style="bold red"))
        self.refresh_bindings()

    def _show_plan(self, plan, done: str | None = None) -> None:  # noqa: ANN001
        self.plan = plan
        self.query_one("#import-body", Static).update(render_plan(plan, done))
        self.set_focus(self.query_one("#import-preview"))
        self.refresh_bindings()

    def action_import(self) -> None:
        if self.plan is None or self.busy:
            return
        self.busy = True
        self.refresh_bindings()
        self._apply(self.plan)

    @io_work(exclusive=True, group="import")
    def _apply(self, plan) -> None:  # noqa: ANN001
        from pipeline_tui.core.importing.importer import apply_import

        app = self.app
        try:
            sha, new_ids, merged = apply_import(app.pipe, plan, app.today)
        except PipelineError as exc:
            app.call_from_thread(self._done, None, exc.one_line())
            return
        text = (f"Imported {len(new_ids)} new lead(s), merged {len(merged)}, in commit {sha[:8]}"
                if sha else "Nothing to import.")
        app.call_from_thread(self._done, plan, text)

    def _done(self, plan, message: str) -> None:  # noqa: ANN001
        self.busy = False
        if plan is None:
            self.app.notify(message, title="Not imported", severity="error", timeout=8)
            self.refresh_bindings()
            return
        self._show_plan(plan, message)
        self.plan = None  # imported: a second `i` must not import again
        self.refresh_bindings()
        self.app.notify(message, title="Import", timeout=5)
        self.app.load_leads()
