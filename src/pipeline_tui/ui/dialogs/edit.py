"""Classify / edit a lead: source, origin, horizon, qualification, stage, owner, value and the next action.

The form shows, as the person types, every change a save would make ("owner carol -> bob"). Invalid input
is named under the fields and nothing is written. A field emptied is removed only after the person says
so in `ConfirmChanges`. The save is checked against the bytes the form was opened on, so a file changed
meanwhile (an editor, a pull) is never overwritten blindly. The file is read before the form is built
(`EditScreen.open`, in the write worker), never while composing it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from pipeline_tui.core.dates import parse_date_input
from pipeline_tui.core.errors import BadInput, PipelineError
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.vocabulary import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS
from pipeline_tui.core.safetext import show
from pipeline_tui.ui.text import plain


def shown(value: object) -> str:
    """A field's value as its input shows it: text, with any control, bidi or zero-width character made
    visible (`\\x1b`). The form compares against this, so a field left alone is never written, and a
    field the person edits saves exactly what was on screen."""
    return show(value).strip()


def fid(key: str) -> str:
    """Widget id of a field (ids cannot hold dots)."""
    return "f-" + key.replace(".", "--")


class EditScreen(ModalScreen[None]):
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="edit.save", tooltip="Save the changes listed (asks before removing)"),
                Binding("escape", "dismiss", "Cancel", id="edit.cancel", tooltip="Close, writing nothing")]

    def __init__(self, lead_id: str, read: tuple[Lead, bytes] | Exception, focus: str | None = None) -> None:
        """`read`: the lead and the bytes of its file (`Pipeline.read_raw`), or why they could not be read."""
        super().__init__()
        self.lead_id = lead_id
        self.focus_field = focus
        self.lead: Lead | None = None
        self.raw: bytes | None = None
        self.data: dict = {}
        if isinstance(read, Exception):
            self.error = read.one_line() if isinstance(read, PipelineError) else f"{type(read).__name__}: {read}"
        else:
            (self.lead, self.raw), self.error = read, ""
            self.data = self.lead.data

    @classmethod
    def open(cls, app, lead_id: str, focus: str | None = None) -> None:  # noqa: ANN001 - the PipelineApp
        """The form on the file as the writes queued before it leave it, read in the write worker; the keys
        typed meanwhile wait, then go into the form."""
        pipe = app.pipe
        app.read_then(lambda: pipe.read_raw(lead_id), lambda read: app.push_screen(cls(lead_id, read, focus)))

    def compose(self) -> ComposeResult:
        pb = self.app.pipe.playbook
        lead = self.lead
        if lead is None:  # the file cannot be changed (broken, a FIFO, too big): only the message shows
            yield Static(plain(self.error + "  (esc closes)"), classes="error")
            yield Footer()
            return
        d = self.data
        q = d.get("qualification") if isinstance(d.get("qualification"), dict) else {}
        nxt = d.get("next") if isinstance(d.get("next"), dict) else {}

        def select(field: str, options, value) -> Select:  # noqa: ANN001
            opts = [(plain(o), o) for o in options]
            chosen = value if isinstance(value, str) and value in options else Select.NULL
            return Select(opts, value=chosen, id=fid(field), allow_blank=True, prompt="(not set)", compact=True)

        with VerticalScroll(id="dialog"):
            yield Label(plain(f"{lead.name} — {lead.company}  ({lead.id})"), classes="title")
            for label, widget in (
                ("stage", select("stage", pb.stage_names, lead.stage)),
                ("source", select("source", list(pb.sources), d.get("source"))),
                ("origin", select("origin", ORIGINS, d.get("origin"))),
                ("horizon", select("horizon", HORIZONS, d.get("horizon"))),
                ("interest", select("qualification.interest", INTEREST, q.get("interest"))),
                ("authority", select("qualification.authority", AUTHORITY, q.get("authority"))),
                ("fit", select("qualification.fit", FIT, q.get("fit"))),
                ("pain", Input(shown(q.get("pain")), id=fid("qualification.pain"), compact=True)),
                ("owner", Input(shown(d.get("owner")), id=fid("owner"), compact=True)),
                ("value", Input(shown(d.get("value")), id=fid("value"), compact=True)),
                ("next action", Input(shown(nxt.get("action")), id=fid("next.action"), compact=True)),
                ("due", Input(shown(nxt.get("due")), placeholder="today, +3d, mon, 2026-11-25",
                              id=fid("next.due"), compact=True)),
            ):
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label", id=f"label-{widget.id}")
                    yield widget
                    if widget.id == fid("next.due"):
                        yield Label("", classes="field-note", id=f"err-{widget.id}")
            error = Static("", id="form-error", classes="error")
            error.display = False
            yield error
            yield Static("", id="changes")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        if self.raw is None:  # the file cannot be changed (broken, a FIFO, too big): only the message shows
            return
        # set_focus, not focus(): a key typed right behind `e` or `n` goes into this field
        first = fid("next.action") if self.focus_field == "next_action" else fid("stage")
        self.set_focus(self.query_one("#" + first))
        self.show_changes()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_changes()

    def show_changes(self) -> None:
        """What a save would write, field by field, in the words of the commit message."""
        from pipeline_tui.core.changes.leads import plan_set

        out = self.query_one("#changes", Static)
        try:
            ops, parts = plan_set(self.app.pipe, self.data, self.assignments(), self.app.today)
        except BadInput:
            return  # said under the fields when saving; the due field says its own at once
        if not parts:
            out.update(plain("no changes", style="grey62"))
            return
        out.update(plain("changes: " + " · ".join(_removal_words(p) for p in parts)))

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.raw is not None:
            self.show_changes()
        if event.input.id == fid("next.due"):
            err = self.query_one("#err-" + fid("next.due"), Label)
            value = event.value.strip()
            if not value:
                err.update("")
                return
            try:
                d = parse_date_input(value, self.app.today)
                err.update(f"→ {d:%a %Y-%m-%d}")
                err.remove_class("bad")
            except BadInput:
                err.update("bad date")
                err.add_class("bad")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss()

    def assignments(self) -> list[str]:
        """KEY=VALUE for every field the person changed (checked by `plan_set`, as `pipeline set` is)."""
        out = []
        d = self.data
        q = d.get("qualification") if isinstance(d.get("qualification"), dict) else {}
        nxt = d.get("next") if isinstance(d.get("next"), dict) else {}
        current = {
            "stage": d.get("stage") or self.app.pipe.playbook.first_stage, "source": d.get("source"),
            "origin": d.get("origin"), "horizon": d.get("horizon"),
            "qualification.interest": q.get("interest"), "qualification.authority": q.get("authority"),
            "qualification.fit": q.get("fit"),
        }
        for key, old in current.items():
            value = self.query_one("#" + fid(key), Select).value
            if value is Select.NULL:
                if old is not None and key not in ("stage", "source"):
                    out.append(f"{key}=")
            elif value != old:
                out.append(f"{key}={value}")
        texts = {"qualification.pain": q.get("pain"), "owner": d.get("owner"), "value": d.get("value"),
                 "next.action": nxt.get("action"), "next.due": nxt.get("due")}
        for key, old in texts.items():
            value = self.query_one("#" + fid(key), Input).value.strip()
            old_text = shown(old)  # as the field showed it: a value left alone is never written
            if value != old_text:  # `set` parses dates (+3d, mon) and skips values that did not change
                out.append(f"{key}={value}")
        return out

    def action_save(self) -> None:
        from pipeline_tui.core.changes.leads import plan_set

        if self.raw is None:  # no form: the file could not be read
            self.dismiss()
            return
        error = self.query_one("#form-error", Static)
        error.update("")
        error.display = False
        for label in self.query(".field-label"):
            label.remove_class("bad")
        assignments: list[str] = []
        try:
            assignments = self.assignments()
            ops, parts = plan_set(self.app.pipe, self.data, assignments, self.app.today)  # validate before closing
        except BadInput as exc:
            key = next((a.split("=")[0] for a in assignments if a.split("=")[0] in exc.message), None)
            if key is not None:
                self.query_one("#label-" + fid(key), Label).add_class("bad")
            error.update(plain(exc.message))
            error.display = True
            self.app.notify(exc.message, title="Not saved", severity="error")
            return
        if not assignments or not parts:
            self.app.notify("Nothing changed", timeout=2)
            self.dismiss()
            return
        if any(op.kind == "delete" for op in ops):  # an emptied field: only on the person's word
            self.app.push_screen(ConfirmChanges([_removal_words(p) for p in parts]),
                                 lambda yes: self._write(assignments) if yes else None)
            return
        self._write(assignments)

    def _write(self, assignments: list[str]) -> None:
        from pipeline_tui.core.changes.leads import set_fields

        app, raw, lead_id = self.app, self.raw, self.lead_id
        app.run_change(lambda: set_fields(app.pipe, lead_id, assignments, today=app.today, expect_bytes=raw))
        self.dismiss()


def _removal_words(part: str) -> str:
    """A change as the form says it: a removed field says "(removed)" (the commit says "(none)")."""
    return part[: -len("(none)")] + "(removed)" if part.endswith("-> (none)") else part


class ConfirmChanges(ModalScreen[bool]):
    """Ask before a save that removes a field: the changes listed, `y` saves, Escape goes back."""

    BINDINGS = [Binding("y", "answer(True)", "Save and remove", id="confirm.yes"),
                Binding("escape,n", "answer(False)", "Back to the form", id="confirm.no")]

    def __init__(self, changes: list[str]) -> None:
        super().__init__()
        self.changes = changes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Remove a field?", classes="title")
            yield Static(plain("\n".join(self.changes), multiline=True), id="changes")
            yield Static("y: save these changes (the emptied fields are removed)\nesc: back to the form")
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
