"""The demo dataset's bulk rows — contacts, deals, orders, status history —
generated inside DuckDB.

Rows come from INSERT … SELECT over `range()`; every pseudo-random choice is
`hash(seed, row, salt)`, so a seed always gives the same data and millions of
orders never pass through Python. Ids are reserved from the sequences in one
block per transaction and numbered by row, which keeps them deterministic too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import duckdb

from .errors import RegistryError
from .models import Source, Status
from .money import minor_units
from .store import Database

# Orders per transaction: one commit per batch keeps memory flat at 10M.
BATCH_ORDERS = 1_000_000

# Weights of the generated mix; each list also opens every account's orders
# once, so even a tiny dataset shows every status, source and currency.
STATUS_WEIGHTS = (
    (Status.PAID, 55),
    (Status.PENDING, 12),
    (Status.PARTIALLY_PAID, 6),
    (Status.OVERDUE, 8),
    (Status.REFUNDED, 5),
    (Status.CANCELED, 8),
    (Status.FAILED, 6),
)
SOURCE_WEIGHTS = (
    (Source.MANUAL, 35),
    (Source.WEBHOOK, 15),
    (Source.API, 15),
    (Source.PAYMENTS, 20),
    (Source.COMMERCE, 15),
)
# (weight, smallest and largest value in major units)
CURRENCIES = {
    "BRL": (84, 15, 8_000),
    "USD": (8, 5, 2_000),
    "EUR": (6, 5, 2_000),
    "JPY": (2, 500, 300_000),
}
DEAL_LINK_SHARE = 0.4
HISTORY_DAYS = 730
# Every third contact has a deal: deal d belongs to contact 3d of its account.
CONTACTS_PER_DEAL = 3

_EMAIL_DOMAINS = ["example.com.br", "example.com", "example.net", "example.org"]
_COMMERCE_PLATFORMS = ["shopify", "vtex", "nuvemshop", "woocommerce"]
_PRODUCTS = [
    "Assinatura mensal",
    "Plano anual Pro",
    "Plano anual Básico",
    "Licença de software",
    "Consultoria (10 horas)",
    "Implantação",
    "Treinamento in company",
    "Suporte premium",
    "Kit de boas-vindas",
    "Notebook corporativo",
    "Monitor 27 polegadas",
    "Cadeira ergonômica",
    "Renovação de contrato",
    "Pacote de créditos",
    "Auditoria de processos",
    "Manutenção trimestral",
    "Upgrade de plano",
    "Workshop de vendas",
    "Integração com ERP",
    "Módulo de relatórios",
]
_DEAL_KINDS = [
    "Renovação anual",
    "Expansão de licenças",
    "Projeto piloto",
    "Contrato de suporte",
    "Nova filial",
    "Upgrade de plano",
    "Compra de equipamentos",
    "Treinamento da equipe",
]


@dataclass(frozen=True)
class Share:
    """One account's part of the generated rows, as dataset-wide ordinals."""

    account_id: int
    contact_lo: int
    contacts: int
    deal_lo: int
    deals: int
    order_lo: int
    order_hi: int
    owners: list[int]
    deal_owners: list[int]


@dataclass(frozen=True)
class _FirstIds:
    """Where the reserved contact and deal ids start: ordinal n gets first + n."""

    contact: int
    deal: int


