"""Every chart and KPI of the dashboard equals plain SQL on the same file,
for several roles and filter combinations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from truth import TRUTH_FROM, actor_by_email, money, truth_wallet

from registry import reports
from registry.filters import OrderFilters
from registry.models import Status
from registry.reports.figures import TOP_CONTACTS

EMAILS = (
    "admin@acme.test",
    "ana@acme.test",
    "bruno@acme.test",
    "analyst@acme.test",
    "rep@globex.test",
)


def _user_id(db, email: str) -> int:
    with db.cursor() as cur:
        return cur.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[
            0
        ]


def _combos(db):
    """(name, filters, the same filters as literal SQL)."""
    carla = _user_id(db, "carla@acme.test")
    with db.cursor() as cur:
        contact = cur.execute(
            "SELECT contact_id FROM orders GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    return [
        ("none", OrderFilters(), "TRUE"),
        (
            "status-currency",
            OrderFilters(statuses=("paid", "refunded"), currencies=("BRL", "JPY")),
            "o.status IN ('paid', 'refunded') AND o.currency IN ('BRL', 'JPY')",
        ),
        (
            "paid-range-sources",
            OrderFilters(
                date_from=dt.date(2025, 6, 1),
                date_to=dt.date(2026, 1, 31),
                date_field="paid_date",
                sources=("api", "commerce"),
            ),
            "o.paid_date BETWEEN DATE '2025-06-01' AND DATE '2026-01-31' "
            "AND o.source IN ('api', 'commerce')",
        ),
        (
            "owner-with-deal",
            OrderFilters(owner_ids=(carla,), has_deal=True),
            f"(c.owner_id = {carla} OR d.owner_id = {carla}) AND o.deal_id IS NOT NULL",
        ),
        (
            "team-without-deal",
            OrderFilters(teams=("south",), has_deal=False),
            "(c.owner_id IN (SELECT id FROM users WHERE team = 'south') OR "
            "d.owner_id IN (SELECT id FROM users WHERE team = 'south')) "
            "AND o.deal_id IS NULL",
        ),
        (
            "search",
            OrderFilters(search="plano"),
            "(o.title ILIKE '%plano%' OR o.external_id ILIKE '%plano%' "
            "OR c.name ILIKE '%plano%')",
        ),
        (
            "search-external-id",
            OrderFilters(search="API-1000"),
            "(o.title ILIKE '%API-1000%' OR o.external_id ILIKE '%API-1000%' "
            "OR c.name ILIKE '%API-1000%')",
        ),
        ("contact", OrderFilters(contact_id=contact), f"o.contact_id = {contact}"),
    ]


def _cases():
    for email in EMAILS:
        for index, name in enumerate(
            (
                "none",
                "status-currency",
                "paid-range-sources",
                "owner-with-deal",
                "team-without-deal",
                "search",
                "search-external-id",
                "contact",
            )
        ):
            yield pytest.param(email, index, id=f"{email.split('@')[0]}-{name}")


def _truth(db, where: str, select: str, group: str) -> list[tuple]:
    with db.cursor() as cur:
        return cur.execute(
            f"SELECT {select} {TRUTH_FROM} WHERE {where} GROUP BY {group} "
            f"ORDER BY {group}"
        ).fetchall()


def _as_rows(frame, columns) -> list[tuple]:
    return sorted(tuple(row) for row in frame[columns].itertuples(index=False))


@pytest.mark.parametrize(("email", "combo"), list(_cases()))
def test_dashboard_equals_plain_sql(demo_db, email, combo):
    actor = actor_by_email(demo_db, email)
    name, filters, condition = _combos(demo_db)[combo]
    where = f"{truth_wallet(actor)} AND {condition}"

    board = reports.dashboard(demo_db, actor, filters)

    def grouped(dimension: str) -> list[tuple]:
        rows = _truth(
            demo_db,
            where,
            f"{dimension}, o.currency, count(*), sum(o.value)",
            f"{dimension}, o.currency",
        )
        return sorted((k, cur, n, money(v, cur)) for k, cur, n, v in rows)

    assert _as_rows(board.by_status, ["status", "currency", "orders", "value"]) == (
        grouped("o.status::VARCHAR")
    )
    assert _as_rows(board.by_source, ["source", "currency", "orders", "value"]) == (
        grouped("o.source::VARCHAR")
    )
    assert _as_rows(board.deal_split, ["has_deal", "currency", "orders", "value"]) == (
        grouped("o.deal_id IS NOT NULL")
    )
    month = "date_trunc('month', o.order_date)::DATE"
    if filters.date_field.value == "paid_date":
        month = "date_trunc('month', o.paid_date)::DATE"
    monthly = _truth(
        demo_db,
        f"{where} AND {month} IS NOT NULL",
        f"{month}, o.status::VARCHAR, o.currency, count(*), sum(o.value)",
        f"{month}, o.status, o.currency",
    )
    assert _as_rows(
        board.monthly, ["month", "status", "currency", "orders", "value"]
    ) == sorted((m, s, cur, n, money(v, cur)) for m, s, cur, n, v in monthly)
    _check_kpis(demo_db, board.kpis, where)
    _check_by_currency(demo_db, board.by_currency, where)
    _check_top_contacts(demo_db, board.top_contacts, where)


def _check_kpis(db, kpis, where):
    with db.cursor() as cur:
        orders, contacts, refunded, canceled = cur.execute(
            "SELECT count(*), count(DISTINCT o.contact_id), "
            "count(*) FILTER (WHERE o.status = 'refunded'), "
            "count(*) FILTER (WHERE o.status = 'canceled') "
            f"{TRUTH_FROM} WHERE {where}"
        ).fetchone()
        per_currency = cur.execute(
            "SELECT o.currency, count(*), sum(o.value), "
            "coalesce(sum(o.value) FILTER (WHERE o.status = 'paid'), 0), "
            "coalesce(sum(o.value) FILTER (WHERE o.status IN "
            "('pending', 'overdue', 'partially_paid')), 0) "
            f"{TRUTH_FROM} WHERE {where} GROUP BY o.currency ORDER BY o.currency"
        ).fetchall()
    assert (kpis.orders, kpis.contacts) == (orders, contacts)
    assert (kpis.refunded, kpis.canceled) == (refunded, canceled)
    if orders:
        assert kpis.refund_rate == pytest.approx(refunded / orders)
        assert kpis.cancel_rate == pytest.approx(canceled / orders)
    else:
        assert kpis.refund_rate is None
    got = [
        (f.currency, f.orders, f.value, f.paid, f.outstanding, f.average)
        for f in kpis.currencies
    ]
    expected = [
        (
            code,
            n,
            money(total, code),
            money(paid, code),
            money(open_, code),
            money(Decimal(total) / n, code),
        )
        for code, n, total, paid, open_ in per_currency
    ]
    assert got == expected


def _check_by_currency(db, frame, where):
    rows = _truth(db, where, "o.currency, count(*), sum(o.value)", "o.currency")
    assert _as_rows(frame, ["currency", "orders", "value"]) == [
        (code, n, money(v, code)) for code, n, v in rows
    ]


def _check_top_contacts(db, frame, where):
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT currency, contact_id, orders, total FROM ("
            "SELECT o.currency, o.contact_id, count(*) AS orders, "
            "sum(o.value) AS total, row_number() OVER (PARTITION BY o.currency "
            "ORDER BY sum(o.value) DESC, count(*) DESC, o.contact_id) AS place "
            f"{TRUTH_FROM} WHERE {where} GROUP BY o.currency, o.contact_id) "
            f"WHERE place <= {TOP_CONTACTS} "
            "ORDER BY currency, place"
        ).fetchall()
    got = [
        (r.currency, r.contact_id, r.orders, r.value)
        for r in frame.itertuples(index=False)
    ]
    assert got == [(cur_, c, n, money(v, cur_)) for cur_, c, n, v in rows]
    assert list(frame["rank"]) == [
        i + 1
        for code in dict.fromkeys(frame["currency"])
        for i in range(list(frame["currency"]).count(code))
    ]


def test_each_element_alone_equals_the_dashboard(demo_db):
    actor = actor_by_email(demo_db, "ana@acme.test")
    filters = OrderFilters(statuses=("paid", "pending", "overdue"))

    board = reports.dashboard(demo_db, actor, filters)

    assert reports.kpis(demo_db, actor, filters) == board.kpis
    for name in ("by_status", "by_source", "by_currency", "monthly", "deal_split"):
        alone = getattr(reports, name)(demo_db, actor, filters)
        assert alone.equals(getattr(board, name)), name
    assert reports.top_contacts(demo_db, actor, filters).equals(board.top_contacts)


def test_statuses_come_in_one_order_on_every_chart(demo_db):
    board = reports.dashboard(demo_db, actor_by_email(demo_db, "admin@acme.test"))

    order = [s.value for s in Status]
    statuses = list(dict.fromkeys(board.by_status["status"]))
    assert statuses == order
    first_month = board.monthly[board.monthly["month"] == board.monthly["month"][0]]
    assert list(dict.fromkeys(first_month["status"])) == [
        s for s in order if s in set(first_month["status"])
    ]


def test_an_empty_selection_gives_empty_figures(demo_db):
    actor = actor_by_email(demo_db, "admin@acme.test")

    board = reports.dashboard(demo_db, actor, OrderFilters(search="no such order"))

    assert board.kpis.orders == 0 and board.kpis.contacts == 0
    assert board.kpis.currencies == () and board.kpis.refund_rate is None
    assert board.by_status.empty and board.top_contacts.empty
    assert list(board.by_status.columns) == ["status", "currency", "orders", "value"]
