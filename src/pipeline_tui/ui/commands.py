"""The command palette: the app's own commands (`APP_COMMANDS`, beside Textual's), and the base of the
providers each screen names in its `COMMANDS` (`ScreenCommands`), which list the screen's commands and the
app's as one list in title order. A command runs an action, as a key binding does, on the screen the
palette was opened over."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider


class Command(NamedTuple):
    title: str
    help: str
    action: str  # as in a Binding: "edit_lead", "sort_by('name')", "app.agenda"


APP_COMMANDS = [
    Command("Agenda", "Today's work: uncontacted requests, overdue, due today, this week", "agenda"),
    Command("Mix", "Source mix: shares, inflow and warnings", "mix"),
    Command("Report", "By source: win rate, cycle, response time, qualified rate; the funnel", "report"),
    Command("Forecast", "Open value by expected close month: best, weighted, committed; chances by stage (f)",
            "forecast"),
    Command("Follow-up & costs", "Leads in vs first contacts per week and owner; cost per source (w)", "follow_up"),
    Command("Import leads", "From a CRM or spreadsheet CSV, or a JSON export: preview, then import", "import_leads"),
    Command("Problems", "Files that fail `pipeline check`", "problems"),
    Command("Sync", "Ahead/behind the remote", "sync"),
    Command("Help", "Keys and how the pipeline works", "help"),
    Command("Undo", "Revert your last change made with the tool (u)", "undo"),
    Command("Redo", "Redo what the last undo reverted (U)", "redo"),
    Command("Reload", "Read every lead file again", "reload"),
]


class ScreenCommands(Provider):
    """A screen's commands with the app's: listed in title order when the palette opens, matched as typed."""

    def commands(self) -> Iterable[Command]:
        """The commands on offer now (overridden; `self.screen` is the screen the palette opened over)."""
        return ()

    def _all(self, discovered: bool = False) -> list[tuple[str, str, object]]:
        """(title, help, callback) of the screen's commands and the app's, in title order: one list (the app's
        that Textual keeps out of the list before anything is typed are left out when `discovered`)."""
        screen = self.screen
        own = [(c.title, c.help, partial(screen.run_action, c.action)) for c in self.commands()]
        app = [(c.title, c.help, c.callback) for c in self.app.app_commands(screen)
               if c.discover or not discovered]  # type: ignore[attr-defined]
        return sorted(own + app, key=lambda c: c[0])

    async def discover(self) -> Hits:
        for title, help_text, callback in self._all(discovered=True):
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._all():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
