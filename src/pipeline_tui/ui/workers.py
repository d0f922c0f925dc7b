"""Background work that can fail without taking the app down.

Every disk and git task runs in a thread worker made by `io_work` (Textual's `work` with
`exit_on_error=False`: by default a worker's exception exits the whole app). A node that starts workers
mixes in `WorkerErrors`, which shows a failed worker's error as a notification (as text, never markup)
and keeps the app running.
"""

from __future__ import annotations

from functools import partial

from textual import work
from textual.worker import Worker, WorkerState

io_work = partial(work, thread=True, exit_on_error=False)


class WorkerErrors:
    """Mixin for an App or Screen: a worker of this node that raised is reported, not fatal."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        what = event.worker.group if event.worker.group != "default" else event.worker.name
        self.app.notify(f"{type(error).__name__}: {error}", title=f"Could not finish: {what}",  # type: ignore[attr-defined]
                        severity="error", timeout=10)
