"""The database file: repeatable migrations and one owning process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from registry import accounts
from registry.errors import DatabaseLocked, RegistryError
from registry.store import MIGRATIONS, Database, close_all, connect, database_path


def _tables(db: Database) -> list[str]:
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def _applied(db: Database) -> int:
    with db.cursor() as cur:
        return cur.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]


def test_init_twice_is_safe(tmp_path):
    path = tmp_path / "registry.duckdb"
    first = Database(path)
    account = accounts.create_account(first, "Kept", "EUR")
    version, tables = first.schema_version(), _tables(first)
    first.close()

    again = Database(path)
    again.migrate()

    assert version == len(MIGRATIONS) >= 1
    assert again.schema_version() == version
    assert _applied(again) == len(MIGRATIONS)
    assert _tables(again) == tables
    assert accounts.get_account(again, account.id).name == "Kept"
    again.close()


def test_migrate_repeated_on_one_connection(db):
    version = db.schema_version()

    assert db.migrate() == db.migrate() == version
    assert _applied(db) == version


def test_connect_shares_one_database_per_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DB", str(tmp_path / "env.duckdb"))
    try:
        assert database_path() == tmp_path / "env.duckdb"
        assert connect() is connect(tmp_path / "env.duckdb")
        assert connect(tmp_path / "other.duckdb") is not connect()
    finally:
        close_all()


def test_a_file_that_is_no_database_is_not_called_locked(tmp_path):
    # "blocks" in the path must not be mistaken for a lock conflict.
    path = tmp_path / "blocks" / "registry.duckdb"
    path.parent.mkdir()
    path.write_text("not a database")

    with pytest.raises(RegistryError) as caught:
        Database(path)

    assert not isinstance(caught.value, DatabaseLocked)
    assert str(path) in caught.value.message


HOLDER = """
import sys
from registry.store import Database
db = Database(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""


def test_second_process_gets_database_locked(tmp_path):
    path = tmp_path / "registry.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"

        with pytest.raises(DatabaseLocked) as caught:
            Database(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)

    message = caught.value.message
    assert str(path) in message
    assert f"process {holder.pid}" in message
    assert "REGISTRY_DB" in message
    Database(path).close()  # the lock goes with its holder


OPENER = """
import sys
from registry.errors import DatabaseLocked
from registry.store import Database
try:
    Database(sys.argv[1])
except DatabaseLocked as exc:
    print(exc.message)
    sys.exit(3)
"""


def test_opening_from_another_process_while_held_here(db):
    run = subprocess.run(
        [sys.executable, "-c", OPENER, str(db.path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 3, run.stderr
    assert str(db.path) in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
