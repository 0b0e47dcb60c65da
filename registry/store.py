"""The DuckDB file: one connection per process, a cursor per call, the schema.

DuckDB lets a single process write a database file, so the process keeps one
connection (`Database`) and every Streamlit session, request or thread takes
its own cursor from it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .errors import DatabaseLocked, RegistryError

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("data") / "registry.duckdb"

# Each entry moves the schema one version forward; never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TYPE order_status AS ENUM (
        'pending', 'paid', 'partially_paid', 'overdue',
        'refunded', 'canceled', 'failed');
    CREATE TYPE order_source AS ENUM (
        'manual', 'webhook', 'api', 'payments', 'commerce');
    CREATE SEQUENCE account_ids START 1;
    CREATE SEQUENCE user_ids START 1;
    CREATE SEQUENCE contact_ids START 1;
    CREATE SEQUENCE deal_ids START 1;
    CREATE SEQUENCE order_ids START 1;
    CREATE SEQUENCE status_change_ids START 1;
    CREATE TABLE accounts (
        id BIGINT PRIMARY KEY DEFAULT nextval('account_ids'),
        name VARCHAR NOT NULL,
        default_currency VARCHAR NOT NULL DEFAULT 'BRL',
        orders_enabled BOOLEAN NOT NULL DEFAULT FALSE,
        owner_privacy BOOLEAN NOT NULL DEFAULT FALSE,
        reporting_currency VARCHAR,
        integration_owner_id BIGINT,
        created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
    );
    CREATE TABLE users (
        id BIGINT PRIMARY KEY DEFAULT nextval('user_ids'),
        account_id BIGINT NOT NULL,
        email VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        password_hash VARCHAR,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        crm_manage BOOLEAN NOT NULL DEFAULT FALSE,
        scope VARCHAR NOT NULL DEFAULT 'own',
        team VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
    );
    CREATE TABLE contacts (
        id BIGINT PRIMARY KEY DEFAULT nextval('contact_ids'),
        account_id BIGINT NOT NULL,
        name VARCHAR NOT NULL,
        email VARCHAR,
        owner_id BIGINT,
        created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
    );
    CREATE TABLE deals (
        id BIGINT PRIMARY KEY DEFAULT nextval('deal_ids'),
        account_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        title VARCHAR NOT NULL,
        owner_id BIGINT,
        created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
    );
    CREATE TABLE orders (
        id BIGINT PRIMARY KEY DEFAULT nextval('order_ids'),
        account_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        deal_id BIGINT,
        title VARCHAR NOT NULL,
        value DECIMAL(18, 4) NOT NULL,
        currency VARCHAR NOT NULL,
        status order_status NOT NULL,
        source order_source NOT NULL,
        external_id VARCHAR,
        order_date DATE NOT NULL,
        paid_date DATE,
        created_by BIGINT,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        -- the integration's own "last modified" time, to refuse stale resends
        external_updated_at TIMESTAMP,
        note VARCHAR,
        UNIQUE (account_id, source, external_id)
    );
    CREATE TABLE order_status_history (
        id BIGINT PRIMARY KEY DEFAULT nextval('status_change_ids'),
        account_id BIGINT NOT NULL,
        order_id BIGINT NOT NULL,
        from_status order_status,
        to_status order_status NOT NULL,
        changed_by BIGINT,
        source order_source NOT NULL,
        changed_at TIMESTAMP NOT NULL
    );
    CREATE SEQUENCE token_ids START 1;
    CREATE TABLE api_tokens (
        id BIGINT PRIMARY KEY DEFAULT nextval('token_ids'),
        account_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        name VARCHAR NOT NULL,
        -- SHA-256 of the token: the token itself is shown once, never stored
        token_hash VARCHAR NOT NULL UNIQUE,
        created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
        last_used_at TIMESTAMP,
        revoked_at TIMESTAMP
    );
    CREATE TABLE account_secrets (
        account_id BIGINT NOT NULL,
        channel VARCHAR NOT NULL,
        secret VARCHAR NOT NULL,
        rotated_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
        PRIMARY KEY (account_id, channel)
    );
    CREATE SEQUENCE delivery_ids START 1;
    CREATE TABLE ingestion_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('delivery_ids'),
        account_id BIGINT NOT NULL,
        received_at TIMESTAMP NOT NULL,
        source order_source NOT NULL,
        channel VARCHAR NOT NULL,
        external_id VARCHAR,
        order_id BIGINT,
        outcome VARCHAR NOT NULL,
        reason VARCHAR,
        token_id BIGINT
    );
    CREATE TABLE exchange_rates (
        account_id BIGINT NOT NULL,
        base VARCHAR NOT NULL,
        quote VARCHAR NOT NULL,
        rate DECIMAL(18, 8) NOT NULL,
        valid_from DATE NOT NULL,
        PRIMARY KEY (account_id, base, quote, valid_from)
    );
    """,
    """
    CREATE TABLE web_sessions (
        -- SHA-256 of the cookie's token: a stolen database opens no session
        token_hash VARCHAR PRIMARY KEY,
        user_id BIGINT NOT NULL,
        created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL
    );
    """,
    # Each order carries the owners of its contact and of its deal, so the
    # wallet is a filter on the orders table itself, not two joins per read
    # (see registry/wallet.py). Writers keep them in step.
    """
    ALTER TABLE orders ADD COLUMN contact_owner_id BIGINT;
    ALTER TABLE orders ADD COLUMN deal_owner_id BIGINT;
    UPDATE orders SET contact_owner_id = c.owner_id
    FROM contacts c WHERE c.id = orders.contact_id;
    UPDATE orders SET deal_owner_id = d.owner_id
    FROM deals d WHERE d.id = orders.deal_id;
    """,
)

