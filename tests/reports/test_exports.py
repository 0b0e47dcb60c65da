"""Exports: CSV, Parquet and Excel of the filtered view, wallet-scoped."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import duckdb
import pytest
from truth import TRUTH_FROM, actor_by_email, truth_wallet

from registry import exports, summary
from registry.errors import ValidationError
from registry.filters import OrderFilters

FILTERS = OrderFilters(statuses=("paid", "overdue"), currencies=("BRL", "JPY"))
FILTER_SQL = "o.status IN ('paid', 'overdue') AND o.currency IN ('BRL', 'JPY')"
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _truth(db, actor, select="o.id"):
    with db.cursor() as cur:
        return cur.execute(
            f"SELECT {select} {TRUTH_FROM} WHERE {truth_wallet(actor)} "
            f"AND {FILTER_SQL} ORDER BY o.order_date DESC, o.id DESC"
        ).fetchall()


def _sheet_rows(path) -> list[dict[str, str]]:
    """Cell texts of the first sheet by column letter, from the XLSX XML
    (empty cells are absent)."""
    with zipfile.ZipFile(path) as book:
        root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    return [
        {
            cell.get("r").rstrip("0123456789"): "".join(cell.itertext())
            for cell in row.iter(f"{SHEET}c")
        }
        for row in root.iter(f"{SHEET}row")
    ]


def test_csv_holds_the_view_in_explorer_order_with_exact_money(demo_db, tmp_path):
    actor = actor_by_email(demo_db, "ana@acme.test")
    steps = []

    result = exports.export_orders(
        demo_db,
        actor,
        FILTERS,
        tmp_path / "orders.csv",
        "csv",
        sort="order_date",
        progress=steps.append,
    )

    with result.path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    truth = _truth(demo_db, actor, "o.id, o.value, o.currency")
    assert result.rows == result.total == len(rows) == len(truth)
    assert [int(r["id"]) for r in rows] == [t[0] for t in truth]
    for row, (_, value, currency) in zip(rows, truth, strict=True):
        places = 0 if currency == "JPY" else 2
        assert row["value"] == f"{value:.{places}f}"
    assert steps[-1] == 1.0 and steps == sorted(steps)
    assert not result.truncated and result.message == f"{len(rows):,} rows exported."


def test_parquet_keeps_types_and_exact_values(demo_db, tmp_path):
    actor = actor_by_email(demo_db, "bruno@acme.test")

    result = exports.export_orders(
        demo_db, actor, FILTERS, tmp_path / "orders.parquet", "parquet"
    )

    file = str(result.path)
    got = duckdb.sql(
        f"SELECT currency, count(*), sum(value), typeof(any_value(value)), "
        f"typeof(any_value(order_date)) FROM read_parquet('{file}') "
        "GROUP BY currency ORDER BY currency"
    ).fetchall()
    with demo_db.cursor() as cur:
        expected = cur.execute(
            f"SELECT o.currency, count(*), sum(o.value) {TRUTH_FROM} "
            f"WHERE {truth_wallet(actor)} AND {FILTER_SQL} "
            "GROUP BY o.currency ORDER BY o.currency"
        ).fetchall()
    assert [g[:3] for g in got] == expected
    assert {g[3] for g in got} == {"DECIMAL(18,4)"} and got[0][4] == "DATE"
    assert result.rows == sum(e[1] for e in expected)


def test_excel_writes_numbers_dates_and_a_header(demo_db, tmp_path):
    actor = actor_by_email(demo_db, "ana@acme.test")
    steps = []

    result = exports.export_orders(
        demo_db,
        actor,
        FILTERS,
        tmp_path / "orders.xlsx",
        "xlsx",
        sort="order_date",
        progress=steps.append,
    )

    rows = _sheet_rows(result.path)
    truth = _truth(demo_db, actor, "o.id, o.value")
    column = {name: letter for letter, name in rows[0].items()}
    assert list(column)[:3] == ["id", "order_date", "paid_date"]
    assert len(rows) - 1 == result.rows == len(truth)
    assert [int(r[column["id"]]) for r in rows[1:6]] == [t[0] for t in truth[:5]]
    assert Decimal(rows[1][column["value"]]) == truth[0][1]
    assert steps[-1] == 1.0


def test_excel_stops_at_its_row_limit_and_says_so(demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 25)
    actor = actor_by_email(demo_db, "admin@acme.test")

    result = exports.export_orders(demo_db, actor, FILTERS, tmp_path / "o.xlsx", "xlsx")

    assert result.truncated and result.rows == 25 and result.total > 25
    assert len(_sheet_rows(result.path)) == 26
    assert "at most 25 rows" in result.message and "CSV or Parquet" in result.message


def test_contact_summaries_export_one_row_per_contact(demo_db, tmp_path):
    actor = actor_by_email(demo_db, "ana@acme.test")

    result = exports.export_summaries(
        demo_db, actor, None, tmp_path / "contacts.csv", "csv", segment="Champions"
    )

    listed = summary.contact_summaries(demo_db, actor, segment="Champions", limit=1)
    with result.path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == result.rows == listed.total > 0
    assert {r["segment"] for r in rows} == {"Champions"}
    first = summary.contact_summary(demo_db, actor, int(rows[0]["contact_id"]))
    assert rows[0]["lifetime_paid"] == "; ".join(
        f"{code} {value}" for code, value in first.lifetime_paid
    )


def test_an_unknown_format_names_the_field(demo_db, tmp_path):
    actor = actor_by_email(demo_db, "ana@acme.test")

    with pytest.raises(ValidationError) as caught:
        exports.export_orders(demo_db, actor, None, tmp_path / "x.pdf", "pdf")

    assert caught.value.field == "format"
    assert not (tmp_path / "x.pdf").exists()
