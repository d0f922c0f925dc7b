"""A lead's own fields: add a lead (refusing likely duplicates), set fields from `key=value` assignments
typed and checked against the playbook, and remove a lead. Each is one commit; nothing is written on bad input."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pipeline_tui.core.changes.change import Change, put_back, update_lead
from pipeline_tui.core.dates import DATE_HELP, parse_date_input, parse_datetime_input
from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.git.repo import GitRepo
from pipeline_tui.core.model.lead import new_id
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.rules import EMAIL_RE, multiline_path
from pipeline_tui.core.model.vocabulary import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS
from pipeline_tui.core.safetext import check_text, shown, visible, walk_strings
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.edit import render_mapping
from pipeline_tui.core.yaml.ops import Op

KEY_PART_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
TEXT_KEYS = {"name", "company", "title", "email", "phone", "owner", "source_detail", "next.action", "qualification.pain"}
DATE_KEYS = {"created", "closed", "next.due", "expected_close"}
REQUIRED_KEYS = {"name", "source", "created"}
READ_ONLY = {"id", "path", "log"}


# --- init -----------------------------------------------------------------------------------------


# --- add ------------------------------------------------------------------------------------------

def _check_choice(value: str, allowed, what: str) -> str:  # noqa: ANN001
    if value not in allowed:
        raise BadInput(f"unknown {what} {value!r}; choose one of: {', '.join(allowed)}")
    return value


def _number(text: str, what: str) -> int | float:
    t = text.strip().replace(",", "").replace("_", "")
    try:
        n = float(t)
    except ValueError:
        raise BadInput(f"{what} must be a number, not {text!r}") from None
    if n != n or n in (float("inf"), float("-inf")) or n < 0:
        raise BadInput(f"{what} must be a number of at least 0, not {text!r}")
    return int(n) if n.is_integer() else n


def find_duplicates(pipe: Pipeline, name: str, company: str | None, email: str | None, skip: str | None = None) -> list[str]:
    """Ids of leads with the same email, or the same name and company."""
    out = []
    for lead in pipe.leads():
        if lead.broken or lead.id == skip:
            continue
        if email and lead.email and lead.email.lower() == email.lower() or name and lead.name.lower() == name.lower() and (lead.company or "").lower() == (company or "").lower():
            out.append(lead.id)
    return out


def add_lead(pipe: Pipeline, name: str, source: str, *, company: str | None = None, email: str | None = None,
             stage: str | None = None, horizon: str | None = None, owner: str | None = None,
             value: str | None = None, tags: list[str] | None = None, next_action: str | None = None,
             due: str | None = None, today: dt.date | None = None, extra: dict[str, Any] | None = None) -> Change:
    today = today or dt.date.today()
    pb = pipe.playbook
    check_text(name or "", "name")  # before stripping, which would drop U+2028 unseen
    name = (name or "").strip()
    if not name:
        raise BadInput("a lead needs a name (printable text)")
    for what, text in (("company", company), ("next", next_action), *(("tag", t) for t in tags or ())):
        if text:
            check_text(text, what)
    _check_choice(source, list(pb.sources), "source")
    data: dict[str, Any] = {"name": name}
    if company:
        data["company"] = company.strip()
    # the same per-field rules as `set`, so a lead can be added exactly as it could be edited
    for key, raw in (("email", email), ("owner", owner)):
        if raw:
            data[key] = typed_value(pipe, (key,), raw, today)
    data["source"] = source
    data["stage"] = typed_value(pipe, ("stage",), stage, today) if stage else pb.first_stage
    for key, raw in (("horizon", horizon), ("value", value)):
        if raw not in (None, ""):
            data[key] = typed_value(pipe, (key,), str(raw), today)
    data["created"] = today
    if pb.is_closed(data["stage"]):
        data["closed"] = today
    if next_action or due:
        data["next"] = {
            "action": (next_action or "Follow up").strip(),
            "due": parse_date_input(due, today) if due else today,
        }
    if tags:
        clean = [t.strip() for t in tags if t.strip()]
        for t in clean:
            if any(c in t for c in ",[]{}#\n") :
                raise BadInput(f"tag {t!r} may not contain , [ ] {{ }} # or line breaks")
        data["tags"] = clean
    for k, v in (extra or {}).items():
        data.setdefault(k, v)
    for path, text, _ in walk_strings(extra or {}):  # what an import brings: keys and values alike
        check_text(text, ".".join(str(k) for k in path), multiline=multiline_path(path))
    repo = GitRepo(pipe.root)
    repo.require_identity()
    with repo.write_lock():
        lead_id = new_id(name, company, exists=lambda i: (pipe.leads_dir / f"{i}.yaml").exists())
        text = render_mapping(data)
        try:
            if yamlio.loads(text) != data:
                raise BadInput("refusing to write: the new lead would not read back as intended")
        except YamlProblem as exc:  # pragma: no cover - render_mapping only writes safe scalars
            raise BadInput(f"refusing to write: {exc.message}") from None
        path = pipe.write_lead(lead_id, text.encode("utf-8"), repo.shared_mode())
        try:
            sha = repo.commit([path], f"{lead_id}: new lead {name} ({source})", "add", new_paths=[path])
        except BaseException as exc:
            put_back(repo, path, None, exc, pipe.rel(path))
            raise
    return Change(lead_id, f"new lead {name}", sha, list(data))


# --- set ------------------------------------------------------------------------------------------

def parse_assignment(text: str) -> tuple[str, tuple[str, ...], str]:
    """`key=value`, `key+=value`, `key-=value` -> (operator, path, raw value)."""
    m = re.match(r"^([^=+\-][^=]*?)(\+=|-=|=)(.*)$", text, re.S)
    if not m:
        raise BadInput(f"expected KEY=VALUE, not {text!r} (for example stage=qualified or next.due=+3d)")
    key, op, value = m.group(1).strip(), m.group(2), m.group(3)
    path = tuple(key.split("."))
    if len(path) > 3 or not all(KEY_PART_RE.match(p) for p in path):
        raise BadInput(f"bad field name {key!r}: use letters, digits, _ and -, dotted for nested (next.due)")
    if path[0] in READ_ONLY:
        raise BadInput(f"{path[0]} cannot be set (the id is the file name; log entries are added by logging an activity)")
    return op, path, value


def value_at(data: dict, path: tuple[str, ...]) -> Any:
    node: Any = data
    for k in path:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def typed_value(pipe: Pipeline, path: tuple[str, ...], raw: str, today: dt.date) -> Any:
    """The value a person typed, checked and typed for this field."""
    pb = pipe.playbook
    key = ".".join(path)
    check_text(raw, key)  # before stripping: str.strip() would drop U+2028 and friends unseen
    raw = raw.strip()
    if key == "stage":
        return _check_choice(raw, pb.stage_names, "stage")
    if key == "source":
        return _check_choice(raw, list(pb.sources), "source")
    if key == "origin":
        return _check_choice(raw, ORIGINS, "origin")
    if key == "horizon":
        return _check_choice(raw, HORIZONS, "horizon")
    if key == "qualification.interest":
        return _check_choice(raw, INTEREST, "interest")
    if key == "qualification.authority":
        return _check_choice(raw, AUTHORITY, "authority")
    if key == "qualification.fit":
        return _check_choice(raw, FIT, "fit")
    if key == "owner" and pb.team and raw not in pb.team:
        raise BadInput(f"owner {raw!r} is not in the playbook's team: {', '.join(pb.team)}")
    if key == "email" and not EMAIL_RE.match(raw):
        raise BadInput(f"email {raw!r} does not look like an address")
    if key == "value":
        return _number(raw, "value")
    if key in DATE_KEYS:
        try:
            return parse_date_input(raw, today)
        except BadInput:
            raise BadInput(f"{key}: bad date {raw!r}; {DATE_HELP}") from None
    if key == "first_contact":
        return parse_datetime_input(raw, today).strftime("%Y-%m-%dT%H:%M")
    if key == "tags":
        return [t.strip() for t in raw.split(",") if t.strip()]
    if key in TEXT_KEYS or path[0] in ("next", "qualification"):
        if path[0] == "qualification" and key != "qualification.pain" and len(path) == 2:
            raise BadInput(f"unknown qualification field {path[1]!r}: interest, authority, fit or pain")
        return raw
    # a key the tool does not know: read the value as YAML 1.2 (numbers stay numbers)
    try:
        parsed = yamlio.loads("v: " + raw)["v"] if raw else ""
    except (YamlProblem, TypeError):
        return raw
    if isinstance(parsed, (dict,)) or (isinstance(parsed, list) and any(isinstance(i, (dict, list)) for i in parsed)):
        return raw
    return raw if parsed is None else parsed


NESTED_KEYS = {"next": ("action", "due"), "qualification": ("interest", "authority", "fit", "pain")}


def check_key(path: tuple[str, ...], data: dict, pb, new_keys: bool = False) -> None:  # noqa: ANN001
    """A key `set` may write: the tool's, the playbook's `custom_keys`, one the lead already has, or any with
    `new_keys` (`--new-key`). Anything else is a typo until said otherwise (`stgae=won` never becomes data)."""
    import difflib

    from pipeline_tui.core.model.rules import KNOWN_KEYS

    top = path[0]
    if len(path) > 1 and top in NESTED_KEYS:
        allowed: tuple[str, ...] | list[str] = NESTED_KEYS[top]
        name, have = path[1], data.get(top) if isinstance(data.get(top), dict) else {}
        if name in allowed or name in have or new_keys or len(path) > 2:
            return
        guess = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{top}.{guess[0]}'?" if guess else f" ({top}. takes {', '.join(allowed)})"
        raise BadInput(f"unknown key '{'.'.join(path)}'{hint}")
    known = list(KNOWN_KEYS) + list(pb.custom_keys)
    if top in known or top in data or new_keys:
        return
    guess = difflib.get_close_matches(top.lower(), known, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    raise BadInput(f"unknown key '{top}'{hint} (a key of your own: pipeline set --new-key, or list it under "
                   "custom_keys: in pipeline.yaml)")


def plan_set(pipe: Pipeline, data: dict, assignments: list[str], today: dt.date,
             new_keys: bool = False) -> tuple[list[Op], list[str]]:
    """Ops and message parts for `set`, validated; raises BadInput on the first bad assignment."""
    ops: list[Op] = []
    parts: list[str] = []
    pb = pipe.playbook
    for text in assignments:
        op, path, raw = parse_assignment(text)
        check_key(path, data, pb, new_keys)
        key = ".".join(path)
        check_text(raw, key)  # before any stripping: U+2028 is whitespace to str.strip()
        old = value_at(data, path)
        if op == "=" and raw.strip() == "":
            if path[0] in REQUIRED_KEYS and len(path) == 1:
                raise BadInput(f"{key} is required and cannot be removed")
            if old is not None or value_at(data, path) is not None:
                ops.append(Op("delete", path))
                parts.append(f"{key} {shown(old, limit=40)} -> (none)")
            continue
        if op in ("+=", "-="):
            if key != "tags" and not isinstance(old, list):
                raise BadInput(f"{key}{op}: only lists (like tags) can be added to or removed from")
            for item in [t.strip() for t in raw.split(",") if t.strip()]:
                if op == "+=":
                    if not (isinstance(old, list) and item in [str(x) for x in old]):
                        ops.append(Op("append", path, item))
                        parts.append(f"{key} +{shown(item, limit=40)}")
                elif isinstance(old, list) and item in [str(x) for x in old]:
                    ops.append(Op("remove", path, item))
                    parts.append(f"{key} -{shown(item, limit=40)}")
            continue
        new = typed_value(pipe, path, raw, today)
        if new == old and type(new) is type(old):
            continue
        ops.append(Op("set", path, new))
        parts.append(f"{key} {shown(old, limit=40)} -> {shown(new, limit=40)}")
        if key == "stage":
            was_closed = pb.is_closed(old) if isinstance(old, str) else False
            if pb.is_closed(new) and not data.get("closed") and not any(a.startswith("closed=") for a in assignments):
                ops.append(Op("set", ("closed",), today))
            elif not pb.is_closed(new) and was_closed and data.get("closed") is not None:
                ops.append(Op("delete", ("closed",)))
    return ops, parts


def set_fields(pipe: Pipeline, lead_id: str, assignments: list[str], today: dt.date | None = None,
               expect_bytes: bytes | None = None, new_keys: bool = False) -> Change:
    """Validate, edit surgically, verify, write atomically, commit. No change: nothing is written."""
    if not assignments:
        raise BadInput("nothing to set: give KEY=VALUE (for example stage=qualified)")
    today = today or dt.date.today()

    def planner(data: dict) -> tuple[list[Op], list[str]]:
        from pipeline_tui.core.model.rules import date_contradictions
        from pipeline_tui.core.yaml.ops import apply_to_data

        ops, parts = plan_set(pipe, data, assignments, today, new_keys)
        if ops:  # dates that contradict each other: refused when this edit makes them (old ones may stay)
            before = date_contradictions(data, pipe.playbook)
            made = [msg for rule, (_, msg, _) in date_contradictions(apply_to_data(data, ops), pipe.playbook).items()
                    if rule not in before]
            if made:
                raise BadInput("not set: " + "; and ".join(made))
        return ops, parts

    return update_lead(pipe, lead_id, planner, "set", expect_bytes=expect_bytes)


# --- rm -------------------------------------------------------------------------------------------

def remove_lead(pipe: Pipeline, lead_id: str) -> Change:
    """Delete a lead's file as one commit ("please forget me"); `undo` brings it back. A file that does not
    parse can be removed too: it is named by its id, not read."""
    path = pipe.lead_path(lead_id)
    if not path.exists():
        raise BadInput(f"no lead {visible(lead_id)!r} (no file leads/{lead_id}.yaml)")
    repo = GitRepo(pipe.root)
    repo.require_identity()
    with repo.write_lock():
        lead = pipe.read(lead_id)
        name = lead.name if not lead.broken else lead_id
        raw = path.read_bytes()
        tracked = repo.is_tracked(path)
        path.unlink()
        try:
            if tracked:
                sha = repo.commit([path], f"{lead_id}: removed lead {shown(name, limit=40)}", "rm")
            else:
                sha = None  # never committed: removing the file is all there is
        except BaseException as exc:
            put_back(repo, path, raw, exc, lead.path)
            raise
    return Change(lead_id, f"removed lead {shown(name, limit=40)}" + ("" if sha else " (it was never committed)"), sha)


# --- activities -----------------------------------------------------------------------------------
