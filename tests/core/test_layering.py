"""The core is reachable without the TUI, and the CLI's hot paths stay lean."""

import subprocess
import sys
from pathlib import Path

import pytest

CORE = sorted(p.stem for p in (Path(__file__).parents[2] / "src/pipeline_tui/core").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", CORE)
def test_core_module_never_imports_textual(module):
    code = f"import sys, pipeline_tui.core.{module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_list_json_imports_neither_textual_nor_ruamel(pipe):
    code = ("import sys; sys.argv=['pipeline','-C',sys.argv[1],'list','--json'];"
            "import pipeline_tui.cli as c\ntry:\n c.main()\nexcept SystemExit: pass\n"
            "print(sorted(m for m in ('textual','ruamel.yaml','git') if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(pipe.root)], capture_output=True, text=True)
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_a_warm_list_json_parses_nothing(pipe):
    """With every lead and the playbook cached, not even the YAML reader is imported."""
    from pipeline_tui.core.ops import add_lead
    from tests.conftest import TODAY

    add_lead(pipe, "Jane Doe", "referral", today=TODAY)
    code = ("import sys; sys.argv=['pipeline','-C',sys.argv[1],'list','--json'];"
            "import pipeline_tui.cli as c\ntry:\n c.main()\nexcept SystemExit: pass\n"
            "print(sorted(m for m in ('yaml','textual','ruamel.yaml','git') if m in sys.modules), file=sys.stderr)")
    first = subprocess.run([sys.executable, "-c", code, str(pipe.root)], capture_output=True, text=True)
    assert '"name": "Jane Doe"' in first.stdout or '"name":"Jane Doe"' in first.stdout.replace(": ", ":")
    warm = subprocess.run([sys.executable, "-c", code, str(pipe.root)], capture_output=True, text=True)
    assert warm.stderr.strip().splitlines()[-1] == "[]"
    assert warm.stdout == first.stdout
