"""The database file: repeatable migrations and one owning process."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from registry import accounts, orders
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


def test_upgrade_copies_owners_onto_existing_orders(tmp_path):
    """A file made before orders carried their owners: after the upgrade a
    rep's wallet still holds the orders of their contacts and deals."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp())"
    )
    for version, script in enumerate(MIGRATIONS[:2], start=1):
        con.execute(script)
        con.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
    con.execute(
        "INSERT INTO accounts (id, name, orders_enabled, owner_privacy) "
        "VALUES (1, 'Old', TRUE, TRUE);"
        "INSERT INTO users (id, account_id, email, name) VALUES "
        "(1, 1, 'rep@old.test', 'Rep'), (2, 1, 'other@old.test', 'Other');"
        "INSERT INTO contacts (id, account_id, name, owner_id) VALUES "
        "(1, 1, 'Mine', 1), (2, 1, 'Theirs', 2);"
        "INSERT INTO deals (id, account_id, contact_id, title, owner_id) VALUES "
        "(1, 1, 2, 'My deal on their contact', 1);"
        "INSERT INTO orders (id, account_id, contact_id, deal_id, title, value, "
        "currency, status, source, order_date, created_at, updated_at) VALUES "
        "(1, 1, 1, NULL, 'a', 1, 'BRL', 'paid', 'manual', DATE '2024-01-01', "
        "now(), now()),"
        "(2, 1, 2, 1, 'b', 1, 'BRL', 'paid', 'manual', DATE '2024-01-01', "
        "now(), now()),"
        "(3, 1, 2, NULL, 'c', 1, 'BRL', 'paid', 'manual', DATE '2024-01-01', "
        "now(), now())"
    )
    con.close()

    db = Database(path)
    try:
        assert db.schema_version() == len(MIGRATIONS)
        rep = accounts.actor_for(db, 1)
        assert {o.id for o in orders.list_orders(db, rep)} == {1, 2}
    finally:
        db.close()
