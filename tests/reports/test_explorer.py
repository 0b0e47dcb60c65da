"""The explorer: SQL sorting and pagination over the wallet, never a full
fetch; pages put together equal one plain sorted query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from truth import TRUTH_FROM, actor_by_email, truth_wallet

from registry import reports
from registry.errors import ModuleDisabled, ValidationError
from registry.filters import OrderFilters
from registry.reports.explorer import COLUMNS, SORTS

NARROW = OrderFilters(
    statuses=("overdue", "refunded"),
    date_from=dt.date(2026, 3, 1),
    date_to=dt.date(2026, 5, 31),
)
TRUTH_KEYS = {
    "order_date": ["o.order_date"],
    "paid_date": ["o.paid_date"],
    "value": ["o.currency", "o.value"],
    "title": ["o.title"],
    "status": ["o.status"],
    "source": ["o.source"],
    "currency": ["o.currency"],
    "contact": ["c.name"],
    "external_id": ["o.external_id"],
    "updated_at": ["o.updated_at"],
    "id": [],
}


def test_every_sort_key_has_a_truth():
    assert set(TRUTH_KEYS) == set(SORTS)


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("sort", list(TRUTH_KEYS))
def test_pages_in_a_row_equal_one_sorted_query(demo_db, sort, descending):
    actor = actor_by_email(demo_db, "ana@acme.test")
    direction = "DESC" if descending else "ASC"
    keys = [f"{k} {direction} NULLS LAST" for k in TRUTH_KEYS[sort]]
    with demo_db.cursor() as cur:
        expected = [
            row[0]
            for row in cur.execute(
                f"SELECT o.id {TRUTH_FROM} WHERE {truth_wallet(actor)} "
                "AND o.status IN ('overdue', 'refunded') AND o.order_date "
                "BETWEEN DATE '2026-03-01' AND DATE '2026-05-31' "
                f"ORDER BY {', '.join([*keys, f'o.id {direction}'])}"
            ).fetchall()
        ]

    seen, offset = [], 0
    while True:
        page = reports.explore(
            demo_db,
            actor,
            NARROW,
            sort=sort,
            descending=descending,
            limit=37,
            offset=offset,
        )
        seen += list(page.rows["id"])
        offset += 37
        if offset >= page.total:
            break

    assert len(expected) > 37 * 2
    assert page.total == len(expected)
    assert seen == expected


def test_a_page_has_names_and_exact_money(demo_db):
    actor = actor_by_email(demo_db, "admin@acme.test")

    page = reports.explore(
        demo_db, actor, OrderFilters(currencies=("JPY", "BRL")), sort="value", limit=5
    )

    assert list(page.rows.columns) == list(COLUMNS)
    with demo_db.cursor() as cur:
        for row in page.rows.itertuples(index=False):
            name, deal, value = cur.execute(
                "SELECT c.name, d.title, o.value FROM orders o "
                "JOIN contacts c ON c.id = o.contact_id "
                "LEFT JOIN deals d ON d.id = o.deal_id WHERE o.id = ?",
                [row.id],
            ).fetchone()
            assert (row.contact, row.value) == (name, value.normalize())
            assert row.deal == deal if deal else pd.isna(row.deal)
            assert isinstance(row.value, Decimal)
            places = -row.value.as_tuple().exponent
            assert places == (0 if row.currency == "JPY" else 2)
    assert (page.page, page.pages) == (1, -(-page.total // 5))


def test_the_total_can_be_skipped(demo_db):
    actor = actor_by_email(demo_db, "ana@acme.test")

    page = reports.explore(demo_db, actor, NARROW, with_total=False, limit=3)

    assert page.total is None and page.pages is None and len(page.rows) == 3


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"sort": "o.id; DROP TABLE orders"}, "sort"),
        ({"sort": "secret"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_page_requests_name_the_field(demo_db, options, field):
    actor = actor_by_email(demo_db, "ana@acme.test")

    with pytest.raises(ValidationError) as caught:
        reports.explore(demo_db, actor, **options)

    assert caught.value.field == field


def test_a_disabled_module_shows_nothing(demo_db):
    actor = actor_by_email(demo_db, "admin@initech.test")

    with pytest.raises(ModuleDisabled):
        reports.explore(demo_db, actor)
    with pytest.raises(ModuleDisabled):
        reports.dashboard(demo_db, actor)


@pytest.mark.parametrize("sort", ["order_date", "paid_date", "updated_at"])
def test_pages_read_from_the_newest_days_are_exact(demo_db, sort):
    actor = actor_by_email(demo_db, "bruno@acme.test")
    with demo_db.cursor() as cur:
        expected = [
            row[0]
            for row in cur.execute(
                f"SELECT o.id {TRUTH_FROM} WHERE {truth_wallet(actor)} "
                f"ORDER BY o.{sort} DESC NULLS LAST, o.id DESC LIMIT 60"
            ).fetchall()
        ]

    pages = [
        reports.explore(demo_db, actor, sort=sort, limit=20, offset=offset)
        for offset in (0, 20, 40)
    ]

    assert [i for page in pages for i in page.rows["id"]] == expected
