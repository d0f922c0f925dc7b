"""The Problems screen: files that fail `pipeline check`; `e` opens $EDITOR at the line, then reloads.

The app's health worker runs the check, off the UI thread; until its list is of the leads held, the screen
says it is checking. The table shows the first ROWS_SHOWN problems (at 50,000 leads the check can find
40,000; a DataTable that long takes seconds for each change, and `pipeline check` lists them all), added
by a worker a batch per turn of the UI thread, so the keys are never held while it fills.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header
from textual.worker import get_current_worker

from pipeline_tui.ui.screens.leads_view import LeadsView
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.workers import WorkerErrors, io_work

ROWS_SHOWN = 1000
BATCH = 200  # rows added to the table per turn of the UI thread (about 60 ms of DataTable's work)
CHECKING = "Problems · checking…"


class ProblemsScreen(WorkerErrors, LeadsView):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="problems.back"),
        Binding("e", "open_editor", "Edit file", id="problems.edit", tooltip="Open the file in $EDITOR at the line"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.problems: list = []  # the problems the table lists, in its order
        self._listing: list | None = None  # the app's problem list the table shows (or is being filled with)
        self._filled = False  # with all of it

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="problems", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Problems"
        table = self.query_one(DataTable)
        table.add_columns("file", "line", "level", "problem")
        self.show_problems()
        table.focus()

    def leads_changed(self, changed: set[str] | frozenset[str] | None) -> None:
        self.show_problems()

    def leads_refigured(self) -> None:
        self.show_problems()

    def show_problems(self) -> None:
        """The app's list when it is of the leads held; meanwhile the last one (or a line) and "checking"."""
        app = self.app
        problems = app.problem_list  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        if problems is None or app.checked_leads is not app.leads:  # type: ignore[attr-defined]
            self.sub_title = CHECKING
            if self._listing is None and not table.row_count:
                table.add_row("", "", "", "Checking every file…")
            return
        if problems is self._listing:
            if self._filled:
                self.sub_title = "Problems"
            return
        self._listing, self.problems, self._filled = problems, problems[:ROWS_SHOWN], False
        table.clear()
        table.add_rows(_rows(self.problems[:BATCH]))  # at once: a short list shows as the screen opens
        if len(self.problems) > BATCH:
            self.sub_title = CHECKING
            self._fill(problems)
        else:
            self._listed(problems)

    @io_work(exclusive=True, group="problems")
    def _fill(self, problems: list) -> None:
        worker = get_current_worker()
        shown = problems[:ROWS_SHOWN]
        for start in range(BATCH, len(shown), BATCH):
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._add_rows, problems, _rows(shown[start:start + BATCH]))
        self.app.call_from_thread(self._listed, problems)

    def _add_rows(self, problems: list, rows: list) -> None:
        if problems is self._listing:  # not a list replaced since
            self.query_one(DataTable).add_rows(rows)

    def _listed(self, problems: list) -> None:
        if problems is not self._listing:
            return
        table = self.query_one(DataTable)
        if not problems:
            table.add_row("", "", "", "No problems: every file passes check.")
        elif len(problems) > ROWS_SHOWN:
            table.add_row("", "", "", plain(f"… and {len(problems) - ROWS_SHOWN:,} more (pipeline check lists "
                                            "them all)", style="grey62"))
        self._filled = True
        self.show_problems()

    def action_open_editor(self) -> None:
        table = self.query_one(DataTable)
        if not self.problems or table.cursor_row >= min(len(self.problems), table.row_count):
            return
        p = self.problems[table.cursor_row]
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        path = self.app.pipe.root / p.path
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                subprocess.call([*shlex.split(editor), f"+{p.line}", str(path)])
        except SuspendNotSupported:  # a browser (textual serve) or a headless driver
            self.app.notify(f"Cannot open an editor here: edit {p.path} at line {p.line}, then press r",
                            severity="warning", timeout=8)
            return
        except OSError as exc:
            self.app.notify(f"Cannot run $EDITOR ({editor}): {exc.strerror}", severity="error", timeout=8)
            return
        self.app.load_leads()


def _rows(problems: list) -> list[tuple]:
    return [(plain(p.path), str(p.line), p.severity, plain(p.message)) for p in problems]
