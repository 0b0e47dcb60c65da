"""Who API tokens stand for, remembered per database until an identity write.

Authenticating a bearer token joins api_tokens, users and accounts: a few
milliseconds per request, and per group of single orders. The answer changes
only when one of those rows does, and one process owns the database file
(DESIGN.md), so this process sees every such write. Each writer of accounts,
users or api_tokens therefore takes its cursor from `write(db)`, which
forgets every remembered answer as soon as the write has committed, before
the writer returns: the very next request reads the new rows, so a revoked
token is refused and a module switched off refuses at once.
(tests/domain/test_identity_writes.py finds a writer that forgets to.)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

import duckdb

from .store import Database

V = TypeVar("V")


class Remembered(Generic[V]):
    """Answers by key, each kept only while no identity write has happened
    since the read it came from began."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, V] = {}
        self._generation = 0

    def lookup(self, keys: Iterable[str]) -> tuple[dict[str, V], int]:
        """The remembered answers among `keys`, and the generation a read
        for the others must hand to `remember`."""
        with self._lock:
            found = {k: self._entries[k] for k in keys if k in self._entries}
            return found, self._generation

    def remember(self, answers: dict[str, V], generation: int) -> None:
        """Keep answers read after `lookup` gave `generation`; a write since
        then may have changed them, and they are dropped."""
        with self._lock:
            if generation == self._generation:
                self._entries.update(answers)

    def forget(self) -> None:
        """Drop every answer, and any read still in flight."""
        with self._lock:
            self._generation += 1
            self._entries.clear()


_remembered: weakref.WeakKeyDictionary[Database, Remembered] = (
    weakref.WeakKeyDictionary()
)
_remembered_lock = threading.Lock()


def remembered(db: Database) -> Remembered:
    """The database's remembered token answers (one per database here)."""
    with _remembered_lock:
        found = _remembered.get(db)
        if found is None:
            found = _remembered[db] = Remembered()
    return found


@contextmanager
def write(db: Database) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for writing accounts, users or api_tokens (autocommit).
    Remembered answers are forgotten once the block ends, after its
    statements have committed, and also when it fails part-way."""
    try:
        with db.cursor() as cur:
            yield cur
    finally:
        remembered(db).forget()
