"""The Sync screen: the remote, ahead/behind, `s` to sync (in a worker), what came in, and any field
changed differently on both sides with both values: `o` keeps ours, `t` takes theirs, `s` syncs again."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.safetext import shown, visible
from pipeline_tui.ui.commands import Command, ScreenCommands
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.workers import WorkerErrors, io_work


class SyncCommands(ScreenCommands):
    def commands(self) -> list[Command]:
        out = [Command("Sync now", "Fetch, merge field by field, push (s)", "sync"),
               Command("Commit edits and sync", "Commit hand edits first, then sync (c)", "sync(True)")]
        if self.screen.conflicts:  # type: ignore[attr-defined] - a SyncScreen
            out += [Command("Keep ours", "Keep this clone's value of the highlighted field (o)", "choose('ours')"),
                    Command("Take theirs", "Take the remote's value of the highlighted field (t)", "choose('theirs')")]
        return out


class SyncScreen(WorkerErrors, Screen):
    COMMANDS = {SyncCommands}
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="sync.back"),
        Binding("s", "sync", "Sync now", id="sync.now", tooltip="Fetch, merge field by field, push"),
        Binding("c", "sync(True)", "Commit edits + sync", id="sync.commit",
                tooltip="Commit hand-edited files, then sync"),
        Binding("o", "choose('ours')", "Keep ours", id="sync.ours", tooltip="Keep this clone's value"),
        Binding("t", "choose('theirs')", "Take theirs", id="sync.theirs", tooltip="Take the remote's value"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[dict] = []
        self.choices: dict[int, str] = {}
        self.remote = "the remote"
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Checking the remote…", id="sync-status")
        yield Static("", id="sync-result")
        yield OptionList(id="conflicts")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Sync"
        self.query_one("#conflicts").display = False
        self.check()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "choose":
            return bool(self.conflicts)
        return True

    # --- status, no network ---
    @io_work(exclusive=True, group="sync-status")
    def check(self) -> None:
        from pipeline_tui.core.sync.exchange import status

        try:
            st = status(self.app.pipe)
        except PipelineError as exc:
            self.app.call_from_thread(self._show_status, plain(exc.one_line(), style="red"))
            return
        text = Text()
        if not st["remotes"]:
            text.append("No remote: this pipeline lives only on this machine.\n\n", style="bold")
            text.append("To share it: create a bare repository everyone can reach (git init --bare -b main "
                        "/shared/sales.git, or an empty GitHub repository), then: git remote add origin <url>, "
                        "and press s.")
        else:
            text.append(visible(f"Remote: {st['remotes'][0]}  {st['url']}") + "\n", style="bold")
            text.append(visible(f"Branch: {st['branch'] or '(detached)'}"))
            if st["upstream"]:
                text.append(f" → {visible(st['upstream'])}: {st['ahead']} commit(s) to send, {st['behind']} to receive "
                            "(as of the last fetch)\n")
            else:
                text.append(" (not synced yet: s sends it)\n")
            if st["dirty"]:
                text.append(f"\n{len(st['dirty'])} file(s) changed but not committed: "
                            f"{visible(', '.join(st['dirty'][:5]))}. Press c to commit them and sync.\n", style="yellow")
            text.append("\ns: sync now (fetch, merge field by field, push)")
        self.app.call_from_thread(self._show_status, text)

    def _show_status(self, text: Text) -> None:
        self.query_one("#sync-status", Static).update(text)

    # --- sync ---
    def action_sync(self, commit_edits: bool = False) -> None:
        if self.busy:
            return
        self.busy = True
        resolve: dict[str, dict[str, str]] = {}
        for i, side in self.choices.items():
            c = self.conflicts[i]
            stem = c["path"].rsplit("/", 1)[-1].removesuffix(".yaml")
            resolve.setdefault(stem, {})["*" if c["key"] == "(file)" else c["key"]] = side
        self.query_one("#sync-result", Static).update(Text("Syncing…", style="bold"))
        self.run_sync(resolve, commit_edits)

    @io_work(exclusive=True, group="sync")
    def run_sync(self, resolve: dict, commit_edits: bool) -> None:
        from pipeline_tui.core.sync.exchange import sync
        from pipeline_tui.core.sync.result import SyncConflict

        try:
            result = sync(self.app.pipe, resolve=resolve, commit_edits=commit_edits)
        except SyncConflict as exc:
            self.app.call_from_thread(self._conflicts, exc)
            return
        except PipelineError as exc:
            self.app.call_from_thread(self._done, plain(exc.one_line(), style="bold red"))
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the UI; say what happened
            self.app.call_from_thread(self._done, plain(f"{type(exc).__name__}: {exc}", style="bold red"))
            return
        self.app.call_from_thread(self._done, plain("\n".join(result.lines()), style="green", multiline=True), True)

    def _done(self, text: Text, ok: bool = False) -> None:
        self.busy = False
        self.query_one("#sync-result", Static).update(text)
        if ok:
            self.conflicts, self.choices = [], {}
            self.query_one("#conflicts").display = False
            self.app.load_leads()
        self.refresh_bindings()
        self.check()

    def _conflicts(self, exc) -> None:  # noqa: ANN001
        self.busy = False
        self.conflicts, self.choices, self.remote = exc.conflicts, {}, exc.remote
        self.query_one("#sync-result", Static).update(plain(
            f"Stopped: {len(self.conflicts)} field(s) changed differently here and on {exc.remote}. Nothing was "
            "changed here. For each: o keeps ours, t takes theirs; then s syncs again.", style="bold yellow"))
        self._render_conflicts()
        options = self.query_one("#conflicts", OptionList)
        options.display = True
        options.focus()
        self.refresh_bindings()
        self.check()  # the fetch moved the remote's branch: show the new counts

    def _render_conflicts(self) -> None:
        options = self.query_one("#conflicts", OptionList)
        keep = options.highlighted or 0
        options.clear_options()
        for i, c in enumerate(self.conflicts):
            choice = self.choices.get(i)
            mark = {"ours": "[keep ours]  ", "theirs": "[take theirs]"}.get(choice, "[choose o/t] ")
            if c["key"] == "(file)":
                line = f"{mark} {c['path']}: {c['ours'] or 'changed on both sides; git could not merge it'}"
            else:
                line = (f"{mark} {c['path']}  {c['key']}: here {shown(c['ours'], quoted=True)} · on {self.remote} {shown(c['theirs'], quoted=True)}"
                        f" · was {shown(c['base'], quoted=True)}")
            options.add_option(Option(plain(line, style="green" if choice else "yellow")))
        if self.conflicts:
            options.highlighted = min(keep, len(self.conflicts) - 1)

    def action_choose(self, side: str) -> None:
        options = self.query_one("#conflicts", OptionList)
        if options.highlighted is None:
            return
        self.choices[options.highlighted] = side
        self._render_conflicts()
        if options.highlighted < len(self.conflicts) - 1:
            options.highlighted += 1
