"""The benchmark suite: every operation of SPEC section 7 beside its floor, measured in the same run.

    python benchmarks/run.py                  # 1,000, 10,000 and 50,000 leads
    python benchmarks/run.py --sizes 1000     # a quick look

For each size it generates a realistic pipeline (kept in $PIPELINE_BENCH_DATA, by default the system's
temporary folder, and rebuilt when missing: it must not sit inside another git repository), then
times real processes, as a user would run them (the `pipeline` script next to this Python, else
`python -m pipeline_tui`), with their own empty cache folder:

- floor: a Python process that only reads every lead file's bytes;
- `list --json` cold (no cache) and warm, and `check`, as ratios to that floor;
- `set` with its commit, as a ratio to a plain `git add` + `git commit` of one file (more runs than the
  rest: both are short and a shared machine is noisy); and a UI edit: what the Edit screen's worker runs
  (`ops.set_fields`, written and committed) inside an already running process, against the same floor;
- the TUI, headless: process start to the first screen with leads, a query keystroke (from the changed
  query to the table's visible rows painted), and the peak memory of that process;
- once: the merge driver (the process git runs) on the largest lead file allowed (10,000 log entries, just
  under 1 MB), both sides having added entries and changed a field, then changed the same field (the
  conflict written down in the file), against git's own line merge of the same three files.

Each timing is the median of several runs, with Python's compiled modules in place (as after any
install; a PYTHONDONTWRITEBYTECODE in the environment is dropped for the measured processes). Prints a
table per size and the targets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("PIPELINE_BENCH_DATA") or Path(tempfile.gettempdir()) / "pipeline-tui-bench")
PY = sys.executable

FLOOR = """
import os, sys
d = os.path.join(sys.argv[1], 'leads')
n = 0
for name in os.listdir(d):
    with open(os.path.join(d, name), 'rb') as fh:
        n += len(fh.read())
"""

UI_EDIT = r"""
import statistics, sys, time
from pipeline_tui.core.changes.leads import set_fields
from pipeline_tui.core.model.pipeline import Pipeline
pipe = Pipeline.open(sys.argv[1])
times = []
for i in range(int(sys.argv[3])):
    start = time.perf_counter()
    set_fields(pipe, sys.argv[2], [f"value={3000 + i}"])
    times.append(time.perf_counter() - start)
print(statistics.median(times[1:]))  # the first also pays imports the running TUI has long made
"""

TUI = r"""
import asyncio, resource, statistics, sys, time
t0 = float(sys.argv[2])
from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.widgets.lead_table import LeadTable

async def main():
    app = make_app(sys.argv[1], watch=False)
    async with app.run_test(size=(150, 40)) as pilot:
        while not (app.loaded and app.screen.query(LeadTable) and app.screen.query_one(LeadTable).lead_count):
            await asyncio.sleep(0.005)
        table = app.screen.query_one(LeadTable)
        for y in range(table.size.height):
            table.render_line(y)
        first = time.time() - t0
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause(0.3)
        screen = app.screen
        query = screen.query_one("#query")
        timings, text = [], ""
        for ch in "acme overdue owner:alice -stage:lost":
            text += ch
            t = time.perf_counter()
            query.value = text
            screen.apply_query()
            for y in range(table.size.height):
                table.render_line(y)
            timings.append(time.perf_counter() - t)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(first, statistics.median(timings), max(timings), peak)

asyncio.run(main())
"""


def timed(args: list[str], env: dict, runs: int = 3, ok_codes: tuple[int, ...] = (0,)) -> float:
    """Median wall time of `runs` runs of a process (check exits 1 when it finds problems)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        res = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if res.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(args[2:])} failed: {res.stderr.decode()[-500:]}")
    return statistics.median(times)


