"""The house: the import contracts in pyproject.toml hold (and catch a breach), no module imports itself back
through others, and every module is one idea of at most 400 lines with a docstring saying what it owns."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
LINT = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 400

needs_linter = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "pipeline_tui").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True)


@needs_linter
def test_the_import_contracts_hold():
    res = lint(ROOT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


@needs_linter
@pytest.mark.parametrize("planted, contract", [
    ("pipeline_tui/core/views/mix.py", "Views never write"),                 # a view that writes
    ("pipeline_tui/core/storage/files.py", "Storage knows nothing of leads"),  # storage that reads leads
    ("pipeline_tui/core/model/lead.py", "The core never imports Textual"),     # the core drawing
])
def test_a_breach_inside_a_function_breaks_its_contract(tmp_path, planted, contract):
    """The contracts see an import made inside a function, where a runtime check never looks."""
    copy = tmp_path / "house"
    shutil.copytree(SRC, copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    breach = {
        "Views never write": "from pipeline_tui.core.changes.leads import set_fields",
        "Storage knows nothing of leads": "from pipeline_tui.core.model.lead import Lead",
        "The core never imports Textual": "import textual.app",
    }[contract]
    target = copy / "src" / planted
    target.write_text(target.read_text() + f"\n\ndef _planted():\n    {breach}\n    return None\n")
    res = lint(copy)
    assert res.returncode != 0
    assert "Broken contracts" in res.stdout, res.stdout[-2000:]
    assert contract in res.stdout.split("Broken contracts", 1)[1], res.stdout[-2000:]


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules a module imports, at its top or inside functions."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in known else base)
    return {m for m in out if m in known and m != name}


def test_no_import_circles():
    mods = modules()
    graph = {name: _imports(path, name, set(mods)) for name, path in mods.items()}
    # a package's own __init__ is its face: `from pkg import mod` reaches mod, not a circle through pkg
    graph = {a: {b for b in deps if not (a.startswith(b + ".") and mods[b].name == "__init__.py")}
             for a, deps in graph.items()}
    index, low, stack, on, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_each_module_is_short_and_says_what_it_owns(name):
    path = modules()[name]
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines"
    doc = ast.get_docstring(ast.parse(text))
    assert doc and len(doc.split()) >= 5, f"{path.relative_to(ROOT)}: no docstring saying what it owns"
