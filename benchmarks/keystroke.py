"""Time a query keystroke in the TUI on a real pipeline: from the key to the table showing the result.

    python benchmarks/keystroke.py PATH
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import time

from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.widgets.lead_table import LeadTable


async def main(root: str) -> None:
    app = make_app(root, watch=False)
    async with app.run_test(size=(150, 40)) as pilot:
        start = time.perf_counter()
        await app.workers.wait_for_complete()
        await pilot.pause()
        loaded = time.perf_counter() - start
        await pilot.press("slash")
        await pilot.pause(0.5)  # let the worker finish warming the search text
        screen = app.screen
        table = screen.query_one(LeadTable)
        query = screen.query_one("#query")
        timings = []
        text = ""
        for ch in "acme overdue owner:alice":
            text += ch
            t = time.perf_counter()
            query.value = text  # what a keystroke does: the Changed handler filters and redraws the table
            screen.apply_query()
            for y in range(table.size.height):  # paint every visible row, as the next frame will
                table.render_line(y)
            timings.append((time.perf_counter() - t) * 1000)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rows = app.screen.query_one(LeadTable).lead_count
    print(" ".join(f"{t:.0f}" for t in timings))
    print(f"{len(app.leads):,} leads: loaded in {loaded:.2f} s; keystroke median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms over {len(timings)} keys; {rows} rows shown; peak RSS {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
