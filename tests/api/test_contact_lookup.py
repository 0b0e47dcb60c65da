"""The intake's contact check answers the same through either statement:
a list parameter for a group of single orders, rows for a big batch."""

from __future__ import annotations

import pytest

from registry import accounts, crm
from registry.ingest import contacts


@pytest.mark.parametrize("extra", [3, 60], ids=["listed", "as rows"])
def test_only_contacts_in_the_wallet_are_found(world, extra):
    rep = world.users["rep"]
    mine = [
        crm.create_contact(world.db, rep.account_id, name=f"C{i}", owner_id=rep.id).id
        for i in range(extra)
    ]
    hidden = [world.contacts["rep2"].id, world.contacts["b"].id, 10**9]
    actor = accounts.actor_for(world.db, rep.id)

    asked = [world.contacts["rep"].id, *mine, *hidden]
    assert (len(asked) <= contacts._LISTED_MAX) == (extra == 3)

    with world.db.cursor() as cur:
        found = contacts.by_id(cur, actor, asked)

    assert found == dict.fromkeys([world.contacts["rep"].id, *mine], rep.id)
