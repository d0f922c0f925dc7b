"""Help: a modal rendering the packaged help.md."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        text = (Path(__file__).resolve().parent.parent / "help.md").read_text(encoding="utf-8")
        with VerticalScroll(id="help"):
            yield Markdown(text)
