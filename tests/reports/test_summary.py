"""Per-contact purchase summary and RFM segments, against Python truth."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pandas as pd
import pytest
from truth import TODAY, TRUTH_FROM, actor_by_email, money, truth_wallet

from registry import accounts, crm, summary
from registry.errors import NotFound, ValidationError


def _ntile(keys: list[tuple], tiles: int = 5) -> dict[object, int]:
    """SQL's NTILE over `keys` (sort key, id) sorted ascending; id → tile."""
    ordered = sorted(keys)
    size, extra = divmod(len(ordered), tiles)
    out, position = {}, 0
    for tile in range(1, tiles + 1):
        count = size + (1 if tile <= extra else 0)
        for key in ordered[position : position + count]:
            out[key[-1]] = tile
        position += count
    return out


def _tied(tiles: dict[int, int], value: dict[int, object]) -> dict[int, int]:
    """Equal values share the highest tile among them."""
    best: dict[object, int] = defaultdict(int)
    for contact, tile in tiles.items():
        best[value[contact]] = max(best[value[contact]], tile)
    return {contact: best[value[contact]] for contact in tiles}


def _expected(db, actor) -> dict[int, dict]:
    with db.cursor() as cur:
        rows = cur.execute(
            f"SELECT o.contact_id, o.currency, o.status::VARCHAR, o.order_date, "
            f"o.value {TRUTH_FROM} WHERE {truth_wallet(actor)}"
        ).fetchall()
    people: dict[int, dict] = {}
    for contact, currency, status, day, value in rows:
        p = people.setdefault(
            contact, {"orders": 0, "days": [], "paid": defaultdict(Decimal)}
        )
        p["orders"] += 1
        if status == "paid":
            p["days"].append(day)
            p["paid"][currency] += value
    buyers = {c: p for c, p in people.items() if p["days"]}
    last = {c: max(p["days"]) for c, p in buyers.items()}
    freq = {c: len(p["days"]) for c, p in buyers.items()}
    r = _tied(_ntile([(last[c], c) for c in buyers]), last)
    f = _tied(_ntile([(freq[c], c) for c in buyers]), freq)
    m: dict[int, int] = defaultdict(int)
    for code in {k for p in buyers.values() for k in p["paid"]}:
        values = {c: p["paid"][code] for c, p in buyers.items() if code in p["paid"]}
        scores = _tied(_ntile([(v, c) for c, v in values.items()]), values)
        for contact, score in scores.items():
            m[contact] = max(m[contact], score)
    for contact, p in people.items():
        p["r"], p["f"], p["m"] = r.get(contact), f.get(contact), m.get(contact)
        p["segment"] = _segment(p["r"], p["f"], p["m"], len(p["days"]))
    return people


def _segment(r, f, m, purchases) -> str:
    if r is None:
        return "No purchases"
    if r >= 4 and f >= 4 and m >= 4:
        return "Champions"
    if r >= 3 and f >= 4:
        return "Loyal"
    if r >= 4:
        return "New" if purchases == 1 else "Promising"
    if r == 3:
        return "Need attention"
    return "At risk" if f >= 3 else "Hibernating"


@pytest.mark.parametrize("email", ["admin@acme.test", "ana@acme.test"])
def test_every_contact_summary_matches_python(demo_db, email):
    actor = actor_by_email(demo_db, email)
    expected = _expected(demo_db, actor)

    page = summary.contact_summaries(demo_db, actor, limit=1000, sort="contact")
    rows = list(page.rows.itertuples(index=False))
    offset = 1000
    while offset < page.total:
        more = summary.contact_summaries(
            demo_db, actor, limit=1000, offset=offset, sort="contact"
        )
        rows += list(more.rows.itertuples(index=False))
        offset += 1000

    assert page.total == len(rows) == len(expected)
    for row in rows:
        p = expected[row.contact_id]
        days = sorted(p["days"])
        assert (row.orders, row.paid_orders) == (p["orders"], len(days))
        assert (row.first_purchase, row.last_purchase) == (
            (days[0], days[-1]) if days else (None, None)
        )
        assert row.lifetime_paid == tuple(
            (code, money(v, code)) for code, v in sorted(p["paid"].items())
        )
        if len(days) > 1:
            gap = (days[-1] - days[0]).days / (len(days) - 1)
            assert row.avg_days == round(gap, 1)
        else:
            assert pd.isna(row.avg_days)
        if p["r"] is None:
            assert pd.isna(row.r) and pd.isna(row.f) and pd.isna(row.m)
        else:
            assert (row.r, row.f, row.m) == (p["r"], p["f"], p["m"])
        assert row.segment == p["segment"]


def test_one_contact_is_scored_against_the_whole_wallet(demo_db):
    actor = actor_by_email(demo_db, "ana@acme.test")
    expected = _expected(demo_db, actor)
    contact = max(expected, key=lambda c: len(expected[c]["days"]))

    one = summary.contact_summary(demo_db, actor, contact, today=TODAY)

    p = expected[contact]
    assert (one.r, one.f, one.m, one.segment) == (p["r"], p["f"], p["m"], p["segment"])
    assert one.days_since == (TODAY - max(p["days"])).days


def test_a_contact_outside_the_wallet_is_not_found(demo_db):
    ana = actor_by_email(demo_db, "ana@acme.test")
    with demo_db.cursor() as cur:
        other = cur.execute(
            "SELECT c.id FROM contacts c JOIN users u ON u.id = c.owner_id "
            "WHERE u.email = 'carla@acme.test' AND NOT EXISTS (SELECT 1 FROM deals d "
            "WHERE d.contact_id = c.id AND d.owner_id = ?) LIMIT 1",
            [ana.id],
        ).fetchone()[0]

    with pytest.raises(NotFound):
        summary.contact_summary(demo_db, ana, other)


def test_a_contact_without_orders_has_an_empty_summary(db):
    account = accounts.create_account(db, "Empty")
    accounts.update_account(db, account.id, orders_enabled=True)
    user = accounts.create_user(
        db, account.id, email="a@empty.test", name="A", password=None, is_admin=True
    )
    contact = crm.create_contact(db, account.id, name="Nobody", owner_id=user.id)

    one = summary.contact_summary(db, accounts.actor_for(db, user.id), contact.id)

    assert (one.orders, one.paid_orders, one.lifetime_paid) == (0, 0, ())
    assert (one.r, one.segment) == (None, "No purchases")


def test_segments_filter_and_sort_the_list(demo_db):
    actor = actor_by_email(demo_db, "admin@acme.test")

    page = summary.contact_summaries(
        demo_db, actor, segment="At risk", sort="paid_orders", descending=True
    )

    assert set(page.rows["segment"]) == {"At risk"}
    assert list(page.rows["paid_orders"]) == sorted(page.rows["paid_orders"])[::-1]
    assert page.total > len(page.rows)


@pytest.mark.parametrize(
    ("options", "field"),
    [({"segment": "Whales"}, "segment"), ({"sort": "name; --"}, "sort")],
)
def test_bad_list_options_name_the_field(demo_db, options, field):
    actor = actor_by_email(demo_db, "admin@acme.test")

    with pytest.raises(ValidationError) as caught:
        summary.contact_summaries(demo_db, actor, **options)

    assert caught.value.field == field


def test_days_since_counts_from_the_given_day(demo_db):
    actor = actor_by_email(demo_db, "admin@acme.test")

    page = summary.contact_summaries(demo_db, actor, today=dt.date(2027, 1, 1), limit=3)

    for row in page.rows.itertuples(index=False):
        assert row.days_since == (dt.date(2027, 1, 1) - row.last_purchase).days
