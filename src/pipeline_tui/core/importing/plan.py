"""What an import will do before it does it: the column mapping, each row's result, and the plan that
`apply_import` writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.importing.crm import (
    column_field,
)
from pipeline_tui.core.importing.table import norm
from pipeline_tui.core.importing.values import parse_when  # noqa: F401 - part of this module's API


@dataclass
class Mapping:
    """How columns and values map to the playbook; built from defaults, a mapping file and flags."""

    columns: dict[str, str] = field(default_factory=dict)  # header as in the file -> field (or "" to drop it)
    sources: dict[str, str] = field(default_factory=dict)  # normalised CRM value -> playbook source
    stages: dict[str, str] = field(default_factory=dict)  # normalised CRM value -> playbook stage
    owners: dict[str, str] = field(default_factory=dict)  # normalised CRM owner -> team member
    default_source: str | None = None
    default_owner: str | None = None
    default_stage: str | None = None
    day_first: bool | None = None  # dates like 01/11/2026: None = work it out from the column

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        m = cls()
        if path is None:
            return m
        from pipeline_tui.core.yaml import reader as yamlio

        try:
            data = yamlio.loads_bytes(Path(path).read_bytes())
        except OSError as exc:
            raise BadInput(f"cannot read the mapping file: {exc.strerror}", path=str(path)) from None
        if not isinstance(data, dict):
            raise BadInput("a mapping file is a mapping: columns:, sources:, stages:, owners:, defaults:",
                           path=str(path))
        for section in ("columns", "sources", "stages", "owners"):
            conf = data.get(section) or {}
            if not isinstance(conf, dict):
                raise BadInput(f"{section}: must map names to names", path=str(path))
            target = getattr(m, section)
            for k, v in conf.items():
                target[str(k) if section == "columns" else norm(k)] = "" if v is None else str(v)
        defaults = data.get("defaults") or {}
        if isinstance(defaults, dict):
            m.default_source = defaults.get("source") or m.default_source
            m.default_owner = defaults.get("owner") or m.default_owner
            m.default_stage = defaults.get("stage") or m.default_stage
            if "day_first" in defaults:
                m.day_first = bool(defaults["day_first"])
        return m

    def add_flags(self, columns=(), sources=(), stages=(), owners=()) -> None:  # noqa: ANN001
        for items, target, key_norm in ((columns, self.columns, False), (sources, self.sources, True),
                                        (stages, self.stages, True), (owners, self.owners, True)):
            for item in items:
                left, sep, right = item.rpartition("=")
                if not sep or not left.strip():
                    raise BadInput(f"{item!r}: write NAME=VALUE, for example 'Lead Source=source' or 'Web=inbound-web'")
                target[norm(left) if key_norm else left.strip()] = right.strip()


@dataclass
class RowResult:
    row: int
    status: str  # new | duplicate | merge | error | skipped
    reason: str = ""
    data: dict = field(default_factory=dict)
    lead_id: str = ""  # the new id, or the existing lead a duplicate matches
    dropped: list[str] = field(default_factory=list)  # cells not used in their field (kept under extra:)
    text: str = ""  # the lead's YAML, once written and read back as `data` in the plan

    def as_json(self) -> dict:
        from pipeline_tui.core.yaml.reader import plain_data

        return {"row": self.row, "status": self.status, "reason": self.reason, "lead": self.lead_id or None,
                "name": self.data.get("name"), "dropped": self.dropped} | (
            {"data": plain_data(self.data)} if self.status == "new" else {})


@dataclass
class Plan:
    path: str
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header -> field
    ignored: list[str] = field(default_factory=list)  # dropped on the person's word (--map-column 'X=')
    kept: list[str] = field(default_factory=list)  # columns with no field: their values go under extra:
    source_values: dict[str, tuple[str, int]] = field(default_factory=dict)  # value -> (source, rows)
    stage_values: dict[str, tuple[str, int]] = field(default_factory=dict)
    rows: list[RowResult] = field(default_factory=list)
    duplicates: str = "skip"
    notes: list[str] = field(default_factory=list)
    own_format: bool = False  # written by `pipeline export`: every column is its key, cells typed values

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def as_json(self) -> dict:
        return {
            "file": self.path, "encoding": self.encoding, "delimiter": self.delimiter,
            "columns": self.columns, "ignored_columns": self.ignored, "kept_columns": self.kept,
            "sources": {k: {"source": v, "rows": n} for k, (v, n) in self.source_values.items()},
            "stages": {k: {"stage": v, "rows": n} for k, (v, n) in self.stage_values.items()},
            "new": self.count("new"), "duplicates": self.count("duplicate"), "merged": self.count("merge"),
            "errors": self.count("error"), "skipped": self.count("skipped"), "notes": self.notes,
            "rows": [r.as_json() for r in self.rows],
        }


def map_columns(header: list[str], mapping: Mapping) -> tuple[dict[str, str], list[str], list[str]]:
    """(header -> field, headers dropped on the person's word, headers kept under extra:)."""
    close_style = any(norm(h) == "primary contact name" for h in header)
    out: dict[str, str] = {}
    ignored, kept = [], []
    for h in header:
        explicit = mapping.columns.get(h, mapping.columns.get(norm(h)))
        if explicit is not None:
            key = explicit
        else:
            key = column_field(h, close_style)
        if key:
            out[h] = key
        elif explicit == "":
            ignored.append(h)
        elif h:
            kept.append(h)
    return out, ignored, kept
