"""Classify / edit a lead: source, origin, horizon, qualification, stage, owner, value and the next action.

Invalid input is shown beside the field and nothing is written. The save is checked against the bytes
the form was opened on, so a file changed meanwhile (an editor, a pull) is never overwritten blindly.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from pipeline_tui.core.dates import parse_date_input
from pipeline_tui.core.errors import BadInput, PipelineError
from pipeline_tui.core.playbook import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS
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
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="edit.save"), Binding("escape", "dismiss", "Cancel")]

    def __init__(self, lead_id: str, focus: str | None = None) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.focus_field = focus
        self.raw: bytes | None = None
        self.data: dict = {}

    def compose(self) -> ComposeResult:
        app = self.app
        pb = app.pipe.playbook
        try:
            lead, self.raw = app.pipe.read_raw(self.lead_id)
        except PipelineError as exc:
            yield Static(plain(exc.one_line() + "  (esc closes)"), classes="error")
            return
        d = self.data = lead.data
        q = d.get("qualification") if isinstance(d.get("qualification"), dict) else {}
        nxt = d.get("next") if isinstance(d.get("next"), dict) else {}

        def select(field: str, options, value) -> Select:  # noqa: ANN001
            opts = [(plain(o), o) for o in options]
            chosen = value if isinstance(value, str) and value in options else Select.NULL
            return Select(opts, value=chosen, id=fid(field), allow_blank=True)

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
                ("pain", Input(shown(q.get("pain")), id=fid("qualification.pain"))),
                ("owner", Input(shown(d.get("owner")), id=fid("owner"))),
                ("value", Input(shown(d.get("value")), id=fid("value"))),
                ("next action", Input(shown(nxt.get("action")), id=fid("next.action"))),
                ("due", Input(shown(nxt.get("due")), placeholder="today, tomorrow, +3d, mon, 2026-11-25",
                              id=fid("next.due"))),
            ):
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield widget
                    yield Label("", classes="field-error", id=f"err-{widget.id}")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        if self.raw is None:  # the file cannot be changed (broken, a FIFO, too big): only the message shows
            return
        if self.focus_field == "next_action":
            self.query_one("#" + fid("next.action"), Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
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
        from pipeline_tui.core.ops import plan_set, set_fields

        if self.raw is None:  # no form: the file could not be read
            self.dismiss()
            return
        for label in self.query(".field-error"):
            if label.id != "err-" + fid("next.due"):
                label.update("")
        assignments: list[str] = []
        try:
            assignments = self.assignments()
            plan_set(self.app.pipe, self.data, assignments, self.app.today)  # validate before closing
        except BadInput as exc:
            key = next((a.split("=")[0] for a in assignments if a.split("=")[0] in exc.message), None)
            target = "#err-" + fid(key or "next.due")
            self.query_one(target, Label).update(plain(exc.message))
            self.app.notify(exc.message, title="Not saved", severity="error")
            return
        if not assignments:
            self.dismiss()
            return
        app, raw, lead_id = self.app, self.raw, self.lead_id
        app.run_change(lambda: set_fields(app.pipe, lead_id, assignments, today=app.today, expect_bytes=raw))
        self.dismiss()