def deals_for(contacts: int) -> int:
    """How many deals an account with `contacts` contacts gets."""
    return -(-contacts // CONTACTS_PER_DEAL)


def generate(
    db: Database,
    shares: list[Share],
    seed: int,
    today: dt.date,
    now: dt.datetime,
) -> None:
    """Write the contacts, deals, orders and status history of `shares`."""
    with db.transaction() as cur:
        _define_macros(cur, seed)
        ids = _generate_crm(cur, shares, seed, today, now)
    for share in shares:
        for lo in range(share.order_lo, share.order_hi, BATCH_ORDERS):
            hi = min(lo + BATCH_ORDERS, share.order_hi)
            with db.transaction() as cur:
                _define_macros(cur, seed)
                _generate_orders(cur, share, ids, lo, hi, today, now)


def _define_macros(cur: duckdb.DuckDBPyConnection, seed: int) -> None:
    # Macro bodies cannot hold bound parameters; int() makes formatting the
    # seed in safe. The UBIGINT casts keep the modulo in 64 bits: a bound `n`
    # would otherwise widen it to HUGEINT, several times slower.
    cur.execute(
        f"CREATE TEMP MACRO demo_pick(row_key, salt, n) AS "
        f"CAST(hash({int(seed)}, row_key, salt) % CAST(n AS UBIGINT) AS BIGINT);"
        f"CREATE TEMP MACRO demo_draw(row_key, salt) AS "
        f"CAST(hash({int(seed)}, row_key, salt) % CAST(1000000 AS UBIGINT) "
        f"AS DOUBLE) / 1e6;"
    )


def _generate_crm(
    cur: duckdb.DuckDBPyConnection,
    shares: list[Share],
    seed: int,
    today: dt.date,
    now: dt.datetime,
) -> _FirstIds:
    firsts, lasts = _name_pools(seed)
    ids = _FirstIds(
        contact=_reserve(cur, "contact_ids", sum(s.contacts for s in shares)),
        deal=_reserve(cur, "deal_ids", sum(s.deals for s in shares)),
    )
    for share in shares:
        cur.execute(
            _CONTACTS_SQL,
            {
                "first_id": ids.contact,
                "account_id": share.account_id,
                "lo": share.contact_lo,
                "hi": share.contact_lo + share.contacts,
                "owners": share.owners,
                "firsts": firsts,
                "lasts": lasts,
                "domains": _EMAIL_DOMAINS,
                "today": today,
                "days": HISTORY_DAYS,
            },
        )
        cur.execute(
            _DEALS_SQL,
            {
                "first_id": ids.deal,
                "first_contact": ids.contact + share.contact_lo,
                "lo": share.deal_lo,
                "hi": share.deal_lo + share.deals,
                "reps": share.deal_owners,
                "kinds": _DEAL_KINDS,
                "now": now,
                "per_deal": CONTACTS_PER_DEAL,
            },
        )
    return ids


def _generate_orders(
    cur: duckdb.DuckDBPyConnection,
    share: Share,
    ids: _FirstIds,
    lo: int,
    hi: int,
    today: dt.date,
    now: dt.datetime,
) -> None:
    """Orders lo…hi-1 of the dataset (all in `share`'s account), then their
    status history."""
    first_order = _reserve(cur, "order_ids", hi - lo)
    cur.execute(
        _orders_sql(),
        {
            "first_id": first_order,
            "account_id": share.account_id,
            "lo": lo,
            "hi": hi,
            "account_lo": share.order_lo,
            "account_orders": share.order_hi - share.order_lo,
            "contacts": share.contacts,
            "deals": share.deals,
            "first_contact": ids.contact + share.contact_lo,
            "first_deal": ids.deal + share.deal_lo,
            "covered": min(share.contacts, len(share.owners)),
            "products": _PRODUCTS,
            "platforms": _COMMERCE_PLATFORMS,
            "today": today,
            "now": now,
            "days": HISTORY_DAYS,
            "link_share": DEAL_LINK_SHARE,
            "per_deal": CONTACTS_PER_DEAL,
        },
    )
    _generate_history(cur, first_order, hi - lo)


def _name_pools(seed: int) -> tuple[list[str], list[str]]:
    """First and last names from Faker; SQL combines them into contacts."""
    # Imported here: Faker takes a third of a second to import, which every
    # `registry` command would otherwise pay.
    from faker import Faker

    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    firsts = sorted({fake.first_name() for _ in range(1500)})
    lasts = sorted({fake.last_name() for _ in range(1500)})
    return firsts, lasts


def _reserve(cur: duckdb.DuckDBPyConnection, sequence: str, count: int) -> int:
    """Take `count` consecutive values from `sequence`; return the first."""
    if count == 0:
        return 0
    low, high = cur.execute(
        f"SELECT min(v), max(v) FROM (SELECT nextval('{sequence}') AS v FROM range(?))",
        [count],
    ).fetchone()
    if high - low + 1 != count:
        raise RegistryError(
            f"Could not reserve {count} consecutive ids from {sequence}: another "
            "writer used the sequence meanwhile. Load the demo into a database "
            "file no other process is using."
        )
    return low


_CONTACTS_SQL = """
INSERT INTO contacts (id, account_id, name, email, owner_id, created_at)
SELECT
    $first_id + g,
    $account_id,
    concat_ws(' ', first, last, second_last),
    regexp_replace(lower(strip_accents(first || '.' || last)), '[^a-z0-9.]', '', 'g')
        || '.' || (g + 1) || '@'
        || list_extract($domains, 1 + demo_pick(g, 'domain', len($domains))),
    list_extract($owners, 1 + (g - $lo) % len($owners)),
    CAST($today AS DATE) - ($days + 30 + demo_pick(g, 'since', 365))::INTEGER
        + to_seconds(demo_pick(g, 'since-time', 86400))
FROM (
    SELECT
        g,
        list_extract($firsts, 1 + demo_pick(g, 'first', len($firsts))) AS first,
        list_extract($lasts, 1 + demo_pick(g, 'last', len($lasts))) AS last,
        CASE WHEN demo_draw(g, 'two-surnames') < 0.5 THEN
            list_extract($lasts, 1 + demo_pick(g, 'last-2', len($lasts)))
        END AS second_last
    FROM range($lo, $hi) AS r(g)
)
"""

# Deal d belongs to the account's contact 3d. A quarter of the deals, and the
# first ones always, go to a rep other than the contact's owner, so a rep's
# wallet also reaches contacts through deals (ana's contact, carla's deal).
_DEALS_SQL = """
INSERT INTO deals (id, account_id, contact_id, title, owner_id, created_at)
SELECT
    $first_id + d,
    c.account_id,
    c.id,
    list_extract($kinds, 1 + demo_pick(d, 'deal-kind', len($kinds)))
        || ' — ' || list_extract(string_split(c.name, ' '), -1),
    CASE
        WHEN len($reps) < 2
            OR (d - $lo >= len($reps) AND demo_draw(d, 'deal-owner') >= 0.25)
            THEN c.owner_id
        ELSE list_extract(
            $reps,
            1 + (coalesce(list_position($reps, c.owner_id), 0)
                 + CASE WHEN d - $lo < len($reps) THEN 1
                        ELSE demo_pick(d, 'other-rep', 1000) END
                   % (len($reps) - 1))
                % len($reps))
    END,
    least(c.created_at + to_days(demo_pick(d, 'deal-age', 60)::INTEGER),
          CAST($now AS TIMESTAMP))
FROM range($lo, $hi) AS r(d)
JOIN contacts c ON c.id = $first_contact + $per_deal * (d - $lo)
"""


def _weighted(draw: str, weights: tuple[tuple[str, int], ...], typ: str) -> str:
    """A CASE picking a value by cumulative weight (constants only)."""
    total = sum(w for _, w in weights)
    arms, cumulative = [], 0
    for value, weight in weights[:-1]:
        cumulative += weight
        arms.append(f"WHEN {draw} < {cumulative / total!r} THEN '{value}'")
    last = weights[-1][0]
    return f"CAST(CASE {' '.join(arms)} ELSE '{last}' END AS {typ})"


def _opening(values: list[str], typ: str, fallback: str) -> str:
    """The first orders of an account take each value once, then `fallback`."""
    listed = ", ".join(f"'{v}'" for v in values)
    return (
        f"CASE WHEN j < {len(values)} THEN CAST(list_extract([{listed}], j + 1) "
        f"AS {typ}) ELSE {fallback} END"
    )


@cache
def _orders_sql() -> str:
    statuses = [s.value for s, _ in STATUS_WEIGHTS]
    sources = [s.value for s, _ in SOURCE_WEIGHTS]
    codes = list(CURRENCIES)
    status = _opening(
        statuses,
        "order_status",
        _weighted("demo_draw(i, 'status')", STATUS_WEIGHTS, "order_status"),
    )
    source = _opening(
        sources,
        "order_source",
        _weighted("demo_draw(i, 'source')", SOURCE_WEIGHTS, "order_source"),
    )
    currency = _opening(
        codes,
        "VARCHAR",
        _weighted(
            "demo_draw(i, 'currency')",
            tuple((code, spec[0]) for code, spec in CURRENCIES.items()),
            "VARCHAR",
        ),
    )
    money = " ".join(
        f"WHEN '{code}' THEN {lo}.0 * pow({hi / lo!r}, demo_draw(i, 'value')) "
        f"* {10 ** minor_units(code)}"
        for code, (_, lo, hi) in CURRENCIES.items()
    )
    units = " ".join(
        f"WHEN '{code}' THEN CAST({10.0 ** -minor_units(code)!r} AS DECIMAL(18, 4))"
        for code in CURRENCIES
    )
    return _ORDERS_SQL.format(
        status=status, source=source, currency=currency, money=money, units=units
    )


# The account's first orders go to its first contacts, one each, so every
# owner has orders; then 40% pick a deal (and its contact), the rest any
# contact, both skewed towards the low ordinals so some customers buy a lot.
_ORDERS_SQL = """
INSERT INTO orders (id, account_id, contact_id, deal_id, title, value, currency,
    status, source, external_id, order_date, paid_date, created_by,
    created_at, updated_at, contact_owner_id, deal_owner_id)
WITH draws AS (
    SELECT
        i,
        i - $account_lo AS j,
        j >= $covered AND demo_draw(i, 'linked') < $link_share AS linked,
        CAST(floor(pow(demo_draw(i, 'pick'), 1.4)
             * CASE WHEN linked THEN $deals ELSE $contacts END) AS BIGINT) AS pick,
        {status} AS status,
        {source} AS source,
        {currency} AS currency,
        -- Orders are numbered in the order they were placed, as in a real
        -- registry: the age falls as the ordinal rises, give or take a day.
        greatest(0, least($days, $days - CAST(floor(j * ($days + 1)
            / $account_orders) AS BIGINT) + demo_pick(i, 'age', 3) - 1)) AS age,
        CAST($today AS DATE) - age::INTEGER AS order_date,
        least(order_date + to_seconds(28800 + demo_pick(i, 'time', 43200)),
              CAST($now AS TIMESTAMP)) AS created_at
    FROM range($lo, $hi) AS r(i)
), shaped AS (
    SELECT
        *,
        CASE WHEN j < $covered THEN j WHEN linked THEN $per_deal * pick ELSE pick END
            AS contact_k,
        CASE WHEN linked THEN $first_deal + pick END AS deal_id,
        CASE WHEN status IN ('paid', 'partially_paid', 'refunded') THEN
            order_date + demo_pick(i, 'paid-after', least(age, 20) + 1)::INTEGER
        END AS paid_date,
        greatest(created_at, least(
            CASE WHEN paid_date IS NOT NULL THEN paid_date + INTERVAL 12 HOUR
                 ELSE created_at + to_days(demo_pick(i, 'change', least(age, 30) + 1)
                                           ::INTEGER)
            END,
            CAST($now AS TIMESTAMP))) AS changed_at
    FROM draws
)
SELECT
    $first_id + i - $lo,
    $account_id,
    $first_contact + contact_k,
    s.deal_id,
    list_extract($products, 1 + demo_pick(i, 'product', len($products))),
    CAST(CAST(round(CASE currency {money} END) AS BIGINT)
         * CASE currency {units} END AS DECIMAL(18, 4)),
    currency,
    status,
    source,
    CASE source
        WHEN 'webhook' THEN 'evt_' || (100000 + i)
        WHEN 'api' THEN 'API-' || (100000 + i)
        WHEN 'payments' THEN 'pay_' || (100000 + i)
        WHEN 'commerce' THEN list_extract(
            $platforms, 1 + demo_pick(i, 'platform', len($platforms)))
            || '-' || (100000 + i)
    END,
    order_date,
    paid_date,
    CASE WHEN source = 'manual' THEN coalesce(d.owner_id, c.owner_id) END,
    s.created_at,
    CASE status
        WHEN 'pending' THEN s.created_at
        WHEN 'refunded' THEN least(
            changed_at + to_days(1 + demo_pick(i, 'refund-after', 20)::INTEGER),
            CAST($now AS TIMESTAMP))
        ELSE changed_at
    END,
    c.owner_id,
    d.owner_id
FROM shaped s
JOIN contacts c ON c.id = $first_contact + s.contact_k
LEFT JOIN deals d ON d.id = s.deal_id
"""


def _generate_history(
    cur: duckdb.DuckDBPyConnection, first_order: int, count: int
) -> None:
    """Status history matching each order: created pending, then its status
    (refunded ones pass through paid first)."""
    if count == 0:
        return
    bounds = [first_order, first_order + count - 1]
    rows = cur.execute(
        "SELECT count(*) + count(*) FILTER (WHERE status <> 'pending') "
        "+ count(*) FILTER (WHERE status = 'refunded') "
        "FROM orders WHERE id BETWEEN ? AND ?",
        bounds,
    ).fetchone()[0]
    first_id = _reserve(cur, "status_change_ids", rows)
    cur.execute(_HISTORY_SQL, {"first_id": first_id, "lo": bounds[0], "hi": bounds[1]})


_HISTORY_SQL = """
INSERT INTO order_status_history (id, account_id, order_id, from_status,
    to_status, changed_by, source, changed_at)
SELECT
    $first_id - 1 + row_number() OVER (ORDER BY order_id, step),
    account_id, order_id, from_status, to_status, created_by, source, changed_at
FROM (
    SELECT id AS order_id, 0 AS step, account_id, created_by, source,
        NULL::order_status AS from_status, 'pending'::order_status AS to_status,
        created_at AS changed_at
    FROM orders WHERE id BETWEEN $lo AND $hi
    UNION ALL
    SELECT id, 1, account_id, created_by, source,
        'pending',
        CASE WHEN status = 'refunded' THEN 'paid'::order_status ELSE status END,
        CASE WHEN status = 'refunded' THEN
            greatest(created_at, least(paid_date + INTERVAL 12 HOUR, updated_at))
        ELSE updated_at END
    FROM orders WHERE id BETWEEN $lo AND $hi AND status <> 'pending'
    UNION ALL
    SELECT id, 2, account_id, created_by, source, 'paid', 'refunded', updated_at
    FROM orders WHERE id BETWEEN $lo AND $hi AND status = 'refunded'
)
"""
