"""One pipeline holding every hostile case a teammate could push: markup in every field, each escape
family, bidi and zero-width characters, wrong types in every field, extreme playbook numbers, a FIFO
and a huge sparse file among the leads, and commits whose author and message carry escape codes.
Used by the CLI and TUI suites in this folder (SPEC section 6: text is shown, never interpreted).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.model.playbook import INIT_TEXT

# Each escape family a terminal acts on, as YAML double-quoted escapes (the file itself stays printable).
OSC52 = r"\e]52;c;SGVsbG8gZnJvbSBhIGxlYWQ=\e\\"  # writes the clipboard
CLEAR = r"\e[2J\e[H"  # clears the screen
TITLE = r"\e]0;pwned\a"  # sets the window title
C1_CSI = r"\x9b31m"  # an 8-bit CSI
BIDI = r"\u202e"  # right-to-left override
ZW = r"\u200b"  # zero-width space
TAG = r"\U000E0041"  # an invisible tag character
RAW = {  # what those escapes become once read
    "osc52": "\x1b]52;c;SGVsbG8gZnJvbSBhIGxlYWQ=\x1b\\", "clear": "\x1b[2J\x1b[H", "title": "\x1b]0;pwned\x07",
    "c1": "\x9b31m", "bidi": "\u202e", "zw": "\u200b", "tag": "\U000e0041",
}
# Characters that must never reach a terminal as they are.
FORBIDDEN = ("\x1b", "\x9b", "\x07", "\u202e", "\u200b", "\U000e0041")

MARKUP_LEAD = """\
name: Jane [/] Doe
company: Widgets [UK] Ltd
title: Bob [i]talic
email: jane@widgets.example
owner: "[/]"
source: referral
source_detail: "[bold red]not bold[/]"
stage: qualified
horizon: long
qualification:
  interest: meeting
  authority: decision-maker
  fit: strong
  pain: "[link=file:///etc/passwd]click me[/link]"
value: 1200
created: 2026-10-01
next:
  action: "Send [b]proposal[/b] to [/shared/sales]"
  due: 2026-11-20
tags: ["[/]", "q4"]
notes: "[reverse]notes[/reverse] and [/]"
"[custom]": "[/]"
log:
  - {date: 2026-10-02, kind: call, text: "Uploaded the contract to [/shared/sales] as agreed"}
  - {date: 2026-10-03, kind: "[b]", text: "[@click=app.quit]quit[/]"}
"""

ESCAPE_LEAD = f"""\
name: "Eve {OSC52} Mallory"
company: "Evil {CLEAR} Corp"
title: "C1 {C1_CSI} title"
email: "eve{BIDI}@evil.example"
owner: "al{ZW}ice"
source: referral
source_detail: "tag{TAG}smuggled"
stage: proposal
created: 2026-10-05
next:
  action: "Call {TITLE} back"
  due: 2026-11-24
tags: ["{BIDI}gpj.exe"]
"x{CLEAR}key": "value {OSC52}"
log:
  - {{date: 2026-10-06, kind: note, text: "red {CLEAR} text\\nsecond line"}}
"""

# Wrong types in every field: each must be a problem `check` names, never a crash anywhere.
WRONG_TYPES = {
    "stage": "{x: 1}", "source": "[referral]", "origin": "true", "horizon": "5", "value": ".nan",
    "created": "{a: b}", "first_contact": "[1]", "closed": "{y: 2}", "owner": "{x: 1}", "tags": "{a: 1}",
    "next": "[1, 2]", "log": "[1, {date: x}, {date: 2026-11-01, text: [1]}]", "qualification": "{interest: {a: 1}, pain: [1]}",
    "email": "[a@b.c]", "company": "{c: 1}", "title": "12.5", "phone": "5550100",
}

HOSTILE_PLAYBOOK = INIT_TEXT.replace(
    "  negotiation: {limit_days: 21, probability: 0.75, committed: true}\n",
    "  negotiation: {limit_days: 100000000000000000000000, probability: 1e308, committed: true}\n  \"review [/]\": {limit_days: 5}\n",
).replace(
    "  prospecting: {group: prospecting,     origin: seller, close_rate: 0.08, cycle_days: 120}\n",
    "  prospecting: {group: prospecting,     origin: seller, close_rate: 0.08, cycle_days: 120}\n"
    "  \"web [b]eta\": {group: lead-generation, origin: buyer, close_rate: .nan, cycle_days: 1e308}\n",
).replace(
    "  short: {every_days: 3,  action: Follow up}",
    "  short: {every_days: 100000000000000000000,  action: \"Follow [/] up\"}",
).replace("  week_days: 7 ", "  week_days: 1e308 ").replace(
    "  grades: {A: 10, B: 7, C: 4}", "  grades: {A: .inf, B: .nan, C: 4}",
).replace("  max_group_share: 0.6 ", "  max_group_share: -1 ")

IMPORT_CSV = (
    "Name,Email,Company,Lead Source,Notes [/]\r\n"
    "Ann [b]Bold,ann@x.example,Markup [UK] Ltd,Referral,\"[/] closing tag\"\r\n"
    "\"Esc \x1b[2J Clear\",esc@x.example,Esc Co,Referral,\"note \x1b]52;c;QQ==\x07\"\r\n"
    "Bidi Bob,bidi@x.example,\"Bidi \u202e Co\",Referral,ok\r\n"
)


def _git(root: Path, *args: str, env: dict | None = None) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **(env or {})})


def build(base: Path, huge: bool = True) -> Path:
    """The hostile pipeline at base/pipe; returns its root."""
    pipe = init_pipeline(base / "pipe")
    root = pipe.root
    leads = root / "leads"
    (leads / "markup-lead.yaml").write_text(MARKUP_LEAD, encoding="utf-8")
    (leads / "escape-lead.yaml").write_text(ESCAPE_LEAD, encoding="utf-8")
    (leads / "bad-stage.yaml").write_text('name: Stage Markup\nsource: referral\nstage: "x[/]"\ncreated: 2026-11-01\n'
                                          "next: {action: Call, due: 2026-11-25}\n", encoding="utf-8")
    for key, value in WRONG_TYPES.items():
        body = {"name": f"Wrong {key}", "source": "referral", "created": "2026-11-01",
                "next": "{action: Call, due: 2026-11-25}"}
        body[key] = value
        text = "".join(f"{k}: {v}\n" for k, v in body.items())
        (leads / f"wrong-{key.replace('_', '-')}.yaml").write_text(text, encoding="utf-8")
    (root / "pipeline.yaml").write_text(HOSTILE_PLAYBOOK, encoding="utf-8")
    _git(root, "add", "-A")
    # a teammate whose name and commit message carry escape codes and markup
    evil = "\x1b]0;evil\x07Mallory [b]"
    _git(root, "commit", "-q", "-m", "escape-lead: \x1b[2J stage [/] \x1b]52;c;QQ==\x07 changed\n\nPipeline-Action: set",
         env={"GIT_AUTHOR_NAME": evil, "GIT_COMMITTER_NAME": evil})
    # special files no command may hang on or read whole (never committed: git cannot hold them)
    os.mkfifo(leads / "fifo-lead.yaml")
    if huge:
        with open(leads / "huge-lead.yaml", "wb") as fh:
            fh.truncate(3 * 1024**3)  # 3 GB, sparse: costs nothing on disk
    (base / "hostile.csv").write_bytes(IMPORT_CSV.encode("utf-8"))
    return root
