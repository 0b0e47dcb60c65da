"""Every page as every role: it renders, and shows what that role may see."""

from __future__ import annotations

import subprocess
import sys

import pytest

from registry import store
from registry.errors import ModuleDisabled
from ui import links

# role -> (the contact and the deal it opens, whether it administers)
ROLES = {
    "admin": ("alice", "alice_renewal", True),
    "manager": ("alice", "alice_renewal", False),
    "ana": ("alice", "alice_renewal", False),  # rep, scope own
    "bruno": ("alice", "alice_renewal", False),  # rep, scope team (ana's team)
    "analyst": ("alice", "alice_renewal", False),  # no CRM-management permission
    "globex_admin": ("gina", "gina_pilot", True),  # account with orders disabled
}
NOT_ADMIN = "Only an administrator of this account can do this."


def _no_failure(screen, page: str) -> None:
    assert not screen.at.exception, f"{page}: {screen.at.exception}"
    assert screen.texts("title"), f"{page} has no title"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_each_role(open_app, ui_world, role):
    contact, deal, admin = ROLES[role]
    screen = open_app(role)
    _no_failure(screen, "start")
    assert screen.texts("title") == ["Contacts"]

    for page, record_id in [
        (links.CONTACTS_PAGE, None),
        (links.CONTACT_PAGE, ui_world.contacts[contact]),
        (links.DEALS_PAGE, None),
        (links.DEAL_PAGE, ui_world.deals[deal]),
        (links.SETTINGS_PAGE, None),
    ]:
        screen.at.switch_page(page)
        screen.at.query_params.clear()
        if record_id is not None:
            screen.at.query_params["id"] = str(record_id)
        screen.at.run()
        _no_failure(screen, page)
        assert (NOT_ADMIN in screen.texts("error")) is (
            page == links.SETTINGS_PAGE and not admin
        ), page


@pytest.mark.parametrize("role", ["ana", "bruno", "manager", "admin"])
def test_sidebar_names_the_user_and_their_wallet(open_app, role):
    screen = open_app(role)

    sidebar = " ".join(m.value for m in screen.at.sidebar.markdown)
    captions = " ".join(c.value for c in screen.at.sidebar.caption)
    assert f"{role}@acme.example" in sidebar
    expected = {
        "ana": "Your own contacts and deals",
        "bruno": "Team north's contacts and deals",
        "manager": "Whole account",
        "admin": "Whole account (administrator)",
    }[role]
    assert expected in captions
    # The stored scope setting is not shown raw: an administrator's "own"
    # scope would contradict what they see.
    assert "Scope:" not in captions
    assert "Sign out" in screen.labels("button")


def test_signed_out_only_the_sign_in_page_exists(open_app, ui_world):
    screen = open_app(None)

    assert screen.labels("text_input") == ["Email", "Password"]
    assert not screen.at.sidebar.button
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        screen.at.switch_page(links.CONTACT_PAGE)


def test_settings_page_is_for_admins_only(open_app):
    admin, rep = open_app("admin"), open_app("ana")
    admin.at.switch_page(links.SETTINGS_PAGE).run()
    rep.at.switch_page(links.SETTINGS_PAGE).run()

    assert admin.labels("toggle") == ["Orders Registry", "Owner-based privacy"]
    assert rep.texts("error") == [NOT_ADMIN]
    assert not rep.at.toggle


def test_disabled_account_shows_only_the_notice_in_orders_sections(open_app, ui_world):
    notice = ModuleDisabled().message
    contact = open_app("globex_admin", links.CONTACT_PAGE, id=ui_world.contacts["gina"])
    deal = open_app("globex_admin", links.DEAL_PAGE, id=ui_world.deals["gina_pilot"])

    for screen in (contact, deal):
        assert screen.texts("info") == [notice]
        assert not screen.at.dataframe  # no history, no totals
        assert "Add order" not in screen.labels("button")
    assert contact.texts("title") == ["Gina Globex"]  # the profile still shows


def test_admin_turns_the_orders_registry_on_in_settings(open_app, ui_world):
    screen = open_app("globex_admin", links.SETTINGS_PAGE)

    screen.fill(Orders_Registry=True).press("Save settings")
    assert "Settings saved." in screen.texts("success")
    screen.at.switch_page(links.CONTACT_PAGE)
    screen.at.query_params["id"] = str(ui_world.contacts["gina"])
    screen.at.run()

    assert ModuleDisabled().message not in screen.texts("info")
    assert "Add order" in screen.labels("button")


def test_settings_lists_the_accounts_users(open_app):
    screen = open_app("admin", links.SETTINGS_PAGE)

    users = screen.at.dataframe[0].value
    assert list(users.columns) == [
        "Name",
        "Email",
        "Admin",
        "CRM management",
        "Scope",
        "Team",
    ]
    assert "admin@globex.example" not in set(users["Email"])
    assert len(users) == 6


def test_a_locked_database_file_is_named_with_what_to_do(open_app, ui_world):
    # DuckDB's lock is per process, so another process must hold the file.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(ui_world.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        store.close_all()
        assert holder.stdout.readline().strip() == "ready"
        screen = open_app(None)
    finally:
        holder.kill()
        holder.wait()

    assert not screen.at.exception
    [message] = screen.texts("error")
    assert str(ui_world.path) in message
    assert "REGISTRY_DB" in message
