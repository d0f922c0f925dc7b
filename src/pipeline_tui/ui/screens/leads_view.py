"""The base of the screens drawn from the app's leads: a screen on view redraws when they change; a screen
hidden under another keeps what it missed and redraws once, when it is shown again."""

from __future__ import annotations

from textual.screen import Screen

from pipeline_tui.ui.messages import LeadsNews
from pipeline_tui.ui.widgets.lead_table import LeadTable


class LeadsView(Screen):
    """Subclasses draw in `leads_changed` (and `leads_refigured`); they never look at other screens."""

    _missed: LeadsNews | None = None  # what changed while hidden

    def leads_changed(self, changed: set[str] | frozenset[str] | None) -> None:
        """The leads were read again: `changed` their ids (None: any may have changed; redraw it all,
        health figures included)."""

    def leads_refigured(self) -> None:
        """The same leads, with new health figures (mix warnings, problems, rotting) and time in stage."""

    def on_mount(self) -> None:
        self.app.leads_news.subscribe(self, self._hear, immediate=True)  # type: ignore[attr-defined]

    @property
    def on_view(self) -> bool:
        """On top, or seen behind the dialogs over it (Textual's `is_current` counts any screen just below
        the top one)."""
        stack = self.app.screen_stack
        return self in stack and all(above.is_modal for above in stack[stack.index(self) + 1:])

    def _hear(self, news: LeadsNews) -> None:
        if self.on_view:
            self._show(news)
        else:
            self._missed = news if self._missed is None else self._missed | news

    def on_screen_resume(self) -> None:
        # a screen passed through on the way to another (one Escape home, then `m`) stays as it is
        if self._missed is None or not self.on_view:
            return
        missed, self._missed = self._missed, None
        self._show(LeadsNews(None, missed.figures) if missed.leads_changed else missed)

    def _show(self, news: LeadsNews) -> None:
        if news.leads_changed:
            self.leads_changed(news.changed)
        elif news.figures:
            self.leads_refigured()
            for table in self.query(LeadTable):  # the time in stage and the rotting marks are new
                table.refresh()
