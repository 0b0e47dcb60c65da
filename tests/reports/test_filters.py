"""Filters: URL round trips, junk tolerance, and the SQL they become."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from truth import TRUTH_FROM, actor_by_email, truth_wallet

from registry import reports
from registry.errors import ValidationError
from registry.filters import DateField, OrderFilters, coverage
from registry.models import Source, Status

# Visible text: control and format characters (soft hyphens, bidi marks) are
# refused by validation, and tested there.
_text = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Cf")), min_size=1, max_size=30
    )
    .map(str.strip)
    .filter(bool)
)

filters_st = st.builds(
    OrderFilters,
    date_from=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
    date_to=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
    date_field=st.sampled_from(list(DateField)),
    statuses=st.lists(st.sampled_from(list(Status)), max_size=7),
    sources=st.lists(st.sampled_from(list(Source)), max_size=5),
    currencies=st.lists(st.sampled_from(["BRL", "USD", "EUR", "JPY", "BHD"])),
    owner_ids=st.lists(st.integers(1, 10**12), max_size=5),
    teams=st.lists(_text, max_size=4),
    contact_id=st.none() | st.integers(1, 10**12),
    has_deal=st.sampled_from([None, True, False]),
    search=st.just("") | _text,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(filters=filters_st)
def test_filters_round_trip_through_query_params(filters):
    params = filters.to_query_params()

    assert all(isinstance(v, str) and v for v in params.values())
    assert OrderFilters.from_query_params(params) == filters


# Mostly near misses (digits, commas, dashes, letters), some anything.
_junk = st.text("0123456789-,% apdiyUSBRLJ", max_size=30) | st.text(max_size=20)
junk_st = st.dictionaries(
    st.sampled_from(
        ["from", "to", "date", "status", "source", "currency", "owner", "team"]
        + ["contact", "deal", "q", "page", "other"]
    ),
    _junk | st.lists(_junk, max_size=3),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(params=junk_st)
def test_junk_parameters_never_raise_and_read_back_stably(params):
    filters = OrderFilters.from_query_params(params)

    assert OrderFilters.from_query_params(filters.to_query_params()) == filters


def test_bad_values_are_dropped_and_good_ones_kept():
    filters = OrderFilters.from_query_params(
        {
            "from": "2024-13-45",
            "to": "2025-02-01",
            "status": "paid,bogus, Partially_Paid",
            "source": "api,,fax",
            "currency": "usd,XXX1,ZZZ",
            "owner": "3,x,-1,0",
            "contact": "abc",
            "deal": "maybe",
            "q": "  plano\x00 anual ",
            "date": "someday",
        }
    )

    assert filters == OrderFilters(
        date_to=dt.date(2025, 2, 1),
        statuses=(Status.PAID, Status.PARTIALLY_PAID),
        sources=(Source.API,),
        currencies=("USD",),
        owner_ids=(3,),
        search="plano anual",
    )


def test_repeated_keys_take_the_last_value_like_streamlit():
    filters = OrderFilters.from_query_params({"status": ["paid", "pending"]})

    assert filters.statuses == (Status.PENDING,)


def test_team_names_with_commas_survive_the_url():
    filters = OrderFilters(teams=("north, east", "50% south"))

    params = filters.to_query_params()

    assert OrderFilters.from_query_params(params).teams == filters.teams


def test_equal_choices_make_equal_filters_for_the_cache():
    first = OrderFilters(statuses=["paid", "pending"], currencies=["usd", "BRL"])
    second = OrderFilters(statuses=("pending", "paid", "paid"), currencies=("BRL",))

    assert first == second.replace(currencies=("USD", "BRL"))
    assert hash(first) == hash(second.replace(currencies=["brl", "usd"]))


def test_a_reversed_range_is_swapped():
    filters = OrderFilters(date_from="2025-05-01", date_to="2025-01-01")

    assert (filters.date_from, filters.date_to) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 5, 1),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"statuses": ["bogus"]}, "statuses"),
        ({"currencies": ["EURO"]}, "currencies"),
        ({"owner_ids": ["x"]}, "owner_ids"),
        ({"has_deal": "yes"}, "has_deal"),
        ({"search": "a" * 201}, "search"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_field": "shipped_date"}, "date_field"),
    ],
)
def test_bad_values_given_directly_name_the_field(changes, field):
    with pytest.raises(ValidationError) as caught:
        OrderFilters(**changes)

    assert caught.value.field == field


@pytest.mark.parametrize(
    "filters",
    [
        OrderFilters(),
        OrderFilters(statuses=("paid",), has_deal=True),
        OrderFilters(search="silva", date_from=dt.date(2025, 1, 1)),
        OrderFilters(teams=("south",), sources=("manual", "api")),
    ],
)
@pytest.mark.parametrize("email", ["ana@acme.test", "bruno@acme.test"])
def test_where_selects_the_same_orders_as_the_reports(demo_db, email, filters):
    actor = actor_by_email(demo_db, email)
    predicate = filters.where(actor)

    with demo_db.cursor() as cur:
        selected = cur.execute(
            f"SELECT count(*) {TRUTH_FROM} WHERE {predicate.sql}", predicate.params
        ).fetchone()[0]

    assert selected == reports.count(demo_db, actor, filters)


def test_coverage_says_whose_orders_a_page_shows(demo_db):
    assert coverage(actor_by_email(demo_db, "ana@acme.test")).startswith("Your wallet")
    assert "team north" in coverage(actor_by_email(demo_db, "bruno@acme.test"))
    assert coverage(actor_by_email(demo_db, "admin@acme.test")).startswith("All")


def test_filter_choices_list_owners_teams_and_wallet_currencies(demo_db):
    actor = actor_by_email(demo_db, "ana@acme.test")

    choices = reports.filter_choices(demo_db, actor)

    with demo_db.cursor() as cur:
        currencies = [
            r[0]
            for r in cur.execute(
                f"SELECT DISTINCT o.currency {TRUTH_FROM} "
                f"WHERE {truth_wallet(actor)} ORDER BY 1"
            ).fetchall()
        ]
    assert list(choices.currencies) == currencies
    assert choices.teams == ("north", "south")
    assert {o.name for o in choices.owners} >= {"Ana Souza", "Carla Dias"}
