"""What a person does to a pipeline: init, add, set fields, log an activity, undo. Each is one commit.

Every operation validates first, writes nothing on bad input, writes atomically under the write
lock, and commits through git; if the commit fails the file is put back as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_tui.core import faults
from pipeline_tui.core.dates import DATE_HELP, parse_date_input, parse_datetime_input
from pipeline_tui.core.errors import BadInput, RepoUnusable, YamlProblem
from pipeline_tui.core.git.repo import IDENTITY_HELP, GitRepo
from pipeline_tui.core.model.lead import EMAIL_RE, multiline_path, new_id
from pipeline_tui.core.model.pipeline import Op, Pipeline, atomic_write, verified_edit
from pipeline_tui.core.model.playbook import (
    AUTHORITY,
    FIT,
    HORIZONS,
    INIT_TEXT,
    INTEREST,
    ORIGINS,
    PLAYBOOK_FILE,
)
from pipeline_tui.core.safetext import check_text, visible, walk_strings
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.edit import render_mapping

MERGE_DRIVER = "pipeline-lead"
GITATTRIBUTES = (f"# Lead files and the playbook merge field by field (pipeline-tui's YAML merge driver).\n"
                 f"leads/*.yaml merge={MERGE_DRIVER}\npipeline.yaml merge={MERGE_DRIVER}\n")
KEY_PART_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
TEXT_KEYS = {"name", "company", "title", "email", "phone", "owner", "source_detail", "next.action", "qualification.pain"}
DATE_KEYS = {"created", "closed", "next.due"}
REQUIRED_KEYS = {"name", "source", "created"}
READ_ONLY = {"id", "path", "log"}


@dataclass
class Change:
    """The outcome of a write: which lead, what changed, the commit (None when nothing changed)."""

    lead_id: str
    summary: str
    commit: str | None
    changed: list[str] = field(default_factory=list)


# --- init -----------------------------------------------------------------------------------------

# When the driver cannot run (its program gone, a crash: exit 2 or more; 1 means conflicts recorded in the
# file), git's own line merge writes its diff3 markers instead of leaving our side alone, which `git add`
# would commit as if theirs never happened; `pipeline resolve` later merges such a file field by field.
DRIVER_FALLBACK = "; s=$?; [ $s -le 1 ] && exit $s; git merge-file --diff3 -L ours -L base -L theirs %A %O %B"


def driver_command() -> str:
    """How git runs the merge driver: by the command's name when the `pipeline` on PATH is this very
    installation (it survives a recreated virtual environment), else by this Python's path; with git's
    line merge as the fallback (DRIVER_FALLBACK)."""
    return _driver_program() + DRIVER_FALLBACK


def _driver_program() -> str:
    import shutil

    found = shutil.which("pipeline")
    if found:
        try:
            first = Path(found).read_bytes()[:512].split(b"\n", 1)[0].decode("utf-8", "replace")
        except OSError:
            first = ""
        shebang = first[2:].strip().split()[0] if first.startswith("#!") and first[2:].strip() else ""
        if shebang and Path(os.path.abspath(shebang)).parent == Path(os.path.abspath(sys.executable)).parent:
            return "pipeline merge-driver %O %A %B %P"
    return f"{shlex.quote(sys.executable)} -m pipeline_tui merge-driver %O %A %B %P"


def merge_driver_problem(repo: GitRepo) -> str | None:
    """Why git would not run the merge driver in this clone (not registered, or its program is gone)."""
    registered = repo.run("config", "--get", f"merge.{MERGE_DRIVER}.driver", check=False).strip()
    if not registered:
        return ("the YAML merge driver is not registered in this clone, so a plain git pull merges lead files "
                "line by line: run pipeline sync once (it registers it)")
    program = shlex.split(registered)[0] if registered else ""
    import shutil

    if not (shutil.which(program) or Path(program).is_file()):
        return (f"the registered YAML merge driver's program is gone ({program}; a recreated virtual "
                "environment?): run pipeline sync once (it registers it again)")
    return None


def configure_merge_driver(repo: GitRepo) -> None:
    driver = driver_command()
    if repo.run("config", "--get", f"merge.{MERGE_DRIVER}.driver", check=False) == driver:
        return
    repo.run("config", f"merge.{MERGE_DRIVER}.name", "pipeline-tui field-wise YAML merge for lead files")
    repo.run("config", f"merge.{MERGE_DRIVER}.driver", driver)


def _identity_outside_repo(cwd: Path) -> str | None:
    try:
        for var in ("GIT_COMMITTER_IDENT", "GIT_AUTHOR_IDENT"):
            subprocess.run(["git", "var", var], cwd=cwd, check=True, capture_output=True)
    except FileNotFoundError:
        raise RepoUnusable("git is not installed or not on PATH; install git and try again") from None
    except subprocess.CalledProcessError:
        return IDENTITY_HELP
    return None


def _interrupted_init(path: Path, playbook_text: str) -> bool:
    """An init killed before its commit: the playbook it writes is there, byte for byte, and git has never
    committed it. Then init simply runs again (a playbook a person wrote is never overwritten)."""
    try:
        if (path / PLAYBOOK_FILE).read_text(encoding="utf-8") != playbook_text:
            return False
        repo = GitRepo(path)
    except (OSError, UnicodeDecodeError, RepoUnusable):
        return False
    return not repo.run("ls-tree", "--name-only", "HEAD", "--", repo.rel(path / PLAYBOOK_FILE), check=False).strip()


def init_pipeline(path: Path, playbook_text: str = INIT_TEXT, message: str = "init pipeline",
                  need_identity: bool = True) -> Pipeline:
    """New pipeline at path: git init if needed, playbook, leads/, .gitattributes, merge driver, commit."""
    path = Path(path).expanduser()
    for parent in path.absolute().parents:  # a pipeline inside another's leads/ would be read as its leads
        if parent.name == "leads" and (parent.parent / PLAYBOOK_FILE).exists():
            raise BadInput(f"{path} is inside the leads folder of the pipeline {parent.parent}; choose another place")
    if (path / PLAYBOOK_FILE).exists() and not _interrupted_init(path, playbook_text):
        raise BadInput(f"{path} is already a pipeline ({PLAYBOOK_FILE} exists)")
    if path.exists() and not path.is_dir():
        raise BadInput(f"{path} exists and is not a folder")
    existing = path if path.exists() else next(p for p in path.parents if p.exists())
    if need_identity:
        problem = _identity_outside_repo(existing)
        if problem:
            raise RepoUnusable(problem)
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo.init(path)
    pipe = Pipeline(path)
    made_leads = not pipe.leads_dir.exists()
    pipe.leads_dir.mkdir(exist_ok=True)
    keep = pipe.leads_dir / ".gitkeep"
    made_keep = not keep.exists()
    keep.touch()
    attrs = path / ".gitattributes"
    attrs_before = attrs.read_bytes() if attrs.exists() else None
    try:
        (path / PLAYBOOK_FILE).write_text(playbook_text, encoding="utf-8")
        if attrs_before is None or MERGE_DRIVER.encode() not in attrs_before:
            with attrs.open("a", encoding="utf-8") as fh:
                fh.write(GITATTRIBUTES)
        configure_merge_driver(repo)
        if repo.shared_mode():  # a team's repository: every member writes lead files (a temp file, a rename)
            with contextlib.suppress(OSError):
                pipe.leads_dir.chmod(0o2775)
        files = [path / PLAYBOOK_FILE, attrs, keep]
        faults.point("init-written")
        repo.commit(files, message, "init", new_paths=files)
    except BaseException:  # git refused (a signing key missing, a hook): leave nothing half made behind
        for f in (path / PLAYBOOK_FILE, attrs, keep):
            repo.unstage(f)
        (path / PLAYBOOK_FILE).unlink(missing_ok=True)
        if attrs_before is None:
            attrs.unlink(missing_ok=True)
        else:
            attrs.write_bytes(attrs_before)
        if made_keep:
            keep.unlink(missing_ok=True)
        if made_leads:
            with contextlib.suppress(OSError):
                pipe.leads_dir.rmdir()
        raise
    return pipe


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
            _put_back(repo, path, None, exc, pipe.rel(path))
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


def _get(data: dict, path: tuple[str, ...]) -> Any:
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


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "[]"
    elif isinstance(value, dict):
        text = "{...}"
    else:
        text = str(value.isoformat() if isinstance(value, dt.date) else value)
    text = visible(text)  # a commit message is shown by git and by `pipeline log`: text only
    return text if len(text) <= 40 else text[:37] + "..."


NESTED_KEYS = {"next": ("action", "due"), "qualification": ("interest", "authority", "fit", "pain")}


def check_key(path: tuple[str, ...], data: dict, pb, new_keys: bool = False) -> None:  # noqa: ANN001
    """A key `set` may write: the tool's, the playbook's `custom_keys`, one the lead already has, or any with
    `new_keys` (`--new-key`). Anything else is a typo until said otherwise (`stgae=won` never becomes data)."""
    import difflib

    from pipeline_tui.core.model.lead import KNOWN_KEYS

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
        old = _get(data, path)
        if op == "=" and raw.strip() == "":
            if path[0] in REQUIRED_KEYS and len(path) == 1:
                raise BadInput(f"{key} is required and cannot be removed")
            if old is not None or _get(data, path) is not None:
                ops.append(Op("delete", path))
                parts.append(f"{key} {_show(old)} -> (none)")
            continue
        if op in ("+=", "-="):
            if key != "tags" and not isinstance(old, list):
                raise BadInput(f"{key}{op}: only lists (like tags) can be added to or removed from")
            for item in [t.strip() for t in raw.split(",") if t.strip()]:
                if op == "+=":
                    if not (isinstance(old, list) and item in [str(x) for x in old]):
                        ops.append(Op("append", path, item))
                        parts.append(f"{key} +{_show(item)}")
                elif isinstance(old, list) and item in [str(x) for x in old]:
                    ops.append(Op("remove", path, item))
                    parts.append(f"{key} -{_show(item)}")
            continue
        new = typed_value(pipe, path, raw, today)
        if new == old and type(new) is type(old):
            continue
        ops.append(Op("set", path, new))
        parts.append(f"{key} {_show(old)} -> {_show(new)}")
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
        from pipeline_tui.core.model.lead import date_contradictions
        from pipeline_tui.core.model.pipeline import apply_to_data

        ops, parts = plan_set(pipe, data, assignments, today, new_keys)
        if ops:  # dates that contradict each other: refused when this edit makes them (old ones may stay)
            before = date_contradictions(data, pipe.playbook)
            made = [msg for rule, (_, msg, _) in date_contradictions(apply_to_data(data, ops), pipe.playbook).items()
                    if rule not in before]
            if made:
                raise BadInput("not set: " + "; and ".join(made))
        return ops, parts

    return update_lead(pipe, lead_id, planner, "set", expect_bytes=expect_bytes)


def update_text_ops(pipe: Pipeline, lead, raw: bytes, ops: list[Op]) -> bytes | None:  # noqa: ANN001
    """The file's new bytes after ops (verified to read back as intended), or None if nothing changes."""
    if not ops:
        return None
    new_text, _ = verified_edit(yamlio.decode(raw), lead.data, ops, lead.path)
    new_bytes = pipe.encode(new_text, raw)
    return None if new_bytes == raw else new_bytes


