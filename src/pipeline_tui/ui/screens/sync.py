"""The Sync screen: the remote, and how far ahead/behind it this clone is."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class SyncScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="sync.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Checking the remote…", id="sync-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Sync"
        self.check()

    @work(thread=True, exclusive=True, group="sync")
    def check(self) -> None:
        from pipeline_tui.core.gitrepo import GitRepo

        try:
            repo = GitRepo(self.app.pipe.root)
            remotes = repo.cmd.remote().split()
            if not remotes:
                text = ("No remote: this pipeline lives only on this machine.\n\n"
                        "To share it: git remote add origin <url>, then git push -u origin HEAD.")
            else:
                try:
                    counts = repo.cmd.rev_list("--left-right", "--count", "HEAD...@{upstream}").split()
                    ahead, behind = counts
                    text = (f"Remote: {remotes[0]}\n\n{ahead} commit(s) ahead, {behind} behind "
                            "(as of the last fetch).")
                except Exception:  # noqa: BLE001 - no upstream configured
                    text = f"Remote: {', '.join(remotes)}; this branch has no upstream (git push -u origin HEAD)."
        except Exception as exc:  # noqa: BLE001
            text = f"Cannot read the repository: {exc}"
        self.app.call_from_thread(self.query_one("#sync-status", Static).update, text)
