"""Exports of the current filtered view, always wallet-scoped.

CSV and Parquet are written by DuckDB's COPY straight from the wallet-scoped
query to the file: rows stream through DuckDB and never reach pandas. Excel
goes through XlsxWriter in constant-memory mode, fed in batches from a
cursor, and stops at Excel's row limit with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import duckdb
import xlsxwriter

from . import summary
from .errors import RegistryError, ValidationError
from .filters import OrderFilters
from .models import Actor
from .money import minor_units
from .permissions import Action, ensure
from .reports.explorer import order_sql
from .reports.scan import money_text, scan
from .store import Database
from .validation import parse_choice
from .wallet import Predicate

log = logging.getLogger(__name__)

# A sheet holds 1,048,576 rows; one is the header.
EXCEL_MAX_ROWS = 1_048_575
_BATCH = 10_000
_POLL_SECONDS = 0.1

# Told how far an export is, from 0.0 to 1.0.
Progress = Callable[[float], None]


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    EXCEL = "xlsx"

    @property
    def mime(self) -> str:
        return _MIME[self]


_MIME = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
    ExportFormat.EXCEL: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    rows: int
    # Rows in the view; more than `rows` only when Excel's limit cut it.
    total: int

    @property
    def truncated(self) -> bool:
        return self.rows < self.total

    @property
    def message(self) -> str:
        if not self.truncated:
            return f"{self.rows:,} rows exported."
        return (
            f"Excel holds at most {EXCEL_MAX_ROWS:,} rows besides the header: "
            f"the first {self.rows:,} of {self.total:,} were written. Export CSV "
            "or Parquet to get all of them."
        )


def export_orders(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None,
    path: str | Path,
    fmt: ExportFormat | str,
    *,
    sort: str | None = None,
    descending: bool = True,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the wallet's orders matching `filters` to `path`; sorted like
    the explorer when `sort` is given, else in storage order, which streams
    without DuckDB having to hold the whole view for a sort."""
    query = orders_sql(actor, filters, sort=sort, descending=descending)
    return _export(db, query, Path(path), fmt, progress, money="value")