def update_lead(pipe: Pipeline, lead_id: str, planner, action: str, expect_bytes: bytes | None = None) -> Change:  # noqa: ANN001
    """Run `planner(data) -> (ops, message parts)` against the current file under the write lock."""
    pipe.lead_path(lead_id)  # validates the id before touching git
    repo = GitRepo(pipe.root)
    with repo.write_lock():
        lead, raw = pipe.read_raw(lead_id)
        if expect_bytes is not None and raw != expect_bytes:
            raise BadInput("the file changed on disk since it was opened; reload and try again", path=lead.path)
        ops, parts = planner(lead.data)
        if not ops:
            return Change(lead_id, "nothing changed", None)
        new_bytes = update_text_ops(pipe, lead, raw, ops)
        if new_bytes is None:
            return Change(lead_id, "nothing changed", None)
        path = pipe.write_lead(lead_id, new_bytes)
        message = f"{lead_id}: " + ", ".join(parts)
        try:
            sha = repo.commit([path], message, action)
        except BaseException as exc:
            _put_back(repo, path, raw, exc, lead.path)
            raise
    return Change(lead_id, ", ".join(parts), sha, [".".join(o.path) for o in ops])


def _put_back(repo: GitRepo, path: Path, raw: bytes | None, exc: BaseException, rel: str) -> None:
    """After a failed commit of one file: the file as it was (`raw`; None: it was new, so removed) and out of
    git's index. Returns when both worked (the caller re-raises); otherwise, as on a full disk that refuses
    even the old bytes, raises one RepoUnusable saying exactly where things are and what to run."""
    restored, why_not = True, ""
    try:
        if raw is None:
            path.unlink(missing_ok=True)  # a removal frees the room git may need to unstage it
        else:
            atomic_write(path, raw)
    except OSError as again:
        restored, why_not = False, again.strerror or str(again)
    unstaged = repo.unstage(path)
    if restored and unstaged:
        return
    said = exc.message if isinstance(exc, RepoUnusable) else f"{type(exc).__name__}: {exc}"
    if not restored:
        said += f"; putting the file back failed too ({why_not}): {rel} holds your change, not committed"
    if not unstaged:
        said += f"; git's index still holds the change (git reset -q -- {rel} drops it from there)"
    tail = (f". Free some space, then commit it (pipeline sync --commit) or drop it (git checkout HEAD -- {rel})"
            if raw is not None else ". Free some space and run that")
    raise RepoUnusable(said + tail, path=rel) from None


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
                sha = repo.commit([path], f"{lead_id}: removed lead {_show(name)}", "rm")
            else:
                sha = None  # never committed: removing the file is all there is
        except BaseException as exc:
            _put_back(repo, path, raw, exc, lead.path)
            raise
    return Change(lead_id, f"removed lead {_show(name)}" + ("" if sha else " (it was never committed)"), sha)


# --- activities -----------------------------------------------------------------------------------

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
        parts = [f"logged {kind}" + (f": {_show(text.strip())}" if text.strip() else "")]
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
        parts = [f"done {_show(done) if done else '(no next action)'}"]
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
        new_due = next((op.value for op in more if op.path == ("next", "due")), _get(data, ("next", "due")))
        parts.append(f"next: {_show(action)} on {_show(new_due)}")
        return ops, parts

    return update_lead(pipe, lead_id, planner, "done", expect_bytes=expect_bytes)


# --- undo -----------------------------------------------------------------------------------------

def undo_last(pipe: Pipeline) -> Change:
    """Revert this person's newest change in this pipeline (core.undo says how, and what it refuses)."""
    from pipeline_tui.core.changes.undo import undo_last as undo

    return undo(pipe)


def redo_last(pipe: Pipeline) -> Change:
    """Revert the newest undo not redone yet (before any new change)."""
    from pipeline_tui.core.changes.undo import redo_last as redo

    return redo(pipe)

