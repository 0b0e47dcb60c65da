"""The analyst pages — dashboard, explorer, exchange rates — and the contact
page's purchase summary, through AppTest, checked against plain SQL."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from registry import accounts, crm, orders, rates, store
from registry.errors import ModuleDisabled
from registry.exports import ExportFormat
from registry.filters import OrderFilters, coverage
from registry.models import Status
from registry.money import minor_units
from registry.summary import SEGMENTS
from ui import charts, links
from ui import filters as report_filters
from ui.status import STATUS_STYLES

DASHBOARD = report_filters.DASHBOARD_PAGE
EXPLORER = report_filters.EXPLORER_PAGE
RATES = report_filters.RATES_PAGE
TODAY = dt.date.today()
NOT_ADMIN = "Only an administrator of this account can do this."


def _days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


# --- a richer world: every status, source, several currencies, deals ----------

_ORDERS = [
    # key, contact, title, value, currency, status, source, ordered and
    # paid (days ago), deal
    ("alice_api", "alice", "Consulting", "200.00", "BRL", "paid", "api", 60, 58, None),
    ("alice_refund", "alice", "Returned chair", "50", "BRL", "refunded", "webhook",
     40, None, None),
    ("alice_cancel", "alice", "Canceled add-on", "10", "USD", "canceled", "manual",
     20, None, None),
    ("alice_overdue", "alice", "Late invoice", "75.25", "BRL", "overdue", "manual",
     90, None, "alice_upgrade"),
    ("carl_paid", "carl", "Carl kit", "300", "BRL", "paid", "commerce", 30, 29, None),
    ("carl_failed", "carl", "Failed card", "40", "EUR", "failed", "payments",
     10, None, "carl_upsell"),
    ("carl_partial", "carl", "Half paid", "60", "BRL", "partially_paid", "manual",
     5, None, None),
    ("nina_paid", "nina", "North bundle", "99.90", "EUR", "paid", "manual",
     100, 99, None),
    ("nina_jpy", "nina", "Tokyo order", "1200", "JPY", "pending", "manual",
     3, None, None),
]  # fmt: skip

# Enough of Carl's orders for the explorer to have two pages of 25.
BULK = 30


@pytest.fixture(scope="module")
def report_template(ui_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("report-template") / "template.duckdb"
    shutil.copyfile(ui_template.path, path)
    world = dataclasses.replace(
        ui_template,
        path=path,
        contacts=dict(ui_template.contacts),
        orders=dict(ui_template.orders),
    )
    db = store.Database(path)
    try:
        nina = crm.create_contact(
            db,
            world.accounts["acme"],
            name="Nina North",
            owner_email="bruno@acme.example",
        )
        world.contacts["nina"] = nina.id
        admin = accounts.actor_for(db, world.users["admin"])
        for key, contact, title, value, currency, status, source, *dated in _ORDERS:
            ordered, paid, deal = dated
            order = orders.create_order(
                db,
                admin,
                world.contacts[contact],
                title=title,
                value=value,
                currency=currency,
                status=status,
                source=source,
                external_id="API-7" if source == "api" else None,
                order_date=_days_ago(ordered),
                paid_date=None if paid is None else _days_ago(paid),
                deal_id=world.deals[deal] if deal else None,
            )
            world.orders[key] = order.id
        for n in range(BULK):
            orders.create_order(
                db,
                admin,
                world.contacts["carl"],
                title=f"Bulk order {n:02d}",
                value=str(n + 1),
                order_date=_days_ago(7 * n),
            )
    finally:
        db.close()
    return world


@pytest.fixture
def ui_world(report_template, tmp_path: Path, monkeypatch):
    """The richer world, copied for each test (replaces conftest's)."""
    path = tmp_path / "registry.duckdb"
    shutil.copyfile(report_template.path, path)
    monkeypatch.setenv("REGISTRY_DB", str(path))
    store.close_all()
    yield dataclasses.replace(report_template, path=path)
    store.close_all()


# --- ground truth: the wallet rule and the figures, in plain SQL ---------------

_TRUTH_FROM = (
    "FROM orders o JOIN contacts c ON c.id = o.contact_id "
    "LEFT JOIN deals d ON d.id = o.deal_id"
)


def _wallet_sql(world, role: str) -> str:
    """DESIGN.md's wallet for this world's roles, written out by hand."""
    account = f"o.account_id = {world.accounts['acme']}"
    owners = {
        "ana": [world.users["ana"]],
        "bruno": [world.users["ana"], world.users["bruno"]],  # team north
        "carla": [world.users["carla"]],
    }.get(role)
    if owners is None:  # admin, manager and analyst see the whole account
        return account
    ids = ", ".join(str(i) for i in owners)
    return f"{account} AND (c.owner_id IN ({ids}) OR d.owner_id IN ({ids}))"


def _truth(world, role: str, where: str = "TRUE", select: str = "o.id"):
    sql = f"SELECT {select} {_TRUTH_FROM} WHERE {_wallet_sql(world, role)} AND {where}"
    with store.connect(world.path).cursor() as cur:
        return cur.execute(sql).fetchall()


def _truth_kpis(world, role: str, where: str = "TRUE") -> dict[str, str]:
    """The dashboard's KPIs as its metrics should show them."""
    [(count, contacts, refunded, canceled)] = _truth(
        world,
        role,
        where,
        "count(*), count(DISTINCT o.contact_id), "
        "count(*) FILTER (WHERE o.status = 'refunded'), "
        "count(*) FILTER (WHERE o.status = 'canceled')",
    )
    shown = {
        "Orders": f"{count:,}",
        "Contacts with orders": f"{contacts:,}",
        "Refund rate": f"{refunded / count:.1%}",
        "Cancel rate": f"{canceled / count:.1%}",
    }
    per_currency = _truth(
        world,
        role,
        f"{where} GROUP BY o.currency",
        "o.currency, count(*), sum(o.value), "
        "coalesce(sum(o.value) FILTER (WHERE o.status = 'paid'), 0), "
        "coalesce(sum(o.value) FILTER (WHERE o.status IN "
        "('pending', 'overdue', 'partially_paid')), 0)",
    )
    for code, orders_, value, paid, outstanding in per_currency:
        places = minor_units(code)
        average = (value / orders_).quantize(Decimal(1).scaleb(-places))
        for label, amount in (
            ("Value", value),
            ("Paid", paid),
            ("Outstanding", outstanding),
            ("Average order", average),
        ):
            shown[f"{label} ({code})"] = f"{amount:,.{places}f}"
    return shown


def _metrics(screen) -> dict[str, str]:
    return {m.label: m.value for m in screen.at.metric}


def _explorer_total(screen) -> int:
    for text in screen.texts("caption"):
        found = re.search(r"^Orders [\d,]+–[\d,]+ of ([\d,]+)\.", text)
        if found:
            return int(found.group(1).replace(",", ""))
    assert "No orders match these filters." in screen.texts("info")
    return 0


def _open(open_app, role: str, page: str, **params: str):
    """`open_app` on a report page with URL parameters."""
    screen = open_app(role)
    screen.at.switch_page(page)
    for key, value in params.items():
        screen.at.query_params[key] = value
    return screen.run()


def _charts(screen) -> dict[str, dict]:
    """Each Plotly figure on screen, by its title."""
    figures = [json.loads(c.proto.spec) for c in screen.at.get("plotly_chart")]
    return {f["layout"]["title"]["text"]: f for f in figures}


# --- every page as every role -----------------------------------------------------

ROLES = ["admin", "manager", "ana", "bruno", "analyst", "globex_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_report_pages_render_for_each_role(open_app, ui_world, role):
    screen = open_app(role)
    actor = accounts.actor_for(store.connect(ui_world.path), ui_world.users[role])
    disabled = role == "globex_admin"

    for page in (DASHBOARD, EXPLORER, RATES):
        screen.at.switch_page(page).run()

        assert not screen.at.exception, f"{page}: {screen.at.exception}"
        assert len(screen.texts("title")) == 1, page
        if disabled:
            assert screen.texts("info") == [ModuleDisabled().message], page
            assert not screen.at.metric and not screen.at.dataframe
            assert not screen.at.get("plotly_chart")
            assert "Apply filters" not in screen.labels("button")
            continue
        assert not screen.texts("error"), page
        if page != RATES:
            assert coverage(actor) in screen.texts("caption"), page
        if page == RATES:
            admin = role == "admin"
            assert ("Save rate" in screen.labels("button")) is admin
            assert any(NOT_ADMIN in text for text in screen.texts("info")) is not admin


def test_scope_caption_names_whose_orders(open_app):
    texts = {
        role: _open(open_app, role, DASHBOARD).texts("caption")
        for role in ("admin", "ana", "bruno")
    }

    assert "All orders of Acme" in texts["admin"]
    assert "Your wallet: orders whose contact or deal you own" in texts["ana"]
    assert any("team north" in text for text in texts["bruno"])


# --- KPIs and charts equal plain SQL ------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "ana", "bruno", "analyst"])
def test_dashboard_kpis_equal_plain_sql(open_app, ui_world, role):
    screen = _open(open_app, role, DASHBOARD)

    expected = _truth_kpis(ui_world, role)
    assert _metrics(screen) == expected
    # Every role here has orders in two currencies at least.
    assert sum(label.startswith("Value (") for label in expected) >= 2


def test_status_chart_counts_equal_plain_sql_in_status_colours(open_app, ui_world):
    screen = _open(open_app, "bruno", DASHBOARD)

    figure = _charts(screen)["Orders by status"]
    [bars] = figure["data"]
    counts = dict(_truth(ui_world, "bruno", "TRUE GROUP BY 1", "o.status, count(*)"))
    shown = [s for s in Status if s.value in counts]
    assert bars["x"] == [STATUS_STYLES[s].label for s in shown]
    assert bars["y"] == [counts[s.value] for s in shown]
    assert bars["marker"]["color"] == [STATUS_STYLES[s].hex for s in shown]
    assert bars["customdata"] == [[f"status={s.value}"] for s in shown]


def test_monthly_chart_stacks_statuses_of_one_currency(open_app, ui_world):
    screen = _open(open_app, "admin", DASHBOARD)

    titles = list(_charts(screen))
    monthly = _charts(screen)["Value per month (order date), by status · BRL"]
    assert "Value by status · BRL" in titles
    assert monthly["layout"]["barmode"] == "stack"
    for trace in monthly["data"]:
        status = next(s for s, st in STATUS_STYLES.items() if st.label == trace["name"])
        assert trace["marker"]["color"] == STATUS_STYLES[status].hex
        assert all("currency=BRL" in c[0] for c in trace["customdata"])
    total = sum(sum(trace["y"]) for trace in monthly["data"])
    [(brl,)] = _truth(ui_world, "admin", "o.currency = 'BRL'", "sum(o.value)")
    assert total == pytest.approx(float(brl))


def test_currency_choice_switches_the_value_charts(open_app, ui_world):
    screen = _open(open_app, "admin", DASHBOARD)

    screen.at.radio(key="dash-currency").set_value("EUR").run()

    figure = _charts(screen)["Value by status · EUR"]
    rows = _truth(
        ui_world, "admin", "o.currency = 'EUR' GROUP BY 1", "o.status, sum(o.value)"
    )
    assert dict(zip(figure["data"][0]["x"], figure["data"][0]["y"], strict=True)) == {
        STATUS_STYLES[Status(s)].label: float(v) for s, v in rows
    }


# --- filters in the URL -------------------------------------------------------------

_AGO_80, _AGO_25 = _days_ago(80).isoformat(), _days_ago(25).isoformat()
COMBOS = [
    # role, URL parameters, the same filter in SQL
    ("admin", {"status": "paid"}, "o.status = 'paid'"),
    (
        "ana",
        {"status": "paid,refunded", "currency": "BRL"},
        "o.status IN ('paid', 'refunded') AND o.currency = 'BRL'",
    ),
    ("admin", {"deal": "yes"}, "o.deal_id IS NOT NULL"),
    (
        "bruno",
        {"deal": "no", "source": "manual"},
        "o.deal_id IS NULL AND o.source = 'manual'",
    ),
    (
        "admin",
        {"from": _AGO_80, "to": _AGO_25, "date": "paid"},
        f"o.paid_date BETWEEN DATE '{_AGO_80}' AND DATE '{_AGO_25}'",
    ),
    (
        "analyst",
        {"from": _AGO_80, "currency": "BRL,USD"},
        f"o.order_date >= DATE '{_AGO_80}' AND o.currency IN ('BRL', 'USD')",
    ),
    (
        "admin",
        {"q": "kit"},
        "(o.title ILIKE '%kit%' OR o.external_id ILIKE '%kit%' "
        "OR c.name ILIKE '%kit%')",
    ),
    ("admin", {"q": "api-7"}, "o.external_id = 'API-7'"),
    ("manager", {"team": "north"}, "TEAM_NORTH"),
    ("admin", {"owner": "CARLA"}, "OWNED_BY_CARLA"),
    ("admin", {"contact": "CARL", "status": "pending"}, "CARL_PENDING"),
    # Unreadable values are dropped, never an error.
    ("ana", {"status": "bogus", "from": "yesterday", "deal": "maybe"}, "TRUE"),
]


def _combo_sql(world, where: str) -> str:
    north = f"{world.users['ana']}, {world.users['bruno']}"
    carla = world.users["carla"]
    return {
        "TEAM_NORTH": f"(c.owner_id IN ({north}) OR d.owner_id IN ({north}))",
        "OWNED_BY_CARLA": f"(c.owner_id = {carla} OR d.owner_id = {carla})",
        "CARL_PENDING": f"o.contact_id = {world.contacts['carl']} "
        "AND o.status = 'pending'",
    }.get(where, where)


def _combo_params(world, params: dict[str, str]) -> dict[str, str]:
    ids = {"CARLA": world.users["carla"], "CARL": world.contacts["carl"]}
    return {k: str(ids.get(v, v)) for k, v in params.items()}


@pytest.mark.parametrize(("role", "params", "where"), COMBOS)
def test_filters_in_the_url_narrow_the_wallet(open_app, ui_world, role, params, where):
    params = _combo_params(ui_world, params)
    where = _combo_sql(ui_world, where)
    expected = len(_truth(ui_world, role, where))
    assert 0 < expected < len(_truth(ui_world, role)) or where == "TRUE"

    screen = _open(open_app, role, EXPLORER, **params)
    assert not screen.at.exception
    assert _explorer_total(screen) == expected

    screen.at.switch_page(DASHBOARD).run()
    assert not screen.at.exception
    assert _metrics(screen)["Orders"] == f"{expected:,}"


def test_filters_never_reach_past_the_wallet(open_app):
    # Team south's orders exist, but none is in Bruno's wallet (team north).
    screen = _open(open_app, "bruno", EXPLORER, team="south")
    assert "No orders match these filters." in screen.texts("info")

    screen.at.switch_page(DASHBOARD).run()
    assert _metrics(screen)["Orders"] == "0"
    assert "No orders match these filters." in screen.texts("info")
    assert not screen.at.get("plotly_chart")


def test_a_shared_url_shows_each_user_their_own_wallet(open_app, ui_world):
    params = {"status": "paid,pending,overdue,refunded,canceled"}
    admin = _open(open_app, "admin", EXPLORER, **params)
    ana = _open(open_app, "ana", EXPLORER, **params)

    where = "o.status IN ('paid', 'pending', 'overdue', 'refunded', 'canceled')"
    assert _explorer_total(admin) == len(_truth(ui_world, "admin", where))
    assert _explorer_total(ana) == len(_truth(ui_world, "ana", where))
    assert _explorer_total(ana) < _explorer_total(admin)


def test_reps_explorer_lists_exactly_the_wallets_orders(open_app, ui_world):
    for role in ("ana", "bruno"):
        screen = _open(open_app, role, EXPLORER)

        [table] = screen.at.dataframe
        assert sorted(table.value["#"]) == sorted(i for (i,) in _truth(ui_world, role))


def test_filter_form_writes_the_url_and_clear_resets_it(open_app, ui_world):
    screen = _open(open_app, "admin", EXPLORER)

    screen.at.multiselect(key="flt-status").set_value([Status.PAID])
    screen.at.selectbox(key="flt-deal").set_value(False)
    screen.press("Apply filters")
    assert dict(screen.at.query_params) == {"status": "paid", "deal": "no"}
    assert "Showing only orders with Status: Paid · No deal" in screen.texts("caption")
    paid_without_deal = _truth(
        ui_world, "admin", "o.status = 'paid' AND o.deal_id IS NULL"
    )
    assert _explorer_total(screen) == len(paid_without_deal)

    # The menu drops the query string; the session keeps the filters.
    screen.at.query_params.clear()
    screen.at.switch_page(DASHBOARD).run()
    assert _metrics(screen)["Orders"] == str(len(paid_without_deal))

    screen.press("Clear all")
    assert dict(screen.at.query_params) == {}
    assert screen.at.multiselect(key="flt-status").value == []
    assert _metrics(screen)["Orders"] == str(len(_truth(ui_world, "admin")))


def test_a_bad_search_is_named_and_the_filters_stay(open_app):
    screen = _open(open_app, "admin", EXPLORER, status="paid")

    screen.at.text_input(key="flt-search").set_value("bad\x07text")
    screen.press("Apply filters")

    assert any("**Search**" in text for text in screen.texts("error"))
    assert dict(screen.at.query_params) == {"status": "paid"}


# --- drill-down ----------------------------------------------------------------------


def test_selected_bars_become_explorer_filters():
    base = OrderFilters(date_from=dt.date(2025, 2, 10), currencies=("BRL", "USD"))
    points = [
        {"customdata": ["status=paid&month=2025-02&currency=BRL"]},
        {"customdata": ["status=refunded&month=2025-03&currency=BRL"]},
        {"point_index": 3},  # a point without a pick is ignored
    ]

    narrowed = report_filters.narrow(base, charts.picks(points))

    assert narrowed.statuses == (Status.PAID, Status.REFUNDED)
    assert narrowed.currencies == ("BRL",)
    # Within the months picked, and still within the range asked for.
    assert (narrowed.date_from, narrowed.date_to) == (
        dt.date(2025, 2, 10),
        dt.date(2025, 3, 31),
    )


def test_drill_down_on_deal_and_contact_bars():
    base = OrderFilters(search="kit")

    deal = report_filters.narrow(base, [{"deal": "no"}])
    both = report_filters.narrow(base, [{"deal": "no"}, {"deal": "yes"}])
    contact = report_filters.narrow(base, [{"contact": "12", "currency": "EUR"}])

    assert (deal.has_deal, deal.search) == (False, "kit")
    assert both.has_deal is None
    assert (contact.contact_id, contact.currencies) == (12, ("EUR",))
    assert report_filters.narrow(base, []) == base


# --- fresh, not stale --------------------------------------------------------------


def _record_order(world, role: str, **fields) -> None:
    """`role` records an order for Alice, as the contact page's form would."""
    db = store.connect(world.path)
    actor = accounts.actor_for(db, world.users[role])
    orders.create_order(db, actor, world.contacts["alice"], **fields)


def test_a_new_order_shows_on_the_next_rerun(open_app, ui_world):
    dashboard = _open(open_app, "ana", DASHBOARD)
    explorer = _open(open_app, "ana", EXPLORER)
    before = len(_truth(ui_world, "ana"))
    assert _metrics(dashboard)["Orders"] == str(before)

    _record_order(ui_world, "ana", title="Fresh order", value="12.34")
    dashboard.run()
    explorer.run()

    assert _metrics(dashboard)["Orders"] == str(before + 1)
    assert _explorer_total(explorer) == before + 1
    assert "Fresh order" in set(explorer.at.dataframe[0].value["Title"])


def test_amounts_of_millions_are_shown_in_short_with_the_exact_one_at_hand(
    open_app, ui_world
):
    """A KPI column holds about ten characters: a long figure is shortened,
    never cut off, and its tooltip keeps the exact amount."""
    _record_order(
        ui_world,
        "admin",
        title="Frota de caminhões",
        value="17161612",
        currency="JPY",
        status="paid",
    )
    [(total,)] = _truth(ui_world, "admin", "o.currency = 'JPY'", "sum(o.value)")
    assert total >= 10**7

    screen = _open(open_app, "admin", DASHBOARD)

    shown = {m.label: m for m in screen.at.metric}
    value = shown["Value (JPY)"]
    assert value.value == f"{total / 10**6:,.2f}M"
    assert f"JPY {total:,.0f}" in value.help
    outstanding = shown["Outstanding (BRL)"]
    assert "M" not in outstanding.value  # below a million: exact, as before
    assert outstanding.help == "Pending, overdue and partially paid orders."


# --- explorer: pages, sorting, links, summaries, exports ----------------------------


def test_explorer_pages_and_sorts_in_sql(open_app, ui_world):
    screen = _open(open_app, "admin", EXPLORER)
    total = len(_truth(ui_world, "admin"))

    screen.at.selectbox(key="exp-sort").set_value("title")
    screen.at.radio(key="exp-descending").set_value(False)
    screen.at.selectbox(key="exp-size").set_value(25).run()
    first = list(screen.at.dataframe[0].value["Title"])
    screen.at.pagination[0].set_value(2).run()
    second = list(screen.at.dataframe[0].value["Title"])

    expected = [
        t
        for (t,) in _truth(ui_world, "admin", "TRUE ORDER BY o.title, o.id", "o.title")
    ]
    assert (first, second) == (expected[:25], expected[25:50])
    assert f"Orders 26–{total} of {total}." in " ".join(screen.texts("caption"))


def test_explorer_rows_link_to_their_contact_and_format_money(open_app, ui_world):
    screen = _open(open_app, "ana", EXPLORER, q="API-7")

    [row] = screen.at.dataframe[0].value.to_dict("records")
    alice = ui_world.contacts["alice"]
    assert row["Contact"] == f"contact?id={alice}#Alice Buyer"
    assert row["Value"] == "BRL 200.00"
    assert (row["Status"], row["Source"]) == ("Paid", "API")
    assert row["Order date"] == _days_ago(60).isoformat()


def test_contact_summaries_cover_the_wallets_contacts(open_app, ui_world):
    screen = _open(open_app, "bruno", EXPLORER)

    screen.at.radio(key="exp-show").set_value("Contacts").run()

    [table] = screen.at.dataframe
    contacts = _truth(ui_world, "bruno", select="DISTINCT c.id, c.name")
    links_ = {f"contact?id={i}#{name}" for i, name in contacts}
    assert set(table.value["Contact"]) == links_
    nina = table.value.set_index("Contact").loc[
        f"contact?id={ui_world.contacts['nina']}#Nina North"
    ]
    assert (nina["Paid orders"], nina["Lifetime paid"]) == (1, "EUR 99.90")


def test_export_holds_exactly_the_filtered_wallet(open_app, ui_world):
    screen = _open(open_app, "bruno", EXPLORER, status="paid,pending")
    expected = sorted(
        i for (i,) in _truth(ui_world, "bruno", "o.status IN ('paid', 'pending')")
    )

    screen.press("Prepare export")
    [download] = screen.at.download_button
    path = screen.at.session_state["_exp-export-prepared"][1].path
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert path.parent.exists()
    assert download.label == "Download CSV"
    assert sorted(int(r["id"]) for r in rows) == expected

    screen.at.radio(key="exp-export-format").set_value(ExportFormat.PARQUET).run()
    assert not screen.at.download_button  # the CSV no longer matches
    assert not path.parent.exists()  # and its file is gone
    screen.press("Prepare export")
    path = screen.at.session_state["_exp-export-prepared"][1].path
    ids = duckdb.sql(f"SELECT id FROM '{path}' ORDER BY id").fetchall()
    shutil.rmtree(path.parent)
    assert [i for (i,) in ids] == expected


# --- reporting currency and conversion --------------------------------------------


def test_admin_sets_rates_and_the_dashboard_converts(open_app, ui_world):
    screen = _open(open_app, "admin", RATES)
    screen.fill(Reporting_currency="BRL").press("Save reporting currency")
    assert "Reporting currency set to BRL." in screen.texts("success")
    since = _days_ago(400)
    screen.fill(Base="USD", Quote="BRL", Rate="5", Valid_from=since)
    screen.press("Save rate")
    assert f"Saved: 1 USD = 5 BRL from {since}." in screen.texts("success")
    assert any("EUR, JPY" in text for text in screen.texts("warning"))

    screen.at.switch_page(DASHBOARD).run()
    screen.at.toggle(key="dash-convert").set_value(True).run()

    [(brl, usd)] = _truth(
        ui_world,
        "admin",
        select="sum(o.value) FILTER (WHERE o.currency = 'BRL'), "
        "sum(o.value) FILTER (WHERE o.currency = 'USD')",
    )
    [(unconverted,)] = _truth(
        ui_world, "admin", "o.currency IN ('EUR', 'JPY')", "count(*)"
    )
    assert _metrics(screen)["Value (BRL)"] == f"{brl + usd * 5:,.2f}"
    caption = next(t for t in screen.texts("caption") if t.startswith("Amounts in"))
    assert f"USD: rate of {since}" in caption
    assert f"{unconverted:,} orders had no rate" in caption
    value = _charts(screen)["Value by currency, in BRL"]["data"][0]
    assert value["customdata"][0] == ["currency=BRL"]


def test_a_bad_rate_is_named_and_nothing_saved(open_app, ui_world):
    screen = _open(open_app, "admin", RATES)

    screen.fill(Rate="abc").press("Save rate")

    assert any(text.startswith("**Rate**") for text in screen.texts("error"))
    with store.connect(ui_world.path).cursor() as cur:
        assert cur.execute("SELECT count(*) FROM exchange_rates").fetchone() == (0,)


def test_rates_are_read_only_for_others(open_app, ui_world):
    db = store.connect(ui_world.path)
    admin = accounts.actor_for(db, ui_world.users["admin"])
    rates.set_reporting_currency(db, admin, "BRL")
    rates.set_rate(db, admin, base="EUR", quote="BRL", rate="6.1", valid_from=TODAY)

    screen = _open(open_app, "analyst", RATES)

    [table] = screen.at.dataframe
    assert list(table.value["Rate"]) == ["1 EUR = 6.1 BRL"]
    assert "**BRL**" in screen.texts("markdown")
    assert "Save rate" not in screen.labels("button")
    assert "Save reporting currency" not in screen.labels("button")


# --- the contact page's purchase summary --------------------------------------------


def test_contact_page_shows_the_purchase_summary(open_app, ui_world):
    alice = ui_world.contacts["alice"]
    screen = open_app("ana", links.CONTACT_PAGE, id=alice)

    [(orders_, paid, first, last, value)] = _truth(
        ui_world,
        "ana",
        f"o.contact_id = {alice}",
        "count(*), count(*) FILTER (WHERE o.status = 'paid'), "
        "min(o.order_date) FILTER (WHERE o.status = 'paid'), "
        "max(o.order_date) FILTER (WHERE o.status = 'paid'), "
        "sum(o.value) FILTER (WHERE o.status = 'paid' AND o.currency = 'BRL')",
    )
    shown = _metrics(screen)
    assert shown["Paid orders"] == f"{paid} of {orders_}"
    assert (shown["First purchase"], shown["Last purchase"]) == (
        first.isoformat(),
        last.isoformat(),
    )
    days = Decimal((last - first).days) / (paid - 1)
    assert shown["Days between purchases"] == f"{days:,.1f}"
    assert f"Lifetime paid: BRL {value:,.2f}." in " ".join(screen.texts("caption"))
    assert shown["Segment"] in SEGMENTS


def test_disabled_account_contact_page_has_no_summary(open_app, ui_world):
    screen = open_app("globex_admin", links.CONTACT_PAGE, id=ui_world.contacts["gina"])

    assert not screen.at.metric
    assert "Purchase summary" not in screen.texts("subheader")
