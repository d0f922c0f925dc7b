"""The Problems screen: files that fail `pipeline check`; `e` opens $EDITOR at the line, then reloads."""

from __future__ import annotations

import os
import shlex
import subprocess

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from pipeline_tui.ui.text import plain


class ProblemsScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="problems.back"),
        Binding("e", "open_editor", "Edit file", id="problems.edit", tooltip="Open the file in $EDITOR at the line"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="problems", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Problems"
        table = self.query_one(DataTable)
        table.add_columns("file", "line", "level", "problem")
        self.leads_changed(None)
        table.focus()

    def leads_changed(self, changed: set[str] | None) -> None:
        """The list the health worker made (`pipeline check`, off the UI thread); redrawn when it is new."""
        table = self.query_one(DataTable)
        table.clear()
        problems = self.app.problem_list
        if problems is None:
            self.problems = []
            table.add_row("", "", "", "Checking every file…")
            return
        self.problems = list(problems)
        for p in self.problems:
            table.add_row(plain(p.path), str(p.line), p.severity, plain(p.message))
        if not self.problems:
            table.add_row("", "", "", "No problems: every file passes check.")

    def leads_refigured(self) -> None:
        self.leads_changed(None)

    def action_open_editor(self) -> None:
        table = self.query_one(DataTable)
        if not self.problems or table.cursor_row >= len(self.problems):
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
