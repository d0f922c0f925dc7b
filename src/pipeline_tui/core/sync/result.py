"""What `pipeline sync` reports: what came in and went out, the fields changed differently on both sides (each
with both values and how to choose), and the choices a person gives back (`--resolve`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.safetext import shown


class SyncConflict(RepoUnusable):
    """Fields changed differently on both sides: a person must choose (exit 3)."""

    def __init__(self, conflicts: list[dict], remote: str):
        self.conflicts = conflicts
        self.remote = remote
        n = len(conflicts)
        super().__init__(f"sync stopped: {n} field(s) changed differently here and on {remote}; nothing was "
                         "changed here. Choose with --resolve ID.key=ours|theirs and sync again")

    def lines(self) -> list[str]:
        out = []
        for c in self.conflicts:
            stem = c["path"].rsplit("/", 1)[-1].removesuffix(".yaml")
            if c["key"] == "(file)":
                out.append(f"{c['path']}: {c['ours'] or 'changed on both sides'}; git could not merge it "
                           f"(resolve by hand, or --resolve {stem}=ours|theirs)")
            else:
                out.append(f"{c['path']}: {c['key']}: here {shown(c['ours'], quoted=True)}, on {self.remote} {shown(c['theirs'], quoted=True)} "
                           f"(was {shown(c['base'], quoted=True)}); --resolve {stem}.{c['key']}=ours|theirs")
        return out


@dataclass
class SyncResult:
    remote: str = ""
    branch: str = ""
    incoming: dict[str, dict] = field(default_factory=dict)  # lead id (or "pipeline.yaml") -> authors, subjects
    received: int = 0  # commits that came in
    pushed: int = 0  # commits sent
    committed_edits: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what came in that a person should look at

    def lines(self) -> list[str]:
        out = []
        if self.committed_edits:
            out.append(f"committed {len(self.committed_edits)} hand-edited file(s): {', '.join(self.committed_edits)}")
        if self.received:
            out.append(f"received {self.received} commit(s) from {self.remote}/{self.branch}, "
                       + (f"changing {len(self.incoming)} file(s):" if self.incoming
                          else "none of them changing this pipeline's files"))
            for name, info in sorted(self.incoming.items()):  # every change, oldest first, with who made it
                who = ", ".join(sorted(info["authors"]))
                out.append(f"  {name}  ({who})")
                for author, subject in info.get("changes", []):
                    out.append(f"    {author}: {subject.removeprefix(name + ': ')}")
        else:
            out.append(f"nothing new on {self.remote}/{self.branch}")
        out.append(f"sent {self.pushed} commit(s) to {self.remote}/{self.branch}" if self.pushed
                   else "nothing to send")
        out.extend(f"likely duplicate: {d}" for d in self.duplicates)
        out.extend(f"warning: {w}" for w in self.warnings)
        return out

    def as_json(self) -> dict:
        return {"remote": self.remote, "branch": self.branch, "received": self.received, "pushed": self.pushed,
                "incoming": {k: {"authors": sorted(v["authors"]), "subjects": v["subjects"],
                                 "changes": [{"author": a, "subject": s} for a, s in v.get("changes", [])]}
                             for k, v in self.incoming.items()},
                "committed_edits": self.committed_edits, "duplicates": self.duplicates, "warnings": self.warnings}


def parse_resolutions(items: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`ID.key=ours`, `ID=theirs`, `all=ours` into the driver's {stem: {key | "*": side}}."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        ref, sep, side = item.partition("=")
        side = side.strip().lower()
        if not sep or side not in ("ours", "theirs") or not ref.strip():
            raise BadInput(f"--resolve {item!r}: write ID.key=ours or ID.key=theirs (or ID=..., all=...)")
        ref = ref.strip()
        if ref in ("all", "*"):
            out.setdefault("*", {})["*"] = side
            continue
        stem, _, key = ref.partition(".")
        out.setdefault(stem, {})[key or "*"] = side
    return out