def pipeline_for(n: int) -> Path:
    path = DATA / f"p{n}"
    if not (path / "pipeline.yaml").exists() or len(list((path / "leads").glob("*.yaml"))) != n:
        shutil.rmtree(path, ignore_errors=True)
        print(f"generating {n:,} leads…", file=sys.stderr)
        subprocess.run([PY, str(HERE / "generate.py"), str(path), str(n)], check=True)
    return path


def bench(n: int, runs: int) -> list[tuple[str, float, str, str, str]]:
    root = pipeline_for(n)
    cache = Path(tempfile.mkdtemp(prefix="pipeline-bench-cache-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PIPELINE_DIR": str(root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what users run: compiled modules, not source each time
    subprocess.run([PY, "-c", "import pipeline_tui.cli, pipeline_tui.core.changes.leads, pipeline_tui.ui.app"], env=env,
                   check=True)
    script = Path(PY).parent / "pipeline"  # the console script users run; else the module
    cli = [*([str(script)] if script.exists() else [PY, "-m", "pipeline_tui"]), "-C", str(root)]
    rows = []
    floor = timed([PY, "-c", FLOOR, str(root)], env, runs)
    rows.append(("floor: read every lead file", floor, "1.0x", "", ""))
    shutil.rmtree(cache, ignore_errors=True)
    cold = timed(cli + ["list", "--json"], env, 1)
    warm = timed(cli + ["list", "--json"], env, runs)
    rows.append(("list --json, cold (no cache)", cold, f"{cold / floor:.1f}x", "", ""))
    rows.append(("list --json, warm", warm, f"{warm / floor:.1f}x", "3x at 10,000",
                 _ok(warm / floor <= 3) if n == 10_000 else ""))
    check = timed([*cli, "check", "--json"], env, runs, ok_codes=(0, 1))
    rows.append(("check", check, f"{check / floor:.1f}x", "", ""))
    lead = sorted(p.stem for p in (root / "leads").glob("*.yaml"))[0]
    sets = []
    gits = []
    write_runs = max(9, 3 * runs)  # short and noisy: more runs than the rest
    for i in range(write_runs):
        start = time.perf_counter()
        subprocess.run(cli + ["set", lead, f"value={1000 + i}"], env=env, check=True, stdout=subprocess.DEVNULL)
        sets.append(time.perf_counter() - start)
        target = root / "leads" / f"{lead}.yaml"
        target.write_bytes(target.read_bytes() + b"# bench\n")
        start = time.perf_counter()
        subprocess.run(["git", "add", "--", str(target)], cwd=root, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "bench"], cwd=root, check=True, env=env)
        gits.append(time.perf_counter() - start)
        target.write_bytes(target.read_bytes().replace(b"# bench\n", b""))
        subprocess.run(["git", "commit", "-q", "-am", "bench"], cwd=root, check=True, env=env)
    s, g = statistics.median(sets), statistics.median(gits)
    rows.append(("floor: git add + git commit of one file", g, "1.0x", "", ""))
    rows.append(("set with its commit", s, f"{s / g:.1f}x", "3x", _ok(s / g <= 3)))
    out = subprocess.run([PY, "-c", UI_EDIT, str(root), lead, str(write_runs + 1)], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    u = float(out[-1])
    rows.append(("UI edit, written and committed", u, f"{u / g:.1f}x", "3x", _ok(u / g <= 3)))
    firsts, keys, maxes, peaks = [], [], [], []
    for _ in range(max(1, runs - 1)):
        out = subprocess.run([PY, "-c", TUI, str(root), repr(time.time())], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        first, key, kmax, peak = map(float, out[-4:])
        firsts.append(first)
        keys.append(key)
        maxes.append(kmax)
        peaks.append(peak)
    first, key, peak = statistics.median(firsts), statistics.median(keys), max(peaks)
    rows.append(("TUI: start to first screen (headless)", first, f"{first / floor:.1f}x", "1 s at 10,000",
                 _ok(first < 1.0) if n == 10_000 else ""))
    rows.append(("TUI: query keystroke (median; max)", key, f"max {max(maxes) * 1000:.0f} ms", "50 ms at 50,000",
                 _ok(key < 0.05) if n == 50_000 else ""))
    rows.append(("TUI: peak memory (MB)", peak / 1e6, "", "500 MB at 50,000",
                 _ok(peak / 1e6 < 500) if n == 50_000 else ""))
    shutil.rmtree(cache, ignore_errors=True)
    return rows


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def _lead_versions(tmp: Path) -> list[Path]:
    head = "name: Jane Doe\ncompany: Acme\nsource: referral\nstage: proposal\nowner: alice\ncreated: 2026-01-05\n"
    entry = "  - date: 2026-{m:02d}-{d:02d}\n    kind: call\n    text: Left a voicemail about the renewal, number {i}\n"
    log = "log:\n" + "".join(entry.format(m=1 + i % 12, d=1 + i % 28, i=i) for i in range(9_900))
    base = head + log
    mine = "  - date: 2026-12-01\n    kind: email\n    text: mine\n"
    theirs_entry = "  - date: 2026-12-02\n    kind: note\n    text: theirs\n"
    texts = {"base": base, "ours": base.replace("stage: proposal", "stage: negotiation") + mine,
             "theirs": base.replace("owner: alice", "owner: bob") + theirs_entry,
             "ours-same": base.replace("owner: alice", "owner: carol") + mine}
    paths = []
    for name, text in texts.items():
        path = tmp / name
        path.write_text(text)
        paths.append(path)
    return paths


def bench_merge(runs: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pipeline-bench-merge-"))
    base, ours, theirs, ours_same = _lead_versions(tmp)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    size = ours.stat().st_size

    def driver(ours_text: Path, codes: tuple[int, ...]) -> float:
        times = []
        for _ in range(runs):
            work = tmp / "work"
            shutil.copyfile(ours_text, work)
            start = time.perf_counter()
            res = subprocess.run([PY, "-m", "pipeline_tui", "merge-driver", str(base), str(work), str(theirs),
                                  "leads/x.yaml"], env=env, capture_output=True)
            times.append(time.perf_counter() - start)
            if res.returncode not in codes:
                raise SystemExit(f"merge-driver failed: {res.stderr.decode()[-500:]}")
        return statistics.median(times)

    floor = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["git", "merge-file", "-p", str(ours), str(base), str(theirs)], capture_output=True)
        floor.append(time.perf_counter() - start)
    clean, same = driver(ours, (0,)), driver(ours_same, (1,))
    f = statistics.median(floor)
    print(f"\n### merge driver, a {size:,}-byte lead with 10,000 log entries\n")
    print("| operation | time | ratio | target | |")
    print("| --- | ---: | ---: | --- | --- |")
    print(f"| floor: git merge-file of the three texts | {f * 1000:.1f} ms | | | |")
    print(f"| merge driver, different fields | {clean:.2f} s | {clean / f:.0f}x | well under 1 s | {_ok(clean < 0.6)} |")
    print(f"| merge driver, same field (both values written down) | {same:.2f} s | {same / f:.0f}x | well under 1 s "
          f"| {_ok(same < 0.6)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--merge-only", action="store_true", help="Only the merge driver on the largest lead.")
    args = ap.parse_args()
    bench_merge(args.runs)
    if args.merge_only:
        return
    for n in (int(x) for x in args.sizes.split(",")):
        rows = bench(n, args.runs)
        print(f"\n### {n:,} leads\n")
        print("| operation | time | ratio | target | |")
        print("| --- | ---: | ---: | --- | --- |")
        for name, value, ratio, target, ok in rows:
            shown = f"{value:.0f}" if "MB" in name else (f"{value * 1000:.1f} ms" if value < 0.1 else f"{value:.2f} s")
            print(f"| {name} | {shown} | {ratio} | {target} | {ok} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
