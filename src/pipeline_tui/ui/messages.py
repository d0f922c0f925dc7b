"""What the app's workers tell the app (`LeadsLoaded`, `LeadSaved`) and what the app tells its screens
(`LeadsNews`, on the app's `leads_news` signal), with the health figures they carry (`Health`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from textual.message import Message


class Health(NamedTuple):
    """The figures the health worker works out for one list of leads (it validates every lead and asks git,
    so off the UI thread): the status line shows them."""

    mix_warnings: int  # what the Mix screen (m) warns of
    problems: int  # what `pipeline check` finds: the rows of the Problems screen (p)
    rotting: int  # open leads longer in their stage than the playbook allows


class LeadsLoaded(Message):
    """Leads read (all of them, or `changed` again), or the health figures of the leads held (`changed`
    empty and the same list)."""

    def __init__(self, leads: list, changed: set[str] | None = None, health: Health | None = None,
                 problems: list | None = None, external: bool = False) -> None:
        self.leads = leads
        self.changed = changed  # the ids read again; None: any may have changed
        self.external = external  # changed behind the app's back (an editor, a pull), not by a save here
        self.health = health  # worked out for these leads, with `problems` (what `pipeline check` lists)
        self.problems = problems
        super().__init__()


class LeadSaved(Message):
    def __init__(self, change) -> None:  # noqa: ANN001 - a core Change
        self.change = change
        super().__init__()


@dataclass(frozen=True)
class LeadsNews:
    """What changed in the app's leads, as the screens hear it: `changed` the ids read again (None: any may
    have; empty: none did), `figures` the health figures and each lead's time in stage are new."""

    changed: frozenset[str] | None
    figures: bool = False

    def __or__(self, later: LeadsNews) -> LeadsNews:
        """This news and the later news together (what a hidden screen missed)."""
        changed = None if self.changed is None or later.changed is None else self.changed | later.changed
        return LeadsNews(changed, self.figures or later.figures)

    @property
    def leads_changed(self) -> bool:
        return self.changed is None or bool(self.changed)
