"""Activities: log a call, email, meeting or note on a lead, and mark its next action done with the next one
planned by the playbook's cadence. Each is one commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline_tui.core.changes.change import Change, update_lead
from pipeline_tui.core.changes.leads import plan_set, value_at
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.safetext import check_text, shown
from pipeline_tui.core.yaml.ops import Op


def log_activity(pipe: Pipeline, lead_id: str, kind: str, text: str, today: dt.date | None = None,
                 now: dt.datetime | None = None, expect_bytes: bytes | None = None) -> Change:
    """Append a log entry; the first call or email also records first_contact."""
    today = today or dt.date.today()
    kind = (kind or "note").strip()
    _check_activity(kind, text, pipe.playbook, need_text=kind == "note")  # an empty note says nothing

    def planner(data: dict) -> tuple[list[Op], list[str]]:
        entry: dict[str, Any] = {"date": today, "kind": kind}
        if text.strip():
            entry["text"] = text.strip()
        ops = [Op("append", ("log",), entry)]
        parts = [f"logged {kind}" + (f": {shown(text.strip(), limit=40)}" if text.strip() else "")]
        ops.extend(_first_contact_ops(data, kind, today, now))
        return ops, parts

    return update_lead(pipe, lead_id, planner, "log", expect_bytes=expect_bytes)


def _check_activity(kind: str, text: str, pb=None, need_text: bool = False) -> None:  # noqa: ANN001
    kinds = list(pb.activity_kinds) if pb is not None else ["call", "email", "meeting", "note"]
    if kind not in kinds:
        raise BadInput(f"activity kind {kind!r} is not one of {', '.join(kinds)} (add it to activity_kinds: in "
                       "pipeline.yaml)")
    check_text(text, "activity text", multiline=True)
    if need_text and not text.strip():
        raise BadInput("a note needs its text: pipeline note ID 'what happened'")


def _first_contact_ops(data: dict, kind: str, today: dt.date, now: dt.datetime | None) -> list[Op]:
    """The first call, email or meeting records when we first responded (speed to lead)."""
    if kind not in ("call", "email", "meeting") or data.get("first_contact") not in (None, ""):
        return []
    stamp = (now or dt.datetime.now()).replace(second=0, microsecond=0)
    if stamp.date() != today:
        stamp = dt.datetime(today.year, today.month, today.day, 9, 0)
    return [Op("set", ("first_contact",), stamp.strftime("%Y-%m-%dT%H:%M"))]


def propose_next(pipe: Pipeline, data: dict, today: dt.date) -> tuple[str, dt.date] | None:
    """What the playbook's cadence proposes after the current next action is done (None for closed leads)."""
    stage = data.get("stage") if isinstance(data.get("stage"), str) else pipe.playbook.first_stage
    if pipe.playbook.is_closed(stage):
        return None
    horizon = data.get("horizon") if data.get("horizon") in ("short", "long") else "short"
    return pipe.playbook.cadence_next(horizon, today)


def complete_next(pipe: Pipeline, lead_id: str, text: str = "", kind: str = "note", next_action: str | None = None,
                  next_due: str | None = None, today: dt.date | None = None, now: dt.datetime | None = None,
                  expect_bytes: bytes | None = None) -> Change:
    """Mark the next action done: log it, and plan the next one (given, or what the cadence proposes)."""
    today = today or dt.date.today()
    kind = (kind or "note").strip()
    _check_activity(kind, text, pipe.playbook)

    def planner(data: dict) -> tuple[list[Op], list[str]]:
        nxt = data.get("next") if isinstance(data.get("next"), dict) else {}
        done = str(nxt.get("action") or "").strip()
        words = [w for w in (f"Done: {done}" if done else "Done", text.strip()) if w]
        entry: dict[str, Any] = {"date": today, "kind": kind, "text": ". ".join(words)}
        ops = [Op("append", ("log",), entry)]
        parts = [f"done {shown(done, limit=40) if done else '(no next action)'}"]
        ops.extend(_first_contact_ops(data, kind, today, now))
        proposal = propose_next(pipe, data, today)
        if proposal is None and next_action is None and next_due is None:
            if "next" in data:
                ops.append(Op("delete", ("next",)))
            return ops, parts + ["closed lead: no next action"]
        action = next_action if next_action is not None else proposal[0]
        due = next_due if next_due is not None else proposal[1].isoformat()
        if not action.strip():
            raise BadInput("the next action needs a text (or use `set ID next=` to clear it)")
        more, _ = plan_set(pipe, data, [f"next.action={action}", f"next.due={due}"], today)
        ops.extend(more)
        new_due = next((op.value for op in more if op.path == ("next", "due")), value_at(data, ("next", "due")))
        parts.append(f"next: {shown(action, limit=40)} on {shown(new_due, limit=40)}")
        return ops, parts

    return update_lead(pipe, lead_id, planner, "done", expect_bytes=expect_bytes)
