"""The Textual application: the one composition root (`make_app`), loading and writing in workers,
and noticing files changed behind its back (an editor, a `git pull`) without a restart.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.signal import Signal

from pipeline_tui.core.changes.change import Change
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.safetext import visible
from pipeline_tui.core.storage.files import stamp_of
from pipeline_tui.ui.commands import APP_COMMANDS, ScreenCommands
from pipeline_tui.ui.keys import InOrder, use_parser
from pipeline_tui.ui.messages import Health, LeadSaved, LeadsLoaded, LeadsNews
from pipeline_tui.ui.workers import WorkerErrors, io_work
from pipeline_tui.ui.writes import WriteQueue

PLAYBOOK = "pipeline.yaml"  # its entry in _reread (no lead id has a dot)
RACY_NS = 2_000_000_000  # a file modified this close to when it was read may change again unseen (FAT: 2 s ticks)


class PipelineApp(WriteQueue, InOrder, WorkerErrors, App):
    """pipeline-tui. The screens hear of changed leads on `leads_news` (see ui/screens/leads_view.py)."""

    TITLE = "pipeline"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys and how the pipeline works"),
        Binding("a", "agenda", "Agenda", id="app.agenda", tooltip="Today's work, in order"),
        Binding("m", "mix", "Mix", id="app.mix", tooltip="The source mix and its warnings"),
        Binding("p", "problems", "Problems", id="app.problems", tooltip="Files that fail check"),
        Binding("y", "sync", "Sync", id="app.sync", tooltip="Ahead/behind the remote"),
        Binding("r", "report", "Report", id="app.report", tooltip="What the pipeline teaches, by source"),
        Binding("i", "import_leads", "Import", id="app.import", tooltip="Leads from a CSV or JSON file, previewed"),
        Binding("u", "undo", "Undo", id="app.undo", tooltip="Revert your last change (as pipeline undo does)"),
        Binding("f", "forecast", "Forecast", show=False, id="app.forecast", tooltip="Open value by expected close"),
        Binding("w", "follow_up", "Follow-up", show=False, id="app.follow_up", tooltip="Follow-up per week; costs"),
        Binding("U", "redo", "Redo", show=False, id="app.redo", tooltip="Redo what the last undo reverted"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="app.reload", tooltip="Read every file again"),
    ]

    def __init__(self, root: Path, today: dt.date | None = None, watch: bool = True, watch_interval: float = 2.0):
        super().__init__()
        self._in_order_init()
        use_parser()
        self._write_queue_init()
        self.pipe = Pipeline.open(root)
        self.fixed_today = today
        self.leads: list[Lead] = []
        self.loaded = False
        self.watch_enabled = watch
        self.watch_interval = watch_interval
        self._signature: dict[str, tuple | None] = {}
        self._read_at = 0  # when the leads held were read (ns); a lead read again since: in _reread
        self._reread: dict[str, int] = {}
        self._scan_seconds = 0.0
        self._pb_mtime: int | None = None  # the playbook's, when the watcher last looked
        self.health = Health(0, 0, 0)
        self.driver_warning: str | None = None  # set by the health worker (core.git.driver.driver_warning)
        self.problem_list: list | None = None  # what `pipeline check` says, as of the last health worker
        self.checked_leads: list[Lead] | None = None  # the leads problem_list and health are of
        self.leads_news: Signal[LeadsNews] = Signal(self, "leads-news")
        self.stage_hist = None  # what git remembers of every lead's stages (core.git.stage_history), once read
        self.sub_title = visible(self.pipe.root.name)

    def notify(self, message: str, *, title: str = "", severity: str = "information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast shows its words as text: a message carries lead data, file names and git's words, so
        it is never parsed as markup (`[/]` in a note crashed the app) and its controls are made visible.
        `markup=True` is for the app's own constant strings only."""
        if not markup:
            message, title = visible(str(message), multiline=True), visible(str(title))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)  # type: ignore[arg-type]

    @property
    def today(self) -> dt.date:
        return self.fixed_today or dt.date.today()

    def _announce(self, line: str) -> None:
        """What the core says on its own (a killed write rolled back): a notification, from any thread."""
        if threading.get_ident() == self._thread_id:
            self.notify(line, timeout=10)
        else:
            self.call_from_thread(self.notify, line, timeout=10)

    def on_mount(self) -> None:
        from pipeline_tui.core.git import pending
        from pipeline_tui.ui.screens.main import MainScreen

        pending.announce = self._announce
        self.push_screen(MainScreen())
        self.load_leads()
        if self.watch_enabled:
            self.set_interval(self.watch_interval, self.check_disk, name="watch")

    def on_unmount(self) -> None:
        from pipeline_tui.core.git import pending

        pending.announce = pending._to_stderr

    # --- loading ---
    @io_work(exclusive=True, group="load")
    def load_leads(self) -> None:
        from pipeline_tui.core.git.repo import recover_before_reading

        recover_before_reading(self.pipe.root)  # a write killed half way: its files put back first
        read_at = time.time_ns()
        self.pipe.reload_playbook()
        sig = self.pipe.scan()
        leads = self.pipe.leads(stamps=sig)
        self._signature = sig
        self._read_at, self._reread = read_at, {}
        self.post_message(LeadsLoaded(leads))
        for lead in leads:  # warm the text that bare query words search, off the UI thread
            lead.search_text()
        self.post_message(LeadsLoaded(leads, set(), *self._health(leads)))

    def _health(self, leads: list[Lead]) -> tuple[Health, list]:
        """The health figures and the problems `p` lists (as `pipeline check` finds them): validates every
        lead, asks git for the stage history and the file states: run it in a worker."""
        from pipeline_tui.core.git.stage_history import stage_history
        from pipeline_tui.core.views.checks import check_pipeline
        from pipeline_tui.core.views.mix import compute_mix

        pb = self.pipe.playbook
        warnings = len(compute_mix(leads, pb, self.today).warnings)
        self.stage_hist = stage_history(self.pipe.root)
        problems = check_pipeline(self.pipe, leads, self.today, self.stage_hist)  # attaches it to the leads
        rotting = sum(1 for x in leads if x.rotting(self.today) is not None)
        from pipeline_tui.core.git.driver import driver_warning

        self.driver_warning = driver_warning(self.pipe.root)
        return Health(warnings, len(problems), rotting), problems

    def check_disk(self) -> None:
        if self.loaded and not any(w.group in ("load", "write", "watch") and w.is_running for w in self.workers):
            self._check_disk_worker()

    @io_work(exclusive=True, group="watch")
    def _check_disk_worker(self) -> None:
        start = time.monotonic()
        now = time.time_ns()  # taken before anything is read: what is read is at least this fresh
        playbook_path = self.pipe.root / PLAYBOOK
        try:
            pb_mtime = playbook_path.stat().st_mtime_ns
        except FileNotFoundError:
            pb_mtime = 0
        if self._pb_mtime not in (None, pb_mtime) or (
                pb_mtime + RACY_NS > self._reread.get(PLAYBOOK, self._read_at)
                and self._playbook_changed(playbook_path, now)):
            self._pb_mtime = pb_mtime
            self.call_from_thread(self.load_leads)
            return
        self._pb_mtime = pb_mtime
        sig = self.pipe.scan()
        changed = {k for k, v in sig.items() if self._signature.get(k) != v}
        changed |= self._racily_changed(sig, changed, now)
        removed = set(self._signature) - set(sig)
        self._scan_seconds = time.monotonic() - start
        if not changed and not removed:
            return
        by_id = {lead.id: lead for lead in self.leads}
        for lead_id in removed:
            by_id.pop(lead_id, None)
        for lead_id in changed:
            self._reread[lead_id] = now
            try:
                by_id[lead_id] = self.pipe.read(lead_id)
            except PipelineError:
                by_id.pop(lead_id, None)
        self._signature = sig
        leads = sorted(by_id.values(), key=lambda x: x.id)
        self.post_message(LeadsLoaded(leads, changed | removed, *self._health(leads), external=True))

    def _playbook_changed(self, path: Path, checked_at: int) -> bool:
        """A racily clean playbook: its bytes against those the loaded playbook came from (once more per tick
        it stays racy, as for leads)."""
        from pipeline_tui.core.storage.cache import digest
        from pipeline_tui.core.storage.files import MAX_BYTES, read_limited

        self._reread[PLAYBOOK] = checked_at
        try:
            return digest(read_limited(path, MAX_BYTES)) != self.pipe.playbook.signature
        except OSError:
            return True

    def _racily_changed(self, sig: dict[str, tuple | None], changed: set[str], now: int) -> set[str]:
        """Files whose stamp did not change but cannot prove they did not: modified within RACY_NS of when
        this app last read them (on a filesystem with 1- or 2-second timestamps, a second write in the same
        tick keeps mtime and size). git's "racily clean" rule: read those again and compare."""
        out: set[str] = set()
        by_id: dict[str, Lead] | None = None  # built only when a file is racy (rarely), not every tick
        for lead_id, stamp in sig.items():
            if stamp is None or lead_id in changed or stamp[0] + RACY_NS <= self._reread.get(lead_id, self._read_at):
                continue
            self._reread[lead_id] = now
            if by_id is None:
                by_id = {lead.id: lead for lead in self.leads}
            old = by_id.get(lead_id)
            try:
                fresh = self.pipe.read(lead_id)
            except PipelineError:
                out.add(lead_id)
                continue
            if old is None or fresh.broken != old.broken or (not fresh.broken and fresh.data != old.data):
                out.add(lead_id)
        return out

    def on_leads_loaded(self, message: LeadsLoaded) -> None:
        """Hold the leads (or their new figures) and tell the screens (only the one on view redraws now)."""
        figures_only = message.changed == set()
        if figures_only and message.leads is not self.leads:
            return  # figures of leads replaced since: those of the new ones are on their way
        if message.health is not None:
            self.health, self.problem_list, self.checked_leads = message.health, message.problems, message.leads
        if not figures_only:
            self.leads = message.leads
            self.loaded = True
        changed = None if message.changed is None else frozenset(message.changed)
        self.leads_news.publish(LeadsNews(changed, figures=message.health is not None))
        if message.external and message.changed:
            self.notify(f"{len(message.changed)} lead file(s) changed on disk; reloaded", timeout=3)

    # --- writing (queued: see ui/writes.py) ---
    def run_change(self, fn: Callable[[], Change], done: Callable[[Change], None] | None = None) -> None:
        """Queue a core write; report errors; refresh the changed lead. Writes run one at a time in the
        order they were asked for, which is the order the keys were typed (`u` right after a save undoes
        that save, a second `>` moves the card on from where the first left it)."""
        self._queue_write(lambda: self._write(fn, done))

    def _write(self, fn: Callable[[], Change], done: Callable[[Change], None] | None) -> None:
        try:
            change = fn()
        except PipelineError as exc:
            self.call_from_thread(self.notify, exc.one_line(), title="Not saved", severity="error", timeout=8)
            return
        except Exception as exc:  # a bug must not lose the UI; say what happened
            self.call_from_thread(self.notify, f"{type(exc).__name__}: {exc}", title="Not saved", severity="error",
                                  timeout=8)
            return
        if change.commit:
            self._reread[change.lead_id] = time.time_ns()
            try:
                lead = self.pipe.read(change.lead_id)
            except PipelineError:
                lead = None
            self.call_from_thread(self._apply_saved, change, lead)
        else:
            self.call_from_thread(self.notify, "Nothing changed", timeout=2)
        if done is not None:
            self.call_from_thread(done, change)

    def _apply_saved(self, change: Change, lead: Lead | None) -> None:
        others = [x for x in self.leads if x.id != change.lead_id]
        if lead is not None:
            others.append(lead)
            others.sort(key=lambda x: x.id)
            try:
                path = self.pipe.lead_path(change.lead_id)
                st = path.stat()
                self._signature[change.lead_id] = stamp_of(st)
            except (OSError, PipelineError):
                pass
        else:
            self._signature.pop(change.lead_id, None)
        self.notify(f"{change.lead_id}: {change.description}", title="Saved and committed", timeout=4)
        self.post_message(LeadsLoaded(others, {change.lead_id}))
        self._health_worker(others)
        self.post_message(LeadSaved(change))

    @io_work(exclusive=True, group="health")
    def _health_worker(self, leads: list[Lead]) -> None:
        self.post_message(LeadsLoaded(leads, set(), *self._health(leads)))

    def action_undo(self) -> None:
        self._queue_write(lambda: self._undo(redo=False))

    def action_redo(self) -> None:
        self._queue_write(lambda: self._undo(redo=True))

    def _undo(self, redo: bool) -> None:
        """`pipeline undo` (or redo): the change it reverted is said; every lead is read again (an undo
        may touch many files: an import, a sync)."""
        from pipeline_tui.core.changes.undo import redo_last, undo_last

        title = "Redone" if redo else "Undone"
        try:
            change = (redo_last if redo else undo_last)(self.pipe)
        except PipelineError as exc:
            self.call_from_thread(self.notify, exc.one_line(), title=f"Not {title.lower()}", severity="warning",
                                  timeout=8)
            return
        self.call_from_thread(self.notify, change.description, title=f"{title} and committed (u undoes, U redoes)",
                              timeout=8)
        self.call_from_thread(self.load_leads)

    def lead_by_id(self, lead_id: str) -> Lead | None:
        return next((x for x in self.leads if x.id == lead_id), None)

    # --- navigation ---
    def open_lead(self, lead_id: str) -> None:
        """The Lead screen, over the screen it was opened from."""
        from pipeline_tui.ui.screens.lead import LeadScreen

        self.push_screen(LeadScreen(lead_id))

    def action_help(self) -> None:
        from pipeline_tui.ui.dialogs.help import HelpScreen

        self.push_screen(HelpScreen())

    def _switch(self, screen_cls) -> None:  # noqa: ANN001
        """Top-level screens replace each other: whatever stands on the Pipeline screen (another top-level
        screen, a lead opened from it) goes, so one Escape always leads back to the Pipeline. Over a dialog
        the keys are the dialog's: nothing happens."""
        from textual.screen import ModalScreen

        if isinstance(self.screen, screen_cls | ModalScreen):
            return
        while len(self.screen_stack) > 2:  # [default screen, Pipeline, ...]
            self.pop_screen()
        self.push_screen(screen_cls())

    def action_agenda(self) -> None:
        from pipeline_tui.ui.screens.agenda import AgendaScreen

        self._switch(AgendaScreen)

    def action_mix(self) -> None:
        from pipeline_tui.ui.screens.mix import MixScreen

        self._switch(MixScreen)

    def action_problems(self) -> None:
        from pipeline_tui.ui.screens.problems import ProblemsScreen

        self._switch(ProblemsScreen)

    def action_report(self) -> None:
        from pipeline_tui.ui.screens.report import ReportScreen

        self._switch(ReportScreen)

    def action_forecast(self) -> None:
        from pipeline_tui.ui.screens.forecast import ForecastScreen

        self._switch(ForecastScreen)

    def action_follow_up(self) -> None:
        from pipeline_tui.ui.screens.capacity import CapacityScreen

        self._switch(CapacityScreen)

    def action_import_leads(self) -> None:
        from pipeline_tui.ui.screens.import_screen import ImportScreen

        self._switch(ImportScreen)

    def action_sync(self) -> None:
        from pipeline_tui.ui.screens.sync import SyncScreen

        self._switch(SyncScreen)

    def action_reload(self) -> None:
        self.load_leads()
        self.notify("Reloading every lead file", timeout=2)

    def app_commands(self, screen):  # noqa: ANN001, ANN201
        """Textual's commands and the app's, as offered on every screen."""
        yield from super().get_system_commands(screen)
        for command in APP_COMMANDS:
            yield SystemCommand(command.title, command.help, partial(self.run_action, command.action))

    def get_system_commands(self, screen):  # noqa: ANN001, ANN201
        """The app's commands, where the screen has no provider of its own; where it has one (`ScreenCommands`),
        that provider lists them with the screen's, so the palette is one list in title order."""
        if not any(isinstance(p, type) and issubclass(p, ScreenCommands) for p in screen.COMMANDS):
            yield from self.app_commands(screen)


def make_app(root: Path, today: dt.date | None = None, watch: bool = True, watch_interval: float = 2.0) -> PipelineApp:
    """The one way to build the app: the CLI, the tests and the snapshot apps all call this."""
    return PipelineApp(Path(root), today=today, watch=watch, watch_interval=watch_interval)
