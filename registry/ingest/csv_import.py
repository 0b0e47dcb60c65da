"""Import orders from a CSV file: map columns, preview, import in chunks.

The page uploads a file (`read_csv`), lets the user map its columns to order
fields (`suggest_mapping` proposes one), previews the outcome of every row
without writing (`import_orders(..., dry_run=True)`), then imports with a
progress callback. Rows go through the same checks and the same writer as
the API, so an import is idempotent by external ID: importing a file twice
updates, never duplicates. Empty cells count as absent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import RegistryError, ValidationError
from ..models import Actor, Source
from ..store import Database
from .engine import write_orders
from .log import Outcome
from .plan import Delivery, ItemResult
from .records import ORDER_FIELDS, Incoming, Rejected, clean_order, reject

CHANNEL = "csv"
CHUNK = 1000
FIELDS = (
    "title",
    "value",
    "currency",
    "status",
    "order_date",
    "paid_date",
    "contact_email",
    "contact_id",
    "deal_id",
    "external_id",
    "source",
)
# Spellings a column header may use for a field, compared case-insensitively.
_SYNONYMS = {
    "title": ("title", "name", "product", "description", "order"),
    "value": ("value", "amount", "total", "price"),
    "currency": ("currency", "currency code"),
    "status": ("status", "state"),
    "order_date": ("order date", "order_date", "date", "created at"),
    "paid_date": ("paid date", "paid_date", "paid at", "payment date"),
    "contact_email": ("contact email", "contact_email", "email", "e-mail"),
    "contact_id": ("contact id", "contact_id"),
    "deal_id": ("deal id", "deal_id"),
    "external_id": ("external id", "external_id", "order id", "reference", "ref", "id"),
    "source": ("source",),
}


@dataclass(frozen=True)
class RowResult:
    """What became (or would become) of one data row of the file."""

    line: int  # in the file; the header is line 1
    outcome: Outcome
    order_id: int | None = None
    field: str | None = None
    message: str | None = None


def read_csv(data: bytes | str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of an uploaded file (UTF-8, comma or
    semicolon separated)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("file", "is not UTF-8 text") from None
    lines = data.splitlines()
    if not lines or not lines[0].strip():
        raise ValidationError("file", "is empty; the first line must name columns")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(data), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    if len(set(columns)) != len(columns):
        raise ValidationError("file", "has two columns with the same name")
    reader.fieldnames = columns
    return columns, [dict(row) for row in reader]


def suggest_mapping(columns: Sequence[str]) -> dict[str, str]:
    """Field -> column, for the columns whose name says which field they are."""
    by_name = {c.strip().lower(): c for c in columns}
    mapping = {}
    for field in FIELDS:
        for spelling in _SYNONYMS[field]:
            if spelling in by_name and by_name[spelling] not in mapping.values():
                mapping[field] = by_name[spelling]
                break
    return mapping


def check_mapping(mapping: Mapping[str, str], columns: Sequence[str]) -> None:
    """Raise ValidationError unless the mapping can make orders of the rows."""
    for field, column in mapping.items():
        if field not in ORDER_FIELDS:
            raise ValidationError(field, "is not a field of an order")
        if column not in columns:
            raise ValidationError(field, f"column {column!r} is not in the file")
    for field in ("title", "value"):
        if field not in mapping:
            raise ValidationError(field, "must be mapped to a column")
    if "contact_email" not in mapping and "contact_id" not in mapping:
        raise ValidationError(
            "contact_email", "map a column to contact_email or contact_id"
        )


def import_orders(
    db: Database,
    actor: Actor,
    rows: Sequence[Mapping[str, str]],
    mapping: Mapping[str, str],
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[RowResult]:
    """Import (or, with `dry_run`, preview) the rows; one result per row.

    Orders without a mapped source are recorded as "manual": a person brought
    them in. The import runs in chunks of 1,000 rows, each its own
    transaction, reporting `progress(rows done, rows in all)` after each."""
    columns = list(rows[0]) if rows else list(mapping.values())
    check_mapping(mapping, columns)
    delivery = Delivery(CHANNEL, source=Source.MANUAL)
    results: list[RowResult] = []
    # A preview writes nothing, so it sees the file whole: a row that repeats
    # an earlier row's external ID shows as the update it would be.
    step = len(rows) if dry_run else CHUNK
    for start in range(0, len(rows), max(step, 1)):
        chunk = rows[start : start + step]
        items = [_item(row, mapping) for row in chunk]
        written = write_orders(db, actor, items, delivery, dry_run=dry_run)
        results += [
            _row_result(start + i + 2, r, dry_run) for i, r in enumerate(written)
        ]
        if progress is not None:
            progress(start + len(chunk), len(rows))
    return results


def _item(row: Mapping[str, str], mapping: Mapping[str, str]) -> Incoming | Rejected:
    raw = {}
    for field, column in mapping.items():
        cell = row.get(column)
        if cell is not None and cell.strip() != "":
            raw[field] = cell
    try:
        return clean_order(raw, default_source=Source.MANUAL)
    except RegistryError as error:
        return reject(raw, error)


def _row_result(line: int, result: ItemResult, dry_run: bool) -> RowResult:
    error = result.error
    if error is None:
        # A preview's new orders have no id: nothing was written.
        new = dry_run and result.outcome is Outcome.CREATED
        return RowResult(line, result.outcome, None if new else result.order_id)
    field = error.field if isinstance(error, ValidationError) else None
    return RowResult(line, result.outcome, None, field, error.message)
