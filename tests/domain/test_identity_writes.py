"""Every write to accounts, users or api_tokens goes through `identity.write`,
which forgets the token answers kept in memory (registry/identity.py): a
writer that took a plain cursor would leave a revoked token working."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import registry

PACKAGE_DIR = Path(registry.__file__).parent

_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+(accounts|users|api_tokens)\b",
    re.IGNORECASE,
)
# Writes that change no token's answer, and why.
EXEMPT = {
    "tokens.py:_touch": "the last-used time",
    "demo.py:_share_password": "password hashes",
}


def _sql_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The function's string literals (f-string parts included, docstring
    left out), whitespace collapsed, so SQL split over lines reads whole."""
    docstring = ast.get_docstring(function, clean=False)
    texts = [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value != docstring
    ]
    return " ".join(" ".join(texts).split())


def _identity_writers(source: str, name: str) -> dict[str, bool]:
    """`file:function` -> whether it uses identity.write, for each function
    whose SQL writes one of the identity tables."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        functions = ast.FunctionDef | ast.AsyncFunctionDef
        if isinstance(node, functions) and _WRITE.search(_sql_of(node)):
            text = ast.get_source_segment(source, node) or ""
            found[f"{name}:{node.name}"] = "identity.write(" in text
    return found


def test_identity_writes_forget_the_remembered_tokens():
    writers: dict[str, bool] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE_DIR))
        writers.update(_identity_writers(path.read_text(encoding="utf-8"), relative))

    plain = [w for w, forgets in writers.items() if not forgets and w not in EXEMPT]

    assert plain == []
    assert {"accounts.py:update_account", "tokens.py:revoke_token"} <= set(writers)
    assert set(EXEMPT) <= set(writers), "an exemption names a writer no more"


def test_the_scan_would_see_a_plain_writer():
    source = (
        "def sneaky(db):\n"
        "    with db.cursor() as cur:\n"
        '        cur.execute("UPDATE users SET scope = ? "\n'
        '                    "WHERE id = ?", [s, i])\n'
        "def careful(db):\n"
        "    with identity.write(db) as cur:\n"
        '        cur.execute(f"UPDATE "\n'
        '                    f"accounts SET {x} = ?", [v])\n'
        "def reader(db):\n"
        '    """Never UPDATE users here."""\n'
        '    cur.execute("SELECT id FROM users")\n'
    )

    assert _identity_writers(source, "m.py") == {
        "m.py:sneaky": False,
        "m.py:careful": True,
    }