_LOCK_PID = re.compile(r"PID (\d+)")
# DuckDB's own wording; a bare "lock" would also match a path such as /blocks.
_LOCK_CONFLICT = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)


class Database:
    """The process's connection to one DuckDB file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._closed = False
        try:
            self._con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            raise _translate_open_error(self.path, exc) from exc
        self.migrate()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one call; safe to use from any thread."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN … COMMIT; rolled back if the block raises."""
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def schema_version(self) -> int:
        with self.cursor() as cur:
            row = cur.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return row[0] or 0

    def migrate(self) -> int:
        """Bring the schema to the latest version; safe to repeat."""
        with self.cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp())"
            )
        current = self.schema_version()
        for version, script in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            with self.transaction() as cur:
                cur.execute(script)
                cur.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?)", [version]
                )
            log.info("migrated %s to schema version %s", self.path, version)
        return len(MIGRATIONS)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self._con.close()


def _translate_open_error(path: Path, exc: duckdb.IOException) -> RegistryError:
    text = str(exc)
    if not _LOCK_CONFLICT.search(text):
        return RegistryError(f"Cannot open the database {path}: {text}")
    holder = _LOCK_PID.search(text)
    who = f"process {holder.group(1)}" if holder else "another process"
    return DatabaseLocked(
        f"The database {path} is in use by {who}. DuckDB lets one process "
        "write a file: stop that process (for example a running app or "
        "registry command), or point REGISTRY_DB at another file."
    )


_open: dict[Path, Database] = {}
_open_lock = threading.Lock()


def database_path() -> Path:
    """The file named by REGISTRY_DB, else data/registry.duckdb."""
    return Path(os.environ.get("REGISTRY_DB") or DEFAULT_PATH)


_by_name: dict[str, Database] = {}


def connect(path: str | os.PathLike[str] | None = None) -> Database:
    """The process-wide Database for `path` (default: `database_path()`)."""
    name = os.fspath(path or database_path())
    db = _by_name.get(name)
    # Every request and rerun asks; resolving the path (a realpath walk of the
    # file system) is kept for the first time a name is seen.
    if db is not None and not db.closed:
        return db
    resolved = Path(name).resolve()
    with _open_lock:
        db = _open.get(resolved)
        if db is None or db.closed:
            db = _open[resolved] = Database(resolved)
        _by_name[name] = db
        return db


def close_all() -> None:
    with _open_lock:
        for db in _open.values():
            db.close()
        _open.clear()
        _by_name.clear()
