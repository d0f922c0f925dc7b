"""SVG snapshots of the main screens on the demo pipeline, with a fixed date (pytest-textual-snapshot).

Update after an intended change with `make snapshot-update`, and look at the report before committing.
"""

from __future__ import annotations

import pytest

from pipeline_tui.core.changes.demo import build_demo
from pipeline_tui.ui.app import make_app
from tests.conftest import TODAY

SIZE = (150, 42)


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("snap") / "demo", today=TODAY).root


def app_for(root):
    return make_app(root, today=TODAY, watch=False)


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_pipeline_screen(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=settle)


def test_pipeline_screen_filtered(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=after("slash", *"open owner:alice", "enter"))


def after(*keys: str):
    """A run_before that waits for loading, presses keys, and waits for the workers they start."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_agenda_screen(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=after("a"))


def test_mix_screen(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=after("m"))


def test_lead_screen(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=after("enter"))


def test_report_screen(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=after("r"))


def test_board_with_a_cursor(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=SIZE, run_before=after("b", "right", "right", "down"))


def test_board_at_80x24(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=(80, 24), run_before=after("b", "right", "down"))


def test_edit_form_at_80x24(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=(80, 24), run_before=after("e"))


def test_edit_form_at_160x45(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=(160, 45), run_before=after("e", "tab", "tab", "tab"))


def test_pipeline_at_80x24_under_a_query(snap_compare, demo_root):
    assert snap_compare(app_for(demo_root), terminal_size=(80, 24),
                        run_before=after("slash", *"stage:proposal", "enter"))
