"""A cheap token that changes whenever anything a report reads changes.

Pages cache report results per wallet and filters (`st.cache_data`) and pass
this token along as part of the key, so the next rerun after any write
recomputes. Orders are covered by count, latest id and latest `updated_at`,
which every write in `registry.orders` sets to the current time — about a
millisecond at ten million orders. Contacts, deals, users, rates and the
account's switches are small tables and are hashed whole, so renaming a
contact or moving it to another owner also counts as a change.
"""

from __future__ import annotations

from ..store import Database

_VERSION_SQL = """
SELECT
    (SELECT count(*) || '.' || coalesce(max(id), 0) || '.'
            || coalesce(CAST(max(updated_at) AS VARCHAR), '')
     FROM orders WHERE account_id = $account),
    (SELECT count(*) || '.' || coalesce(bit_xor(hash(id, owner_id, name)), 0)
     FROM contacts WHERE account_id = $account),
    (SELECT count(*) || '.' || coalesce(bit_xor(hash(id, owner_id, contact_id,
            title)), 0)
     FROM deals WHERE account_id = $account),
    (SELECT count(*) || '.' || coalesce(bit_xor(hash(id, team, scope, is_admin,
            name)), 0)
     FROM users WHERE account_id = $account),
    (SELECT count(*) || '.' || coalesce(bit_xor(hash(base, quote, rate,
            valid_from)), 0)
     FROM exchange_rates WHERE account_id = $account),
    (SELECT hash(reporting_currency, owner_privacy, orders_enabled,
            default_currency)
     FROM accounts WHERE id = $account)
"""


def data_version(db: Database, account_id: int) -> str:
    """An opaque string, equal between two calls only if no write touched the
    account's orders, contacts, deals, users, rates or settings in between."""
    with db.cursor() as cur:
        parts = cur.execute(_VERSION_SQL, {"account": account_id}).fetchone()
    return "|".join(str(part) for part in parts)
