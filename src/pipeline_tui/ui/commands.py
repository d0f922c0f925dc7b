"""The command palette: the app's own commands (`APP_COMMANDS`, beside Textual's), and the base of the
providers each screen names in its `COMMANDS` (`ScreenCommands`). A command runs an action, as a key
binding does, on the screen the palette was opened over."""

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
    Command("Import leads", "From a CRM or spreadsheet CSV, or a JSON export: preview, then import", "import_leads"),
    Command("Problems", "Files that fail `pipeline check`", "problems"),
    Command("Sync", "Ahead/behind the remote", "sync"),
    Command("Help", "Keys and how the pipeline works", "help"),
    Command("Undo", "Revert your last change made with the tool (u)", "undo"),
    Command("Redo", "Redo what the last undo reverted (U)", "redo"),
    Command("Reload", "Read every lead file again", "reload"),
]


class ScreenCommands(Provider):
    """A screen's commands: listed in title order when the palette opens, matched as the person types."""

    def commands(self) -> Iterable[Command]:
        """The commands on offer now (overridden; `self.screen` is the screen the palette opened over)."""
        return ()

    def _run(self, command: Command):  # noqa: ANN202
        return partial(self.screen.run_action, command.action)

    async def discover(self) -> Hits:
        for command in sorted(self.commands(), key=lambda c: c.title):
            yield DiscoveryHit(command.title, self._run(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            if (score := matcher.match(command.title)) > 0:
                yield Hit(score, matcher.highlight(command.title), self._run(command), help=command.help)
