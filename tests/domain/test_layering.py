"""The domain package never imports Streamlit, directly or through another
module: pages depend on `registry`, never the other way round."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import registry

PACKAGE_DIR = Path(registry.__file__).parent


def _modules() -> list[str]:
    """Every module under registry/, so a new one is covered without edits."""
    found = pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="registry.")
    # __main__ runs the CLI when imported; its imports are scanned below.
    return sorted(m.name for m in found if not m.name.endswith(".__main__"))


def test_the_package_has_modules_to_check():
    assert {"registry.orders", "registry.wallet", "registry.store"} <= set(_modules())


def test_importing_every_module_loads_no_streamlit():
    modules = ["registry", *_modules()]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')\n"
        "print(','.join(loaded))\n"
    )

    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"registry loaded {run.stdout.strip()}"


def _imported_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_no_source_file_imports_streamlit():
    offenders = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bad = [n for n in _imported_names(tree) if n.split(".")[0] == "streamlit"]
        if bad:
            offenders[str(path.relative_to(PACKAGE_DIR))] = bad

    assert offenders == {}


def test_the_scan_would_see_a_streamlit_import():
    tree = ast.parse("import os\nfrom streamlit.testing import v1\nimport streamlit")

    assert _imported_names(tree) == ["os", "streamlit.testing", "streamlit"]
