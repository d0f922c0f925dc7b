"""The core is reachable without the TUI, and the CLI's hot paths stay lean."""

import subprocess
import sys
from pathlib import Path

import pytest

_CORE_DIR = Path(__file__).parents[2] / "src/pipeline_tui/core"
CORE = sorted(".".join(p.relative_to(_CORE_DIR).with_suffix("").parts) for p in _CORE_DIR.rglob("*.py")
              if p.stem != "__init__")


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
    from pipeline_tui.core.changes.leads import add_lead
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


def test_set_runs_on_the_git_binary_and_libyaml_alone(pipe):
    """A write imports neither GitPython (165 ms) nor ruamel nor Textual, and the process runs its
    command with the garbage collector paused (the entry point's short-process setting)."""
    from pipeline_tui.core.changes.leads import add_lead
    from tests.conftest import TODAY

    lead = add_lead(pipe, "Jane Doe", "referral", today=TODAY).lead_id
    code = ("import sys, gc; sys.argv=['pipeline','-C',sys.argv[1],'set',sys.argv[2],'value=5'];"
            "import atexit; atexit.register(lambda: print(gc.isenabled(), sorted(m for m in "
            "('textual','ruamel.yaml','git') if m in sys.modules), file=sys.stderr))\n"
            "from pipeline_tui.__main__ import main\nmain()")
    proc = subprocess.run([sys.executable, "-c", code, str(pipe.root), lead], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{lead}: value (none) -> 5"
    assert proc.stderr.strip().splitlines()[-1] == "False []"
    assert "value: 5" in (pipe.leads_dir / f"{lead}.yaml").read_text()


def test_commands_over_many_leads_collect_garbage(pipe):
    code = ("import sys, gc; sys.argv=['pipeline','-C',sys.argv[1],'list','--json'];"
            "import atexit; atexit.register(lambda: print(gc.isenabled(), file=sys.stderr))\n"
            "from pipeline_tui.__main__ import main\nmain()")
    proc = subprocess.run([sys.executable, "-c", code, str(pipe.root)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "True"


def test_one_lead_commands_are_commands():
    from pipeline_tui.cli import ONE_LEAD_COMMANDS, cli

    assert ONE_LEAD_COMMANDS.issubset(cli.commands)
