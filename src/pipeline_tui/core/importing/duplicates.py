"""Duplicates in an import: among its rows and against the pipeline's leads (by id, CRM id, email, folded
name and company), and what merging a row into the lead it duplicates writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pipeline_tui.core.importing import values
from pipeline_tui.core.importing.plan import Plan, RowResult
from pipeline_tui.core.model.pipeline import Pipeline


def dup_keys(data: dict, lead_id: str = "") -> list[tuple]:
    keys: list[tuple] = []
    if lead_id:
        keys.append(("id", lead_id))
    crm = str(data.get("crm_id") or "").strip()
    if crm:
        keys.append(("crm id", crm))
    email = str(data.get("email") or "").strip().casefold()
    if email:
        keys.append(("email", email))
    name = values.fold_name(str(data.get("name") or ""))
    if name:
        keys.append(("name and company", name, values.fold_company(str(data.get("company") or ""))))
    return keys


def mark_duplicates(pipe: Pipeline, plan: Plan, rows: list[RowResult], today: dt.date) -> None:
    """A row matching a lead (by id, CRM id, email, or name and company folded) or an earlier row."""
    existing: dict[tuple, str] = {}
    for lead in pipe.leads():
        if not lead.broken:
            for k in dup_keys(lead.data, lead.id):
                existing.setdefault(k, lead.id)
    seen: dict[tuple, RowResult] = {}
    for r in rows:
        if r.status not in ("new",):
            continue
        keys = dup_keys(r.data, r.lead_id)
        if plan.own_format and r.lead_id:  # our own export: its ids say which lead a row is
            keys = [("id", r.lead_id)]
        match = next(((k, existing[k]) for k in keys if k in existing), None)
        earlier = next((seen[k] for k in keys if k in seen), None)
        if match is not None:
            (kind, *_), lead_id = match
            r.lead_id = lead_id
            r.status, r.reason = "duplicate", f"same {kind} as {lead_id}; skipped"
            if plan.duplicates == "merge":
                ops = merge_ops(pipe.read(lead_id).data, r.data, plan, r.row, today)
                if ops:
                    r.status, r.reason = "merge", f"same {kind} as {lead_id}; " + ops[-1].value["text"].split(": ", 1)[1]
                else:
                    r.reason = f"same {kind} as {lead_id}; nothing new"
        elif earlier is not None:
            r.status, r.reason = "duplicate", f"same person as row {earlier.row} of this file; skipped"
            if plan.duplicates == "merge":  # into the lead the earlier row makes, before it is written
                from pipeline_tui.core.yaml.ops import apply_to_data

                ops = merge_ops(earlier.data, r.data, plan, r.row, today)
                if ops:
                    earlier.data, earlier.text = apply_to_data(earlier.data, ops), ""
                    r.reason = (f"same person as row {earlier.row} of this file; merged into it: "
                                + ops[-1].value["text"].split(": ", 1)[1])
        else:
            for k in keys:
                seen.setdefault(k, r)


def _said(value: Any) -> str:
    """A value as the log says it: 'text', 2026-01-02, 5000, ["a", "b"]."""
    from pipeline_tui.core.yaml.reader import plain_data

    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return json.dumps(plain_data(value), ensure_ascii=False, default=str)


def merge_ops(old: dict, new: dict, plan: Plan, row: int, today: dt.date) -> list:
    """Fill in what the existing lead lacks; never overwrite; the row's notes join the log, and a value
    that differs from the lead's is written into the log with where it came from. Nothing of the row is lost."""
    from pipeline_tui.core.yaml.ops import Op

    ops, filled, differ = [], [], []
    for k, v in new.items():
        if k in ("log", "created", "closed"):
            continue
        if isinstance(v, dict) and isinstance(old.get(k), dict):
            for sub, sv in v.items():
                if old[k].get(sub) in (None, ""):
                    ops.append(Op("set", (k, sub), sv))
                    filled.append(f"{k}.{sub}")
                elif old[k].get(sub) != sv:
                    differ.append(f"{k}.{sub} {_said(sv)} (the lead has {_said(old[k][sub])})")
        elif old.get(k) in (None, "", []):
            ops.append(Op("set", (k,), v))
            filled.append(k)
        elif old.get(k) != v:
            differ.append(f"{k} {_said(v)} (the lead has {_said(old[k])})")
    for entry in new.get("log", []):
        ops.append(Op("append", ("log",), entry))
    said = []
    if filled:
        said.append("filled in " + ", ".join(filled))
    if any(o.path == ("log",) for o in ops):
        said.append(f"{sum(1 for o in ops if o.path == ('log',))} log entr(ies) added")
    if differ:
        said.append("the file differs: " + "; ".join(differ))
    if said:
        ops.append(Op("append", ("log",), {"date": today, "kind": "note",
                                           "text": f"Imported again from {Path(plan.path).name} row {row}: "
                                                   + "; ".join(said)}))
    return ops
