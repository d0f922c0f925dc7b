"""The pipeline folder: finding it, reading its lead files into Leads, and writing a lead's edits.

Reading goes through the fast safe reader (`core.yaml.reader`); writing goes through surgical text edits
(`core.yaml.ops.verified_edit`) whose result is re-read and compared with the intended data before
anything is written, then `core.storage.files.atomic_write` (temp file + fsync + rename). Ids are validated and paths are checked to stay
inside `leads/`, so no id can reach outside the pipeline.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from pipeline_tui.core import faults
from pipeline_tui.core.errors import BadInput, PipelineError, RepoUnusable, YamlProblem
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.playbook_file import load_playbook
from pipeline_tui.core.model.rules import valid_id
from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE
from pipeline_tui.core.safetext import visible
from pipeline_tui.core.storage.files import (
    MAX_BYTES,
    NotRegularFile,
    Stamp,
    atomic_write,
    describe_error,
    read_limited,
    stamp_of,
)
from pipeline_tui.core.yaml.problems import Problem, line_of

LEADS_DIR = "leads"
BOM = "\ufeff"


def find_pipeline(explicit: str | None, env: dict[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """-C PATH, else $PIPELINE_DIR, else the nearest folder upward holding pipeline.yaml; None if none."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).expanduser().resolve()
    if env.get("PIPELINE_DIR"):
        return Path(env["PIPELINE_DIR"]).expanduser().resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PLAYBOOK_FILE).is_file():
            return folder
    return None


def default_pipeline_dir() -> Path:
    """The user's own pipeline in the platform's data folder."""
    from platformdirs import user_data_path

    return user_data_path("pipeline-tui", appauthor=False) / "pipeline"


