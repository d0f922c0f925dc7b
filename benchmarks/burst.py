"""Time keys typed in one burst through the real key path (Textual's parser, the driver, `ui.keys.InOrder`,
the query bar's filtering and the table's repaint): from the burst to the last key handled.

    python benchmarks/burst.py PATH
"""

from __future__ import annotations

import asyncio
import sys
import time

from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.keys import Parser

WORDS = "acme overdue owner:alice"


async def main(root: str) -> None:
    app = make_app(root, watch=False)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        query = app.screen.query_one("#query")
        for event in Parser().feed("/"):
            app._driver.process_message(event)
        await pilot.pause(0.2)
        start = time.perf_counter()
        for event in Parser().feed(WORDS):
            app._driver.process_message(event)
        while app.keys_waiting or query.value != WORDS:
            await asyncio.sleep(0.0005)
        took = time.perf_counter() - start
    print(f"{len(app.leads):,} leads: {len(WORDS)} keys in one burst handled in {took * 1000:.0f} ms "
          f"({took * 1000 / len(WORDS):.1f} ms a key, filtering included)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