def export_summaries(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None,
    path: str | Path,
    fmt: ExportFormat | str,
    *,
    segment: str | None = None,
    sort: str = "last_purchase",
    descending: bool = True,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the per-contact purchase summary (with RFM segment) to `path`."""
    query = summary.export_sql(
        actor, filters, segment=segment, sort=sort, descending=descending, today=today
    )
    return _export(db, query, Path(path), fmt, progress, money=None)


def orders_sql(
    actor: Actor,
    filters: OrderFilters | None,
    *,
    sort: str | None = None,
    descending: bool = True,
) -> Predicate:
    """The export's SELECT: one row per order, names joined, value exact."""
    ensure(actor, Action.VIEW_ORDERS)
    source = scan(actor, filters or OrderFilters())
    joins = (
        "JOIN contacts c ON c.id = o.contact_id LEFT JOIN deals d ON d.id = o.deal_id "
    )
    return Predicate(
        "SELECT o.id, o.order_date, o.paid_date, o.contact_id, c.name AS contact, "
        "c.email AS contact_email, o.deal_id, d.title AS deal, o.title, o.value, "
        "o.currency, o.status, o.source, o.external_id, o.created_at, "
        f"o.updated_at {source.with_joins(joins)}"
        + (f" ORDER BY {order_sql(sort, descending, 'o', 'c')}" if sort else ""),
        source.params,
    )


def _export(
    db: Database,
    query: Predicate,
    path: Path,
    fmt: ExportFormat | str,
    progress: Progress | None,
    *,
    money: str | None,
) -> ExportResult:
    fmt = parse_choice(ExportFormat, fmt, "format")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt is ExportFormat.EXCEL:
        result = _excel(db, query, path, progress, money=money)
    else:
        result = _copy(db, query, path, fmt, progress, money=money)
    log.info("exported %s rows to %s (%s)", result.rows, path, fmt)
    return result


def _copy(
    db: Database,
    query: Predicate,
    path: Path,
    fmt: ExportFormat,
    progress: Progress | None,
    *,
    money: str | None,
) -> ExportResult:
    select = query.sql
    if fmt is ExportFormat.CSV:
        options = "FORMAT csv, HEADER"
        if money:
            # Text with the currency's own decimals ("1234.50", "1200").
            select = (
                f"SELECT * REPLACE ({money_text(money, 'currency')} AS {money}) "
                f"FROM ({select})"
            )
    else:
        options = "FORMAT parquet, COMPRESSION zstd"
    target = str(path).replace("'", "''")
    statement = f"COPY ({select}) TO '{target}' ({options})"
    with db.cursor() as cur:
        rows = _run_watched(cur, statement, query.params, progress)
    return ExportResult(path, fmt, rows, rows)


def _run_watched(
    cur: duckdb.DuckDBPyConnection,
    statement: str,
    params: tuple[object, ...],
    progress: Progress | None,
) -> int:
    """Run one statement, reporting DuckDB's own progress while it runs."""
    if progress is None:
        return cur.execute(statement, params).fetchone()[0]
    # The progress bar is this cursor's setting only; printing stays off.
    cur.execute("SET enable_progress_bar = true")
    cur.execute("SET enable_progress_bar_print = false")
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["rows"] = cur.execute(statement, params).fetchone()[0]
        except Exception as exc:  # re-raised in the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="registry-export")
    worker.start()
    while worker.is_alive():
        worker.join(_POLL_SECONDS)
        done = cur.query_progress()
        if done >= 0:
            progress(min(done / 100, 0.99))
    if "error" in outcome:
        raise _export_error(outcome["error"])
    progress(1.0)
    return int(outcome["rows"])  # type: ignore[arg-type]


def _export_error(exc: object) -> Exception:
    if isinstance(exc, duckdb.IOException):
        return RegistryError(f"Could not write the export: {exc}")
    return exc if isinstance(exc, Exception) else RegistryError(str(exc))


def _excel(
    db: Database,
    query: Predicate,
    path: Path,
    progress: Progress | None,
    *,
    money: str | None,
) -> ExportResult:
    with db.cursor() as cur:
        total = cur.execute(
            f"SELECT count(*) FROM ({query.sql})", query.params
        ).fetchone()[0]
        cur.execute(f"{query.sql} LIMIT {EXCEL_MAX_ROWS}", query.params)
        names = [column[0] for column in cur.description]
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        try:
            rows = _write_sheet(book, cur, names, total, progress, money=money)
        finally:
            book.close()
    if progress:
        progress(1.0)
    return ExportResult(path, ExportFormat.EXCEL, rows, total)


def _write_sheet(
    book: xlsxwriter.Workbook,
    cur: duckdb.DuckDBPyConnection,
    names: list[str],
    total: int,
    progress: Progress | None,
    *,
    money: str | None,
) -> int:
    sheet = book.add_worksheet("Export")
    header = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    stamps = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    amounts: dict[int, object] = {}
    sheet.write_row(0, 0, names, header)
    money_at = names.index(money) if money in names else None
    currency_at = names.index("currency") if "currency" in names else None
    written = 0
    while batch := cur.fetchmany(_BATCH):
        for row in batch:
            written += 1
            for col, value in enumerate(row):
                if value is None:
                    continue
                if col == money_at and currency_at is not None:
                    places = _places(row[currency_at])
                    if places not in amounts:
                        pattern = "0" if not places else "0." + "0" * places
                        amounts[places] = book.add_format({"num_format": pattern})
                    sheet.write_number(written, col, float(value), amounts[places])
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(written, col, value, stamps)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(written, col, value, dates)
                elif isinstance(value, Decimal | int | float):
                    sheet.write_number(written, col, float(value))
                else:
                    sheet.write_string(written, col, str(value))
        if progress and total:
            progress(min(written / min(total, EXCEL_MAX_ROWS), 0.99))
    return written


def _places(currency: str) -> int:
    try:
        return minor_units(currency)
    except ValidationError:
        return 2