class Pipeline:
    """A pipeline folder: `pipeline.yaml` and `leads/`."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.leads_dir = self.root / LEADS_DIR
        self._playbook: Playbook | None = None

    @classmethod
    def open(cls, root: Path) -> Pipeline:
        root = Path(root)
        playbook = root / PLAYBOOK_FILE
        if not os.path.lexists(playbook):  # a FIFO or a huge file is a playbook problem, said where it is
            raise RepoUnusable(f"{visible(str(root))} is not a pipeline (no {PLAYBOOK_FILE}); "
                               f"run `pipeline init {visible(str(root))}`")
        pipe = cls(root)
        pipe.refuse_links()
        return pipe

    def refuse_links(self) -> None:
        """A pipeline's own files stay inside it: `pipeline.yaml` and `leads/` as symbolic links (a teammate
        can push one) would make every read and write reach wherever they point. Exit 3 naming the link."""
        for name in (PLAYBOOK_FILE, LEADS_DIR):
            path = self.root / name
            if path.is_symlink():
                try:
                    target = os.readlink(path)
                except OSError:
                    target = "?"
                kind = "folder" if name == LEADS_DIR else "file"
                raise RepoUnusable(f"{name} is a symbolic link (to {visible(target)}); a pipeline's {name} must be a "
                                   f"real {kind} inside it, so nothing is read or written through it. If it came in "
                                   f"with a pull, see `git log -- {name}`; replace the link with the {kind}",
                                   path=name)

    @property
    def playbook(self) -> Playbook:
        if self._playbook is None:
            self._playbook = load_playbook(self.root)
        return self._playbook

    def reload_playbook(self) -> None:
        self._playbook = None

    # --- paths ---
    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def lead_path(self, lead_id: str) -> Path:
        """The file of a lead id; refuses ids that are not ids (and so can never leave leads/)."""
        if not isinstance(lead_id, str) or not valid_id(lead_id):
            shown = visible(repr(lead_id)[:90])
            raise BadInput(f"{shown} is not a lead id (lowercase letters, digits and -, starting with a letter or digit)")
        path = self.leads_dir / f"{lead_id}.yaml"
        if path.is_symlink():
            raise BadInput(f"{LEADS_DIR}/{lead_id}.yaml is a symbolic link; lead files must be regular files")
        return path

    # --- reading ---
    def lead_ids(self) -> list[str]:
        try:
            names = os.listdir(self.leads_dir)
        except FileNotFoundError:
            return []
        return sorted(n[:-5] for n in names if n.endswith(".yaml") and not n.startswith("."))

    def _lead_from_file(self, lead_id: str, path: Path) -> tuple[Lead, bytes | None]:
        rel = f"{LEADS_DIR}/{path.name}"
        pb = self.playbook
        try:
            raw = read_limited(path, MAX_BYTES)
        except FileNotFoundError:
            raise BadInput(f"no lead {visible(lead_id)!r} (no file {visible(rel)})") from None
        except NotRegularFile as exc:
            return Lead(lead_id, rel, None, pb, broken=f"{describe_error(exc)}; lead files must be regular files"), None
        except OSError as exc:
            return Lead(lead_id, rel, None, pb, broken=describe_error(exc), broken_line=1), None
        try:
            from pipeline_tui.core.yaml import reader as yamlio

            data = yamlio.loads_bytes(raw)
        except YamlProblem as exc:
            if raw.startswith(b"<<<<<<<") or b"\n<<<<<<<" in raw:  # git's line merge ran (no merge driver)
                line = raw[: raw.find(b"<<<<<<<")].count(b"\n") + 1
                return Lead(lead_id, rel, None, pb, broken=f"git left conflict markers here; pipeline resolve "
                            f"{lead_id} merges the two versions field by field", broken_line=line), raw
            return Lead(lead_id, rel, None, pb, broken=exc.message, broken_line=exc.line), raw
        try:
            return Lead(lead_id, rel, data, pb), raw
        except Exception as exc:  # noqa: BLE001 - one strange file must never stop the others
            return Lead(lead_id, rel, None, pb, broken=f"cannot be read as a lead ({type(exc).__name__}: {exc})"), raw

    def read(self, lead_id: str) -> Lead:
        lead, _ = self._lead_from_file(lead_id, self.lead_path(lead_id))
        return lead

    def read_raw(self, lead_id: str) -> tuple[Lead, bytes]:
        path = self.lead_path(lead_id)
        lead, raw = self._lead_from_file(lead_id, path)
        if lead.broken:
            line = next((k[0] for k, _, _ in lead.problems if k and isinstance(k[0], int)), None)
            raise BadInput(f"cannot change this lead: {lead.broken}; fix the file first", path=lead.path, line=line)
        if "merge_conflicts" in lead.data:  # (merge.RECORD_KEY) a merge's two values wait for a person
            from pipeline_tui.core.model.rules import refusal

            raise BadInput(f"cannot change this lead: {refusal(lead_id, lead.data['merge_conflicts'])}",
                           path=lead.path)
        assert raw is not None
        return lead, raw

    def scan(self) -> dict[str, Stamp | None]:
        """Lead id -> stamp (`stamp_of`) of every lead file, in id order; None for a link, FIFO or directory.

        The stamps are what the cache is keyed by and what the UI compares to notice changed files.
        """
        stamps: dict[str, Stamp | None] = {}
        try:
            entries = list(os.scandir(self.leads_dir))
        except FileNotFoundError:
            return stamps
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            if not name.endswith(".yaml") or name.startswith("."):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            # no stamp (never cached) for a link, FIFO or folder: reading it says what it is
            stamps[name[:-5]] = stamp_of(st) if stat.S_ISREG(st.st_mode) else None
        return stamps

    def leads(self, use_cache: bool = True, stamps: dict[str, Stamp | None] | None = None) -> list[Lead]:
        """Every lead file, broken ones included (as Leads with `broken` set).

        Parsed data is cached by (name, mtime, size): a file changed by an editor or a pull has a new
        stamp and is parsed again, so the cache is never the truth, only a copy. `stamps` is a `scan()`
        the caller already made.
        """
        from pipeline_tui.core.model.leadcache import LeadCache

        cache = LeadCache.for_pipeline(self.root) if use_cache else None
        pb = self.playbook
        sig = pb.signature
        out = []

        def loader(lead_id: str) -> Any:
            """A cached lead's data: from the cache's data file, else (missing, corrupt) its file."""
            data = cache.data_for(lead_id) if cache is not None else None
            if data is None:
                try:
                    data = self._lead_from_file(lead_id, self.leads_dir / f"{lead_id}.yaml")[0].data
                except PipelineError:  # deleted since the listing: nothing to show
                    data = {}
            return data

        for lead_id, stamp in (self.scan() if stamps is None else stamps).items():
            name = f"{lead_id}.yaml"
            hit = cache.get(name, stamp, sig) if cache is not None and stamp is not None else None
            if hit is not None:
                data, derived, text = hit
                if derived is not None:
                    out.append(Lead.restore(lead_id, f"{LEADS_DIR}/{name}", data, pb, derived, text, loader))
                else:  # parsed before, under another playbook: work the fields out again
                    lead = Lead(lead_id, f"{LEADS_DIR}/{name}", data, pb)
                    if not lead.broken:
                        cache.put(name, stamp, data, sig, lead.derived(), lead.record_json())
                    out.append(lead)
                continue
            lead, raw = self._lead_from_file(lead_id, self.leads_dir / name)
            if cache is not None and stamp is not None and raw is not None and not lead.broken:
                cache.put(name, stamp, lead.data, sig, lead.derived(), lead.record_json(), raw=raw)
            out.append(lead)
        if cache is not None:
            cache.save()
            cache.release_index()  # the leads hold what they need; the loader keeps only the data side
        return out

    def problems_of(self, lead: Lead) -> list[Problem]:
        """A lead's problems at their `path:line` (reads the text only when there are any)."""
        if not lead.problems:
            return []
        text = None
        out = []
        for keys, msg, sev in lead.problems:
            if keys and isinstance(keys[0], int) and lead.broken:
                line = keys[0]
            elif not keys:
                line = 1
            else:
                if text is None:
                    try:
                        from pipeline_tui.core.yaml import reader as yamlio

                        text = yamlio.decode(read_limited(self.root / lead.path, MAX_BYTES))
                    except (OSError, YamlProblem):
                        text = ""
                line = line_of(text, keys)
            out.append(Problem(lead.path, line, msg, sev))
        return out

    # --- writing ---
    def encode(self, text: str, original: bytes | None) -> bytes:
        bom = original is not None and original.startswith(b"\xef\xbb\xbf")
        return ((BOM if bom else "") + text).encode("utf-8")

    def write_lead(self, lead_id: str, new_bytes: bytes, new_mode: int | None = None) -> Path:
        self.leads_dir.mkdir(exist_ok=True)
        self.refuse_links()  # checked again right before writing: never write through a link
        path = self.lead_path(lead_id)
        try:
            atomic_write(path, new_bytes, new_mode)
        except OSError as exc:  # a full disk, a read-only folder: the old file is untouched (temp, then rename)
            raise RepoUnusable(f"cannot write {LEADS_DIR}/{path.name}: {exc.strerror or exc}; nothing was changed",
                               path=f"{LEADS_DIR}/{path.name}") from None
        faults.point("renamed")
        return path
