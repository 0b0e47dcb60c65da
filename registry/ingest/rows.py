"""Hand a set of rows to one SQL statement, whichever way is cheaper.

An Arrow table registered on the cursor costs about 2 ms to set up and
little per row; list parameters unnested in SQL cost under 1 ms to set up
and a few microseconds per value. Big batches go as Arrow, single orders
and small groups as lists; the statement reads the same columns either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

# Below this many rows, list parameters are cheaper than registering Arrow.
ARROW_FROM = 256

_ARROW = {
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


class Rows:
    """Named columns of equal length, each with its SQL type."""

    def __init__(self, name: str, columns: dict[str, tuple[str, list[Any]]]) -> None:
        self.name = name
        self.columns = columns
        self.count = len(next(iter(columns.values()))[1])

    def unnested(self, only: tuple[str, ...] | None = None) -> tuple[str, list]:
        """The rows as list parameters: (relation SQL, parameters), with only
        the named columns (unnesting costs per column, used or not)."""
        names = only or tuple(self.columns)
        selects = ", ".join(f"unnest(?::{self.columns[n][0]}[]) AS {n}" for n in names)
        return f"(SELECT {selects})", [self.columns[n][1] for n in names]

    @contextmanager
    def bound(
        self, cur: duckdb.DuckDBPyConnection
    ) -> Iterator[Callable[..., tuple[str, list]]]:
        """Yield a function `relation(*columns)` giving (relation SQL, its
        parameters) for a FROM clause; its columns carry the names given."""
        if self.count < ARROW_FROM:
            yield lambda *only: self.unnested(only or None)
            return
        table = pa.table(
            {
                name: _array(values, _ARROW[kind])
                for name, (kind, values) in self.columns.items()
            }
        )
        cur.register(self.name, table)
        try:
            yield lambda *only: (self.name, [])
        finally:
            cur.unregister(self.name)


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    # Columns a batch leaves empty (notes, external times) are common.
    if values.count(None) == len(values):
        return pa.nulls(len(values), kind)
    return pa.array(values, kind)
