"""Signing in and out through the form."""

from __future__ import annotations

import pytest

from ui.session import USER_KEY

PASSWORD = "ui-tests-password"  # the template's, see conftest.py


def _sign_in(screen, email: str, password: str):
    screen.fill(Email=email, Password=password)
    return screen.press("Sign in")


def test_sign_in_opens_the_contacts_page(open_app, ui_world):
    screen = _sign_in(open_app(None), "Ana@Acme.example ", PASSWORD)

    assert not screen.texts("error")
    assert screen.texts("title") == ["Contacts"]
    assert screen.at.session_state[USER_KEY] == ui_world.users["ana"]
    assert "ana@acme.example" in screen.at.sidebar.markdown[0].value


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ana@acme.example", "wrong-password"),
        ("nobody@acme.example", PASSWORD),
        ("", ""),
    ],
    ids=["wrong password", "unknown email", "empty"],
)
def test_wrong_credentials_are_refused_without_saying_which(open_app, email, password):
    screen = _sign_in(open_app(None), email, password)

    assert screen.texts("error") == ["Unknown email or wrong password."]
    assert USER_KEY not in screen.at.session_state
    assert screen.widget("Email").value == email  # kept to correct


def test_the_sign_in_page_points_to_the_demo_users(open_app):
    screen = open_app(None)

    assert any("README" in text for text in screen.texts("caption"))


def test_sign_out_returns_to_the_sign_in_page(open_app):
    screen = open_app("manager")

    screen.press("Sign out")

    assert USER_KEY not in screen.at.session_state
    assert screen.labels("text_input") == ["Email", "Password"]
    assert not screen.at.sidebar.button


def test_a_deleted_user_is_signed_out(open_app, ui_world):
    screen = open_app(None)
    screen.at.session_state[USER_KEY] = 10_000  # no such user

    screen.run()

    assert screen.labels("text_input") == ["Email", "Password"]
    assert USER_KEY not in screen.at.session_state
